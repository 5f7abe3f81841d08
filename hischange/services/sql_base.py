"""What git says about reviewed SQL: the version each file is compared with, and the changes
whose commits modified it.

Every form of ``sql review`` compares views with a base version (HC140): a range with its
base, files and staged files with ``--base REF``, else with the version before the change's
first commit of the file, else with HEAD. A range attributes each file to the changes named by
the commits that modified it, so a review is recorded only for the changes a file belongs to.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from hischange import vcs
from hischange.errors import NotFoundError, UsageError
from hischange.files import read_regular
from hischange.project import Project
from hischange.sqlreview import (
    Dialect,
    FileReview,
    Finding,
    SqlReview,
    SqlReviewSettings,
    Statement,
    decode_sql,
    review_contents,
)
from hischange.sqlreview.registry import rule_by_code
from hischange.sqlreview.views import ViewChange, view_changes, view_columns

__all__ = [
    "BaseViews",
    "attribute",
    "by_change",
    "compare_files",
    "compare_with_base",
    "file_changes",
    "review_staged",
]


class BaseViews:
    """Files and view definitions at the base: same path first, then any *.sql there."""

    def __init__(self, repo: vcs.GitRepository, base: str) -> None:
        self.repo, self.base = repo, base
        self._all: dict[str, str] | None = None

    def text_at(self, path: str) -> str:
        """The decoded text of ``path`` at the base, "" when it did not exist there."""
        data = vcs.file_at(self.repo, self.base, path)
        return "" if data is None else decode_sql(data)[0]

    def exists(self, path: str) -> bool:
        """True when ``path`` is a file at the base."""
        return vcs.file_at(self.repo, self.base, path) is not None

    def find(self, view: str, dialect: Dialect) -> str:
        """The text of the base's file defining ``view`` (a view may move between files)."""
        if self._all is None:
            self._all = {
                p: self.text_at(p) for p in vcs.changed_files(self.repo, self.base, "*.sql")
            }
        for text in self._all.values():
            if view in view_columns(text, dialect):
                return text
        return ""


def compare_with_base(
    fr: FileReview,
    base: BaseViews,
    settings: SqlReviewSettings,
    content: bytes,
    git_path: str | None = None,
) -> FileReview:
    """``fr`` (reviewed from ``content``) with the HC140 findings of its views against the
    base, and the diff from the base's version."""
    dialect = settings.dialect
    name = git_path or fr.path
    old_text = base.text_at(name)
    lines = difflib.unified_diff(
        old_text.splitlines(),
        decode_sql(content)[0].splitlines(),
        f"{fr.path} @ {base.base[:12]}",
        fr.path,
        lineterm="",
    )
    update: dict[str, object] = {
        "base": base.base,
        "diff": tuple(lines),
        "in_base": bool(old_text) or base.exists(name),
    }
    new_views: dict[str, int] = {}
    for statement in fr.statements:
        for name in view_columns(statement.text, dialect):
            new_views[name] = statement.index
    extra: list[Finding] = []
    if "HC140" not in settings.disabled:
        for name, index in sorted(new_views.items()):
            statement = fr.statements[index]
            in_same = name in view_columns(old_text, dialect)
            previous = old_text if in_same else base.find(name, dialect)
            for change in view_changes(previous, statement.text, dialect):
                extra.append(_hc140(change, statement, settings))
    if extra:
        update["findings"] = (*fr.findings, *extra)
    return fr.model_copy(update=update)


def _hc140(change: ViewChange, statement: Statement, settings: SqlReviewSettings) -> Finding:
    rule = rule_by_code("HC140")
    name = rule.name if rule else "breaking-view-change"
    diff = change.diff
    if diff.breaking:
        severity = settings.severity.get("HC140", "error")
        message = (
            f"view {change.name} removes or renames column(s) {', '.join(diff.removed)}: "
            "a breaking interface change (数据上报视图接口), consumers will fail"
        )
    else:
        severity = "info"
        detail = f"adds {', '.join(diff.added)}" if diff.added else "changes column order"
        if not diff.comparable:
            detail = "selects *, so its columns cannot be compared"
        message = f"view {change.name} {detail}"
    return Finding(
        code="HC140",
        rule=name,
        severity=severity,
        message=message,
        span=statement.span,
        statement_index=statement.index,
    )


def _links(proj: Project, commit: vcs.CommitInfo) -> tuple[str, ...]:
    # the custody scan's module opens the store; a view comparison does not need it
    from hischange.services.custody_links import subject_patterns

    keys = proj.config.custody.trailer_keys
    return vcs.extract_links(commit, keys, subject_patterns(proj)).change_ids


