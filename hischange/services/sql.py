"""SQL review as records: reviews and approvals bound to each file's SHA-256.

The engine (``hischange.sqlreview``) never touches the store or git; this module reads the
files (from the working tree or from git for a range), adds the view-interface comparison
against the range's base (HC140), and records reviews and approvals as ledger events.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hischange.errors import ConfigError, HischangeError, NotFoundError, UsageError, clip
from hischange.files import MAX_SQL_BYTES, hash_regular, read_regular, working_tree_sha256
from hischange.sqlreview import FileReview, SqlReview, SqlReviewSettings, review_contents

# A plain `sql review FILE` needs neither git nor the store: GitPython and SQLAlchemy cost
# half a second to import, so what needs them is imported where it is used. It needs no
# pydantic either (another ~100 ms): hischange.config and hischange.project import it, so
# `review_plain` reads the [sqlreview] table itself and opens the full project only when a
# view needs git or the configuration cannot be read.
if TYPE_CHECKING:
    from hischange.events import AnyEvent, SqlFileReview
    from hischange.project import Project
    from hischange.store import WriteTx
    from hischange.workflow.approval import ApprovalProgress, Step
    from hischange.workflow.change import ChangeState
    from hischange.workflow.sql import SqlStatus

#: hischange.config.STATE_DIR and CONFIG_NAME (a test checks they agree), here so that a
#: plain review does not import the configuration models.
_STATE_DIR = ".hischange"
_CONFIG_NAME = "config.toml"

__all__ = [
    "approval_progress",
    "approve_sql",
    "for_change",
    "project_root",
    "record_review",
    "review_files",
    "review_paths",
    "review_plain",
    "review_range",
    "sql_settings",
    "sql_status",
]


def sql_settings(proj: Project | None, dialect: str | None = None) -> SqlReviewSettings:
    """The ``[sqlreview]`` settings, with ``--dialect`` taking precedence; an unknown key is a
    configuration error naming the closest valid one. Without a project: the defaults."""
    raw = dict(proj.config.sqlreview) if proj is not None else {}
    where = proj.state_dir / _CONFIG_NAME if proj is not None else "config"
    return _settings(raw, where, dialect)


def _settings(raw: dict[str, Any], where: object, dialect: str | None) -> SqlReviewSettings:
    unknown = sorted(set(raw) - set(SqlReviewSettings.model_fields))
    if unknown:
        from hischange.config import unknown_key_problem

        problems = "; ".join(
            f"sqlreview.{k}: " + unknown_key_problem(k, "sqlreview", SqlReviewSettings.model_fields)
            for k in unknown
        )
        raise ConfigError(
            f"{where}: invalid configuration: {problems}",
            hint="see docs/configuration.md, section [sqlreview]",
        )
    if dialect:
        raw["dialect"] = dialect
    try:
        settings = SqlReviewSettings.model_validate(raw)
    except Exception as exc:  # pydantic.ValidationError, imported only when validating
        from pydantic import ValidationError

        if not isinstance(exc, ValidationError):
            raise
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


def project_root(start: Path) -> Path | None:
    """The folder holding the ``.hischange/`` at or above ``start``, or None outside a
    project (``hischange.project.find_project`` without reading the configuration)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / _STATE_DIR).is_dir():
            return folder
    return None


