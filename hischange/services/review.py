"""What the web review page shows: a reviewer's queue, one SQL file of a change with its
review, and the ledger's status. Reads only; the acts go through the services the CLI uses.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from hischange.errors import NotFoundError, UsageError, clip
from hischange.events import CheckpointRecorded, EventRecord, EvidenceRecorded
from hischange.files import working_tree_sha256
from hischange.project import Project
from hischange.services.changes import list_changes
from hischange.services.evidence import ChangeDetail
from hischange.services.trust import effective_roles
from hischange.sqlreview import FileReview
from hischange.workflow.approval import ApprovalProgress
from hischange.workflow.change import ChangeState
from hischange.workflow.people import is_one_of, same_person
from hischange.workflow.release import ReleaseState

__all__ = [
    "ChangePage",
    "Comment",
    "LedgerStatus",
    "QueueItem",
    "SqlFilePage",
    "add_comment",
    "attachment_file",
    "change_page",
    "comments_of",
    "ledger_status",
    "review_queue",
    "sql_file_page",
]


class QueueItem(BaseModel):
    """One thing waiting for a reviewer: a change to approve, or an SQL file of a change."""

    model_config = ConfigDict(frozen=True)

    what: Literal["change", "sql"]
    change_id: str
    title: str
    kind: str
    urgency: str
    due_at: datetime
    overdue: bool
    path: str = ""
    sha256: str | None = None
    errors: int = 0


def _late(state: ChangeState, now: datetime, retro_hours: int) -> bool:
    if state.state in {"closed", "rejected", "withdrawn", "verified"}:
        return False
    if state.unapproved_emergency and not state.approved and state.started_at is not None:
        return state.started_at + timedelta(hours=retro_hours) < now
    return state.due_at < now


def review_queue(proj: Project, actor: str) -> list[QueueItem]:
    """Changes and SQL files waiting for ``actor``'s approval, overdue first, then by due
    time: submitted changes they did not register (an approver only), and SQL files reviewed
    at their current content but not approved at it."""
    if not is_one_of(actor, effective_roles(proj).approvers):
        return []
    now = proj.store.clock()
    retro = proj.config.release.retro_approval_hours
    items: list[QueueItem] = []
    for state in list_changes(proj):
        if state.state in {"closed", "rejected", "withdrawn"}:
            continue
        late = _late(state, now, retro)
        base = {
            "change_id": state.id,
            "title": state.fields.title,
            "kind": state.fields.kind,
            "urgency": state.fields.urgency,
            "due_at": state.due_at,
            "overdue": late,
        }
        done = _steps_done_by(proj, state, actor)
        if (
            state.state == "submitted"
            and not same_person(actor, state.registered_by)
            and "change" not in done
        ):
            items.append(QueueItem(what="change", **base))  # type: ignore[arg-type]
        for name, entry in sorted(state.sql_files.items()):
            current = working_tree_sha256(proj.root / name)
            if current is None or entry.reviewed_sha256 != current:
                continue
            if entry.approved_sha256 == current or name in done:
                continue
            items.append(
                QueueItem(what="sql", path=name, sha256=current, errors=entry.errors, **base)  # type: ignore[arg-type]
            )
    items.sort(key=lambda i: (not i.overdue, i.due_at, i.change_id, i.path))
    return items


def _steps_done_by(proj: Project, state: ChangeState, actor: str) -> set[str]:
    """Subjects (``change``, SQL paths) whose multi-step approval ``actor`` already gave."""
    rules = proj.config.approval
    if not (rules.change or rules.sql):
        return set()
    from hischange.services.sql import approval_progress

    return {
        p.subject
        for p in approval_progress(proj, state)
        if any(same_person(actor, who) for who in p.approved.values())
    }


class SqlFilePage(BaseModel):
    """One SQL file of a change as its reviewer reads it: the review of its current content
    (every statement, findings, the diff against the base) and the recorded state."""

    model_config = ConfigDict(frozen=True)

    change: ChangeState
    path: str
    review: FileReview
    reviewed_sha256: str | None
    approved_sha256: str | None
    approved_by: str
    #: ``reviewed``, ``approved``, ``stale_review`` (changed since the review) ...
    status: str
    #: multi-step approval (``[approval.sql]``): who approved, who is still needed
    approvals: ApprovalProgress | None = None


def sql_file_page(proj: Project, change_id: str, path: str) -> SqlFilePage:
    """The SQL file ``path`` of a change, reviewed now from the working tree with the diff
    against its base. ``path`` must be a file recorded for the change (never a path built
    from user input: anything else is not found)."""
    from hischange.services.changes import get_change
    from hischange.services.sql import approval_progress, review_files
    from hischange.workflow.sql import file_status

    state = get_change(proj, change_id)
    entry = state.sql_files.get(path)
    if entry is None:
        raise NotFoundError(
            f"{clip(path)} is not an SQL file reviewed for {state.id}",
            hint="the change page lists its SQL files",
        )
    file = (proj.root / Path(entry.path)).resolve()
    if not file.is_relative_to(proj.root.resolve()):
        raise NotFoundError(f"{clip(entry.path)} is outside the project")
    current = working_tree_sha256(file)
    if current is None:
        raise NotFoundError(f"{entry.path} is not in the working tree any more")
    review = review_files(proj, [file], change_id=state.id, diff=True)
    status = file_status(entry, current)
    steps = [p for p in approval_progress(proj, state) if p.subject == entry.path]
    return SqlFilePage(
        change=state,
        path=entry.path,
        review=review.files[0],
        reviewed_sha256=entry.reviewed_sha256,
        approved_sha256=entry.approved_sha256,
        approved_by=entry.approved_by,
        status=status.status,
        approvals=steps[0] if steps else None,
    )


class LedgerStatus(BaseModel):
    """``audit verify``'s result and the last checkpoint recorded in the ledger."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    events: int
    #: Only when the ledger verifies (a damaged ledger's head is no anchor).
    head_seq: int | None
    head_hash: str | None
    problems: tuple[str, ...]
    mode: str
    signed_events: int
    signers: int
    root_holder: str | None
    root_fingerprint: str | None
    checkpoint_seq: int | None = None
    checkpoint_by: str = ""
    checkpoint_at: datetime | None = None


