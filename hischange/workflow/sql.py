"""The rules of SQL review records (SQL 审核), pure: who may record and approve a file's
review, the binding of an approval to the reviewed SHA-256, where each file stands now, and
the projection of reviews and approvals onto the change. The review itself (the engine in
``hischange.sqlreview``) and the reading of files and git are ``services.sql``'s."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from hischange.errors import WorkflowError
from hischange.events import AnyEvent, SqlApproved, SqlFileReview, SqlReviewed
from hischange.ledger import AppendedEvent, ProjectionView
from hischange.workflow.change import ChangeState, SqlFileState
from hischange.workflow.people import is_one_of
from hischange.workflow.state import load_change, put_change

__all__ = [
    "SqlFileStatus",
    "SqlStatus",
    "apply_sql_event",
    "decide_sql_approve",
    "decide_sql_review",
    "file_status",
    "sql_readiness_problems",
]


def decide_sql_review(
    state: ChangeState, files: tuple[SqlFileReview, ...], rev_range: str
) -> list[AnyEvent]:
    """Record a review of files for a change that is still open."""
    if state.state in {"closed", "rejected", "withdrawn"}:
        raise WorkflowError(
            f"{state.id} is {state.state}; its SQL is no longer reviewed", rule="state_machine"
        )
    return [SqlReviewed(change_id=state.id, range=rev_range, files=files)]


def decide_sql_approve(
    state: ChangeState,
    actor: str,
    name: str,
    digest: str,
    approvers: tuple[str, ...],
    authors: set[str],
    accept_risk: str,
    seen_sha256: str = "",
) -> list[AnyEvent]:
    """Approve one reviewed file at ``digest`` (its SHA-256 now): an approver who wrote none of
    its commits (``authors``), exactly the reviewed content, error findings only with a
    recorded reason; when the approver saw a version (``seen_sha256``, the web page's), only
    that one."""
    if not is_one_of(actor, approvers):
        raise WorkflowError(
            f"{actor} is not an approver (审批人) and may not approve SQL",
            rule="approver_role",
        )
    if is_one_of(actor, authors):
        raise WorkflowError(
            f"{actor} authored commits of {name} and may not approve it (职责分离)",
            rule="separation_of_duties",
        )
    entry = state.sql_files.get(name)
    if entry is None or entry.reviewed_sha256 is None:
        raise WorkflowError(
            f"{name} was never reviewed for {state.id}",
            hint=f"hischange sql review {name} --change {state.id}",
            rule="sql_review_first",
        )
    if entry.reviewed_sha256 != digest:
        raise WorkflowError(
            f"{name} changed since its review (reviewed {entry.reviewed_sha256[:12]}, "
            f"now {digest[:12]}); approve only what was reviewed",
            hint=f"review it again: hischange sql review {name} --change {state.id}",
            rule="sql_stale_review",
        )
    if seen_sha256 and seen_sha256 != digest:
        raise WorkflowError(
            f"{name} changed after the page was loaded (shown {seen_sha256[:12]}, "
            f"now {digest[:12]}); approve only what you read",
            hint="reload the page, read the file again and approve the new content",
            rule="sql_stale_review",
        )
    if entry.errors and not accept_risk.strip():
        raise WorkflowError(
            f"{name} has {entry.errors} error finding(s); approving it needs "
            '--accept-risk "<reason>" (recorded)',
            rule="sql_error_findings",
        )
    return [
        SqlApproved(
            change_id=state.id,
            path=name,
            sha256=digest,
            errors=entry.errors,
            accept_risk=accept_risk.strip(),
        )
    ]


def apply_sql_event(view: ProjectionView, appended: AppendedEvent) -> None:
    """Projection: a review or approval updates the change's SQL files."""
    event = appended.event
    state = load_change(view, event.change_id)
    assert state is not None
    files = dict(state.sql_files)
    if isinstance(event, SqlReviewed):
        for fr in event.files:
            old = files.get(fr.path) or SqlFileState(path=fr.path)
            files[fr.path] = old.model_copy(
                update={
                    "reviewed_sha256": fr.sha256,
                    "errors": fr.errors,
                    "warnings": sum(
                        1 for f in fr.findings if f.severity == "warning" and not f.suppressed
                    ),
                    "breaking": any(
                        f.code == "HC140" and f.severity == "error" and not f.suppressed
                        for f in fr.findings
                    ),
                }
            )
    elif isinstance(event, SqlApproved):
        old = files.get(event.path) or SqlFileState(path=event.path)
        files[event.path] = old.model_copy(
            update={
                "approved_sha256": event.sha256,
                "approved_by": appended.actor,
                "accept_risk": event.accept_risk,
            }
        )
    put_change(view, state.model_copy(update={"sql_files": files}), appended.seq)


class SqlFileStatus(BaseModel):
    """Where one SQL file of a change stands now."""

    model_config = ConfigDict(frozen=True)

    path: str
    current_sha256: str | None
    reviewed_sha256: str | None
    approved_sha256: str | None
    approved_by: str
    errors: int
    accept_risk: str
    status: Literal["approved", "reviewed", "stale_review", "stale_approval", "missing"]


class SqlStatus(BaseModel):
    """The SQL files of one change."""

    model_config = ConfigDict(frozen=True)

    change_id: str
    files: tuple[SqlFileStatus, ...]

    @property
    def all_approved(self) -> bool:
        """True when every file is approved at its current content."""
        return all(f.status == "approved" for f in self.files)


def sql_readiness_problems(state: ChangeState, current: Mapping[str, str | None]) -> list[str]:
    """What keeps a change's SQL from being ready: every file reviewed for it must be approved
    at its current content (``current``: path → SHA-256 now, None when the file is gone)."""
    problems = []
    for path, entry in sorted(state.sql_files.items()):
        status = file_status(entry, current.get(path))
        if status.status == "stale_approval":
            problems.append(f"SQL {path} changed since its approval (re-review and re-approve)")
        elif status.status in {"reviewed", "stale_review"}:
            stale = "" if status.status == "reviewed" else ", and it changed since its review"
            problems.append(f"SQL {path} is not approved{stale} (hischange sql approve)")
    return problems


def file_status(entry: SqlFileState, current: str | None) -> SqlFileStatus:
    """Compare a recorded file with its current content hash."""
    if current is None:
        status: str = "missing"
    elif entry.approved_sha256 == current:
        status = "approved"
    elif entry.approved_sha256 is not None:
        status = "stale_approval"
    elif entry.reviewed_sha256 == current:
        status = "reviewed"
    else:
        status = "stale_review"
    return SqlFileStatus(
        path=entry.path,
        current_sha256=current,
        reviewed_sha256=entry.reviewed_sha256,
        approved_sha256=entry.approved_sha256,
        approved_by=entry.approved_by,
        errors=entry.errors,
        accept_risk=entry.accept_risk,
        status=status,  # type: ignore[arg-type]
    )
