"""SQL review as records: reviews and approvals bound to each file's SHA-256.

The engine (``hischange.sqlreview``) never touches the store or git; this module reads the
files (from the working tree or from git for a range), adds the view-interface comparison
against the range's base (HC140), and records reviews and approvals as ledger events.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError

from hischange import vcs
from hischange.config import CONFIG_NAME, unknown_key_problem
from hischange.errors import ConfigError, NotFoundError, UsageError, clip
from hischange.events import (
    AnyEvent,
    SqlFileReview,
    SqlFinding,
)
from hischange.files import MAX_TEXT_BYTES, hash_regular, working_tree_sha256
from hischange.project import Project
from hischange.services.changes import run_change_command
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
from hischange.store import WriteTx
from hischange.workflow.change import ChangeState
from hischange.workflow.sql import SqlStatus, decide_sql_approve, decide_sql_review, file_status

__all__ = [
    "approve_sql",
    "record_review",
    "review_paths",
    "review_range",
    "sql_settings",
    "sql_status",
]


def sql_settings(proj: Project | None, dialect: str | None = None) -> SqlReviewSettings:
    """The ``[sqlreview]`` settings, with ``--dialect`` taking precedence; an unknown key is a
    configuration error naming the closest valid one. Without a project: the defaults."""
    raw = dict(proj.config.sqlreview) if proj is not None else {}
    unknown = sorted(set(raw) - set(SqlReviewSettings.model_fields))
    if unknown:
        problems = "; ".join(
            f"sqlreview.{k}: " + unknown_key_problem(k, "sqlreview", SqlReviewSettings.model_fields)
            for k in unknown
        )
        where = proj.state_dir / CONFIG_NAME if proj is not None else "config"
        raise ConfigError(
            f"{where}: invalid configuration: {problems}",
            hint="see docs/configuration.md, section [sqlreview]",
        )
    if dialect:
        raw["dialect"] = dialect
    try:
        settings = SqlReviewSettings.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise ConfigError(
            f"[sqlreview] {key}: {str(err['msg']).removeprefix('Value error, ')} "
            f"(got {clip(err.get('input'))})",
            hint="see docs/configuration.md, section [sqlreview]",
        ) from exc
    for key in ("forward_pattern", "rollback_pattern"):
        pattern = getattr(settings, key)
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(
                f"[sqlreview] {key}: pattern {clip(pattern)} is not a valid regex: {exc}",
                hint="fix the pattern in .hischange/config.toml (a Python regular expression)",
            ) from None
    return settings


def _relative(proj: Project | None, path: Path) -> str:
    if proj is None:
        return path.as_posix()
    resolved = path.resolve()
    try:
        return resolved.relative_to(proj.root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def review_paths(proj: Project | None, paths: list[Path], dialect: str | None = None) -> SqlReview:
    """Review files from the working tree (names relative to the project). Without a project
    (a DBA linting a script received by e-mail) the default settings apply and nothing is
    recorded."""
    if not paths:
        raise UsageError("no SQL files given", hint="pass files, or --range A..B")
    items = [(_relative(proj, p), p) for p in paths]
    return review_contents(items, sql_settings(proj, dialect))


def review_range(proj: Project, rev_range: str, dialect: str | None = None) -> SqlReview:
    """Review the SQL files a range adds or modifies, as committed at its tip, and compare
    each view with its previous definition at the range's base (HC140)."""
    repo = vcs.open_repo(proj.root)
    rng = vcs.resolve_range(repo, rev_range)
    if rng.empty:
        raise UsageError(f"the range {rev_range!r} has no commits", hint="check both ends")
    names = vcs.changed_files(repo, rev_range, "*.sql")
    items: list[tuple[str, bytes | Path]] = []
    for name in names:
        data = vcs.file_at(repo, rng.tip, name)
        if data is not None:
            items.append((name, data))
    settings = sql_settings(proj, dialect)
    review = review_contents(items, settings)
    if rng.base is None:
        return review
    base = rng.base
    old_texts = _BaseViews(repo, base)
    files = tuple(_with_view_findings(fr, old_texts, settings) for fr in review.files)
    return review.model_copy(update={"files": files})