def ledger_status(proj: Project) -> LedgerStatus:
    """Verify the ledger (as ``audit verify``) and find its last checkpoint."""
    from hischange.services.audit import iter_log, verify_store

    report = verify_store(proj)
    last: tuple[int, str, datetime] | None = None
    for record in iter_log(proj):
        if isinstance(record.event, CheckpointRecorded):
            last = (record.event.seq, record.actor, record.at)
    trust = report.trust
    return LedgerStatus(
        ok=report.ok,
        events=report.events,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        problems=tuple(f"{p.seq}: {p.damage}: {p.detail}" for p in report.problems),
        mode=trust.mode if trust else "unknown",
        signed_events=trust.signed_events if trust else 0,
        signers=trust.signers if trust else 0,
        root_holder=trust.root_holder if trust else None,
        root_fingerprint=trust.root_fingerprint if trust else None,
        checkpoint_seq=last[0] if last else None,
        checkpoint_by=last[1] if last else "",
        checkpoint_at=last[2] if last else None,
    )


class ChangePage(BaseModel):
    """Everything the change page shows: the change (with its evidence judged), the full
    audit trace, each evidence record in full (on-site test details and attachments), and
    the releases that carry it with their deployments."""

    model_config = ConfigDict(frozen=True)

    change: ChangeDetail
    trace: tuple[EventRecord, ...]
    evidence: tuple[EvidenceRecorded, ...]
    releases: tuple[ReleaseState, ...]


def change_page(proj: Project, change_id: str) -> ChangePage:
    """One change as its page shows it."""
    from hischange.services.audit import trace_change
    from hischange.services.deployments import show_release
    from hischange.services.evidence import change_detail

    detail = change_detail(proj, change_id)
    trace = trace_change(proj, detail.id)
    evidence = tuple(r.event for r in trace if isinstance(r.event, EvidenceRecorded))
    releases = []
    for version in detail.releases:
        try:
            releases.append(show_release(proj, version))
        except NotFoundError:
            continue
    return ChangePage(
        change=detail, trace=tuple(trace), evidence=evidence, releases=tuple(releases)
    )


def attachment_file(proj: Project, change_id: str, sha256: str) -> tuple[Path, str, str]:
    """(stored file, original name, media type) of an attachment of one of the change's
    evidence records. Only a SHA-256 the change's records name is served; the path is built
    from the digest alone, never from a name."""
    from hischange.services.onsite import ATTACHMENTS_DIR
    from hischange.testing.attachments import attachment_path

    page = change_page(proj, change_id)
    for record in page.evidence:
        for item in record.detail.get("attachments") or ():
            if isinstance(item, dict) and item.get("sha256") == sha256:
                path = attachment_path(proj.state_dir / ATTACHMENTS_DIR, sha256)
                if not path.is_file():
                    raise NotFoundError(f"attachment {sha256[:12]}… is missing from the store")
                name = str(item.get("original_name") or "attachment")
                return path, name, str(item.get("media_type") or "application/octet-stream")
    raise NotFoundError(f"no attachment {clip(sha256)} in the evidence of {page.change.id}")


class Comment(BaseModel):
    """A reviewer's comment on a change in the web page (讨论): discussion, not a record."""

    model_config = ConfigDict(frozen=True)

    person: str
    at: datetime
    text: str


_MAX_COMMENT = 4000


def _comments_file(proj: Project, change_id: str) -> Path:
    from hischange.services.accounts import accounts_dir

    digest = hashlib.sha256(change_id.encode()).hexdigest()[:24]
    return accounts_dir(proj) / "comments" / f"{digest}.jsonl"


def add_comment(proj: Project, person: str, change_id: str, text: str) -> Comment:
    """Add a comment to a change (sign-in only: comments are kept in the web folder beside
    the ledger, not in it; approvals, rejections and their reasons are in the ledger)."""
    from hischange.services.changes import get_change

    state = get_change(proj, change_id)
    body = text.strip()
    if not body:
        raise UsageError("a comment needs some text")
    if len(body) > _MAX_COMMENT:
        raise UsageError(f"a comment has at most {_MAX_COMMENT} characters (got {len(body)})")
    comment = Comment(person=person, at=proj.store.clock(), text=body)
    path = _comments_file(proj, state.id)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(comment.model_dump_json() + "\n")
    return comment


def comments_of(proj: Project, change_id: str) -> list[Comment]:
    """The comments on a change, oldest first."""
    from hischange.files import read_regular

    path = _comments_file(proj, change_id)
    if not path.exists():
        return []
    lines = read_regular(path, "comments file", max_bytes=64 * 1024 * 1024).splitlines()
    out = []
    for line in lines:
        try:
            out.append(Comment.model_validate_json(line))
        except ValueError:
            continue
    return out