def _plain_sqlreview(root: Path) -> dict[str, Any] | None:
    """The ``[sqlreview]`` table of the project's config.toml, or None when anything is off
    (then the full configuration is loaded, which words the error)."""
    path = root / _STATE_DIR / _CONFIG_NAME
    if not os.path.lexists(path):
        return {}
    try:
        data = tomllib.loads(read_regular(path, "configuration file").decode("utf-8-sig"))
    except (HischangeError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if not _known_keys(data):
        return None  # a typo anywhere in config.toml: the full loader names it
    table = data.get("sqlreview", {})
    return dict(table) if isinstance(table, dict) else None


#: The sections of config.toml and the keys of each (None: a value, or a table whose keys
#: are checked by its own model) — what ``hischange.config.Config`` accepts, written out so
#: that the plain review need not import pydantic (tests/services/test_sql_config_keys.py
#: keeps the two equal). A key outside it sends the plain review to the full loader.
CONFIG_KEYS: dict[str, frozenset[str] | None] = {
    "approval": frozenset({"change", "groups", "sql"}),
    "custody": frozenset(
        {
            "external_ids",
            "ignore",
            "merge_policy",
            "protected_refs",
            "subject_patterns",
            "trailer_keys",
        }
    ),
    "db_url": None,
    "due_hours": None,
    "evidence": frozenset(
        {"environments", "max_attachment_bytes", "max_message_chars", "required"}
    ),
    "faults": frozenset(
        {"onsite_hours", "onsite_severities", "recurring_days", "remote_response_minutes"}
    ),
    "notify": frozenset(
        {"backoff_seconds", "events", "format", "retries", "timeout_seconds", "url"}
    ),
    "release": frozenset(
        {
            "environments",
            "operator_not_sole_developer",
            "production_environments",
            "require_test_before_production",
            "retro_approval_hours",
            "signing_key",
            "tag_prefix",
            "test_environments",
        }
    ),
    "roles": frozenset({"approvers", "auditors", "developers", "requesters"}),
    "site": frozenset(
        {"contract_end", "contract_number", "contract_start", "hospital", "timezone", "vendor"}
    ),
    "sqlreview": None,
    "trust": None,
}


def _known_keys(data: dict[str, Any]) -> bool:
    """Every section of ``data`` is one config.toml has, and every key of a section too."""
    for section, value in data.items():
        if section not in CONFIG_KEYS:
            return False
        keys = CONFIG_KEYS[section]
        if keys is not None and isinstance(value, dict) and not set(value) <= keys:
            return False
    return True


def review_plain(root: Path | None, paths: list[Path], dialect: str | None = None) -> SqlReview:
    """Review working-tree files the way ``sql review FILE`` does without ``--change``,
    ``--base`` or HTML: in the project at ``root`` (None: outside one, default settings), of
    whose configuration only ``[sqlreview]`` is read. The rest is ``review_files``: a view is
    still compared with its version at HEAD (HC140), which opens the project and git."""
    if not paths:
        raise UsageError("no SQL files given", hint="pass files, or --range A..B")
    raw = _plain_sqlreview(root) if root is not None else {}
    proj: Project | None = None
    if raw is None:  # unreadable or invalid: the full loader says why (or it loads after all)
        proj = _open(root)
        settings = sql_settings(proj, dialect)
    else:
        where = root / _STATE_DIR / _CONFIG_NAME if root is not None else "config"
        settings = _settings(raw, where, dialect)
    items = [(_relative_to(root, p), p) for p in paths]
    review = review_contents(items, settings)
    if not any(map(_defines_view, review.files)):
        return review
    from hischange.services.sql_base import compare_files

    if proj is None and root is not None:
        proj = _open(root)
    return compare_files(proj, review, paths, settings, None, None)


def _open(root: Path | None) -> Project:
    from hischange.project import Project

    assert root is not None
    return Project(root)


def _relative(proj: Project | None, path: Path) -> str:
    return _relative_to(proj.root if proj is not None else None, path)


def _relative_to(root: Path | None, path: Path) -> str:
    if root is None:
        return path.as_posix()
    resolved = path.resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
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


def review_files(
    proj: Project | None,
    paths: list[Path],
    dialect: str | None = None,
    base_ref: str | None = None,
    change_id: str | None = None,
    diff: bool = False,
) -> SqlReview:
    """Review files (for ``change_id``, when given) and compare them with a base version
    (HC140, the diff) when one is named (``base_ref``, ``change_id``), the ``diff`` is wanted,
    or a file defines a view: only then is git asked (``sql_base.compare_files`` says which
    base)."""
    review = review_paths(proj, paths, dialect)
    if change_id:
        files = tuple(fr.model_copy(update={"changes": (change_id,)}) for fr in review.files)
        review = review.model_copy(update={"files": files})
    if not (base_ref or change_id or diff or any(map(_defines_view, review.files))):
        return review
    from hischange.services.sql_base import compare_files

    settings = sql_settings(proj, dialect)
    return compare_files(proj, review, paths, settings, base_ref, change_id)


_VIEW = re.compile(r"\bVIEW\b", re.IGNORECASE)


def _defines_view(fr: FileReview) -> bool:
    return any(_VIEW.search(st.text) for st in fr.statements)


def review_range(proj: Project, rev_range: str, dialect: str | None = None) -> SqlReview:
    """Review the SQL files a range adds or modifies, as committed at its tip, each with the
    changes whose commits modified it, and compare each view with its previous definition at
    the range's base (HC140)."""
    from hischange import vcs
    from hischange.services.sql_base import BaseViews, attribute, compare_with_base

    repo = vcs.open_repo(proj.root)
    rng = vcs.resolve_range(repo, rev_range)
    if rng.empty:
        raise UsageError(f"the range {rev_range!r} has no commits", hint="check both ends")
    names = vcs.changed_files(repo, rev_range, "*.sql")
    contents: dict[str, bytes] = {}
    for name in names:
        data = vcs.file_at(repo, rng.tip, name)
        if data is not None:
            contents[name] = data
    settings = sql_settings(proj, dialect)
    review = attribute(proj, repo, rng, review_contents(contents.items(), settings))
    if rng.base is None:
        return review
    base = BaseViews(repo, rng.base)
    files = tuple(compare_with_base(fr, base, settings, contents[fr.path]) for fr in review.files)
    return review.model_copy(update={"files": files})


def for_change(review: SqlReview, change_id: str, rev_range: str | None) -> SqlReview:
    """What to record for ``change_id``: a range's files its commits modified (an error naming
    each file's changes when there is none); the files given, otherwise."""
    if not rev_range:
        return review
    from hischange.services.sql_base import by_change

    return by_change(review, change_id, rev_range)


def _file_event(fr: FileReview) -> SqlFileReview:
    from hischange.events import SqlFileReview, SqlFinding

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
    from hischange.services.changes import run_change_command
    from hischange.workflow.sql import decide_sql_review

    files = tuple(_file_event(fr) for fr in review.files)

    def decide(state: ChangeState, _tx: WriteTx) -> list[AnyEvent]:
        return decide_sql_review(state, files, rev_range)

    return run_change_command(proj, actor, "sql review", change_id, decide)


def _authors_of(proj: Project, path: str) -> set[str]:
    from hischange import vcs

    try:
        repo = vcs.open_repo(proj.root)
        return {c.author_email for c in vcs.iter_commits(repo, "HEAD", paths=[path])}
    except (NotFoundError, UsageError):
        return set()


def approve_sql(
    proj: Project,
    actor: str,
    change_id: str,
    path: Path,
    accept_risk: str = "",
    seen_sha256: str = "",
) -> ChangeState:
    """Approve one reviewed file of a change at its current SHA-256 (and, when given, only if
    that is ``seen_sha256``, the content the approver read)."""
    from hischange.services.changes import run_change_command
    from hischange.workflow import approval
    from hischange.workflow.sql import decide_sql_approve

    name = _relative(proj, path)
    digest, _size = hash_regular(path, "SQL file", max_bytes=MAX_SQL_BYTES)
    from hischange.services.trust import effective_roles  # the projector: only to approve

    approvers = effective_roles(proj).approvers
    authors = _authors_of(proj, name)

    rules = proj.config.approval
    required = approval.sql_groups(rules.sql, _error_codes(proj, change_id, name, digest))

    def decide(state: ChangeState, tx: WriteTx) -> list[AnyEvent]:
        events = decide_sql_approve(
            state, actor, name, digest, approvers, authors, accept_risk, seen_sha256
        )
        if not required:
            return events
        steps = approval.load_steps(tx, state.id, name)
        current = approval.progress(name, required, steps, digest)
        step, complete = approval.decide_step(current, actor, rules.groups, digest, state.id)
        return [step, *events] if complete else [step]

    return run_change_command(proj, actor, "sql approve", change_id, decide)


def _error_codes(proj: Project, change_id: str, name: str, digest: str) -> list[str]:
    """The codes of the unsuppressed error findings the last review of ``name`` at ``digest``
    recorded for the change (what ``[approval.sql]`` decides on)."""
    from hischange.events import SqlReviewed
    from hischange.services.audit import read_log

    if not proj.config.approval.sql:
        return []
    codes: list[str] = []
    for record in read_log(proj, change_id=change_id):
        if isinstance(record.event, SqlReviewed):
            for f in record.event.files:
                if f.path == name and f.sha256 == digest:
                    codes = [
                        x.code for x in f.findings if x.severity == "error" and not x.suppressed
                    ]
    return codes


def approval_progress(proj: Project, state: ChangeState) -> list[ApprovalProgress]:
    """Multi-step approval (``[approval]``): for the change and each of its SQL files that
    needs several approvers, who has approved its current content and who is still needed."""
    from hischange.workflow import approval
    from hischange.workflow.change import fingerprint

    rules = proj.config.approval
    out = []
    required = approval.change_groups(rules.change, state.fields.kind)
    if required:
        steps = _steps(proj, state.id, "change")
        digest = fingerprint(state.fields)
        out.append(approval.progress("change", required, steps, digest))
    for name in sorted(state.sql_files):
        current = working_tree_sha256(proj.root / name)
        if current is None:
            continue
        needed = approval.sql_groups(rules.sql, _error_codes(proj, state.id, name, current))
        if needed:
            out.append(approval.progress(name, needed, _steps(proj, state.id, name), current))
    return out


def _steps(proj: Project, change_id: str, subject: str) -> tuple[Step, ...]:
    from hischange.workflow.approval import Step, steps_key

    found = proj.store.aggregate("approval_steps", steps_key(change_id, subject))
    return tuple(Step.model_validate(s) for s in (found or {}).get("steps", ()))


def sql_status(proj: Project, state: ChangeState) -> SqlStatus:
    """Which files of a change are reviewed, approved, or stale (working-tree content)."""
    from hischange.workflow.sql import SqlStatus, file_status

    out = []
    for name, entry in sorted(state.sql_files.items()):
        path = proj.root / name
        current = working_tree_sha256(path)
        out.append(file_status(entry, current))
    return SqlStatus(change_id=state.id, files=tuple(out))