def file_changes(
    proj: Project, repo: vcs.GitRepository, rng: vcs.CommitRange, path: str
) -> tuple[str, ...]:
    """The changes named by the commits of ``rng`` that modified ``path``, oldest first."""
    seen: dict[str, None] = {}
    for commit in vcs.iter_commits(repo, rng, paths=[path], reverse=True):
        seen.update(dict.fromkeys(_links(proj, commit)))
    return tuple(seen)


def attribute(
    proj: Project, repo: vcs.GitRepository, rng: vcs.CommitRange, review: SqlReview
) -> SqlReview:
    """``review`` with each file's ``changes``: those of the commits that modified it."""
    files = tuple(
        fr.model_copy(update={"changes": file_changes(proj, repo, rng, fr.path)})
        for fr in review.files
    )
    return review.model_copy(update={"files": files})


def by_change(review: SqlReview, change_id: str, rev_range: str) -> SqlReview:
    """The files of ``review`` that belong to ``change_id``; an error naming the owners of
    each file when none does."""
    wanted = change_id.upper()
    mine = tuple(fr for fr in review.files if wanted in {c.upper() for c in fr.changes})
    if not mine:
        owners = "; ".join(
            f"{fr.path}: {', '.join(fr.changes) or 'no change'}" for fr in review.files
        )
        raise UsageError(
            f"no SQL file of {rev_range!r} was modified by a commit of {change_id}"
            f" ({owners or 'no SQL files'})",
            hint="record each file for the change named by its commits (HIS-Change trailer)",
        )
    return review.model_copy(update={"files": mine})


def _change_base(proj: Project, repo: vcs.GitRepository, path: str, change_id: str) -> str | None:
    """The commit before the change's first commit that modified ``path``, or None."""
    wanted = change_id.upper()
    for commit in vcs.iter_commits(repo, "HEAD", paths=[path], reverse=True):
        if wanted in {c.upper() for c in _links(proj, commit)}:
            # a root commit has no earlier version: HEAD's is the best there is
            return commit.parents[0] if commit.parents else None
    return None


def _git_path(repo: vcs.GitRepository, path: Path) -> str:
    try:
        return path.resolve().relative_to(repo.root.resolve()).as_posix()
    except ValueError:
        raise UsageError(
            f"{path} is outside the git repository {repo.root}",
            hint="review files of the project's repository",
        ) from None


def _one_revision(repo: vcs.GitRepository, ref: str) -> str:
    rng = vcs.resolve_range(repo, ref)
    if rng.base is not None:
        raise UsageError(
            f"--base {ref!r} names a range, not one revision", hint="e.g. --base v3.2.0"
        )
    return rng.tip


def compare_files(
    proj: Project | None,
    review: SqlReview,
    paths: Sequence[Path],
    settings: SqlReviewSettings,
    base_ref: str | None = None,
    change_id: str | None = None,
) -> SqlReview:
    """Files from the working tree compared with ``base_ref``; without it, with the version
    before ``change_id``'s first commit of each file, else with HEAD. Outside a git repository
    and without ``base_ref`` there is nothing to compare with, nor for a file outside it."""
    try:
        repo = vcs.open_repo(proj.root if proj is not None else Path.cwd())
        head = vcs.head_sha(repo)
    except (NotFoundError, UsageError):
        if base_ref:
            raise
        return review
    fixed = _one_revision(repo, base_ref) if base_ref else None
    files = []
    for fr, path in zip(review.files, paths, strict=True):
        try:
            name = _git_path(repo, path)
        except UsageError:
            if base_ref:
                raise
            files.append(fr)
            continue
        by_change = proj is not None and change_id and _change_base(proj, repo, name, change_id)
        base = fixed or by_change or head
        content = read_regular(path, "SQL file")  # as reviewed a moment ago
        files.append(compare_with_base(fr, BaseViews(repo, base), settings, content, name))
    return review.model_copy(update={"files": tuple(files)})


def review_staged(
    proj: Project, settings: SqlReviewSettings, base_ref: str | None = None
) -> SqlReview:
    """Review the *.sql files staged for the next commit (the index's content, what the
    commit will hold), compared with ``base_ref`` or HEAD."""
    repo = vcs.open_repo(proj.root)
    raw = repo.run_bytes(
        "diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=AM", "--", "*.sql"
    )
    names = sorted(n for n in raw.decode("utf-8", "surrogateescape").split("\0") if n)
    if not names:
        raise UsageError("no *.sql files are staged", hint="git add the scripts first")
    contents = {name: repo.run_bytes("show", f":{name}") for name in names}
    review = review_contents(contents.items(), settings)
    base = BaseViews(repo, _one_revision(repo, base_ref) if base_ref else vcs.head_sha(repo))
    files = tuple(compare_with_base(fr, base, settings, contents[fr.path]) for fr in review.files)
    return review.model_copy(update={"files": files})