class _BaseViews:
    """Previous view definitions at the base: same path first, then any *.sql there."""

    def __init__(self, repo: vcs.GitRepository, base: str) -> None:
        self.repo, self.base = repo, base
        self._all: dict[str, str] | None = None

    def text_at(self, path: str) -> str:
        data = vcs.file_at(self.repo, self.base, path)
        return "" if data is None else decode_sql(data)[0]

    def find(self, view: str, dialect: Dialect) -> str:
        if self._all is None:
            self._all = {
                p: self.text_at(p) for p in vcs.changed_files(self.repo, self.base, "*.sql")
            }
        for text in self._all.values():
            if view in view_columns(text, dialect):
                return text
        return ""


def _with_view_findings(
    fr: FileReview, base: _BaseViews, settings: SqlReviewSettings
) -> FileReview:
    dialect = settings.dialect
    new_views: dict[str, int] = {}
    for statement in fr.statements:
        for name in view_columns(statement.text, dialect):
            new_views[name] = statement.index
    if not new_views or "HC140" in settings.disabled:
        return fr
    old_text = base.text_at(fr.path)
    extra: list[Finding] = []
    for name, index in sorted(new_views.items()):
        statement = fr.statements[index]
        previous = old_text if name in view_columns(old_text, dialect) else base.find(name, dialect)
        for change in view_changes(previous, statement.text, dialect):
            extra.append(_hc140(change, statement, settings))
    if not extra:
        return fr
    return fr.model_copy(update={"findings": (*fr.findings, *extra)})


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


def _file_event(fr: FileReview) -> SqlFileReview:
    return SqlFileReview(
        path=fr.path,
        sha256=fr.sha256,
        size=fr.size,
        dialect=fr.dialect,
        encoding=fr.encoding,
        statements=len(fr.statements),
        findings=tuple(
            SqlFinding(
                code=f.code,
                severity=f.severity,
                line=f.span.start_line,
                column=f.span.start_col,
                message=f.message[:500],
                suppressed=f.suppressed,
                reason=f.suppression_reason,
            )
            for f in fr.findings
        ),
    )


def record_review(
    proj: Project, actor: str, change_id: str, review: SqlReview, rev_range: str = ""
) -> ChangeState:
    """Record a review event for a change, bound to each file's SHA-256 and the findings."""
    files = tuple(_file_event(fr) for fr in review.files)

    def decide(state: ChangeState, _tx: WriteTx) -> list[AnyEvent]:
        return decide_sql_review(state, files, rev_range)

    return run_change_command(proj, actor, "sql review", change_id, decide)


def _authors_of(proj: Project, path: str) -> set[str]:
    try:
        repo = vcs.open_repo(proj.root)
        return {c.author_email for c in vcs.iter_commits(repo, "HEAD", paths=[path])}
    except (NotFoundError, UsageError):
        return set()


def approve_sql(
    proj: Project, actor: str, change_id: str, path: Path, accept_risk: str = ""
) -> ChangeState:
    """Approve one reviewed file of a change at its current SHA-256."""
    name = _relative(proj, path)
    digest, _size = hash_regular(path, "SQL file", max_bytes=MAX_TEXT_BYTES)
    approvers = proj.config.roles.approvers
    authors = _authors_of(proj, name)

    def decide(state: ChangeState, _tx: WriteTx) -> list[AnyEvent]:
        return decide_sql_approve(state, actor, name, digest, approvers, authors, accept_risk)

    return run_change_command(proj, actor, "sql approve", change_id, decide)


def sql_status(proj: Project, state: ChangeState) -> SqlStatus:
    """Which files of a change are reviewed, approved, or stale (working-tree content)."""
    out = []
    for name, entry in sorted(state.sql_files.items()):
        path = proj.root / name
        current = working_tree_sha256(path)
        out.append(file_status(entry, current))
    return SqlStatus(change_id=state.id, files=tuple(out))
