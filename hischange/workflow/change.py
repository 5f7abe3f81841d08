"""Changes (变更): the state, the pure ``decide`` rules and ``evolve``.

``decide_*`` functions check a command against the current state and either raise a
``WorkflowError`` with the reason or return the events to record. ``evolve`` applies one
event to a state. Neither does I/O.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, ConfigDict

from hischange.errors import UsageError, WorkflowError, clip
from hischange.events import (
    AnyEvent,
    ChangeApproved,
    ChangeEdited,
    ChangeFields,
    ChangeRegistered,
    ChangeRejected,
    ChangeStarted,
    ChangeSubmitted,
    ChangeTransitioned,
    ChangeWithdrawn,
)
from hischange.ledger import canonical
from hischange.unchecked import assemble
from hischange.workflow.kinds import get_kind
from hischange.workflow.people import is_one_of, same_person

__all__ = [
    "STATES",
    "TRANSITIONS",
    "Approval",
    "ChangeState",
    "EvidenceRef",
    "SqlFileState",
    "decide_approve",
    "decide_edit",
    "decide_register",
    "decide_reject",
    "decide_start",
    "decide_submit",
    "decide_transition",
    "decide_withdraw",
    "evolve",
    "fingerprint",
    "updated_state",
]

State = Literal[
    "draft",
    "submitted",
    "approved",
    "in_progress",
    "ready",
    "released",
    "deployed",
    "verified",
    "closed",
    "rejected",
    "withdrawn",
    "rolled_back",
]
STATES: tuple[str, ...] = State.__args__  # type: ignore[attr-defined]

#: The state machine: from-state → states a command may move it to.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted", "withdrawn"}),
    "submitted": frozenset({"approved", "rejected", "withdrawn", "in_progress"}),
    "approved": frozenset({"in_progress", "withdrawn"}),
    "in_progress": frozenset({"ready", "withdrawn"}),
    "ready": frozenset({"released", "in_progress"}),
    "released": frozenset({"deployed", "rolled_back"}),
    "deployed": frozenset({"verified", "rolled_back"}),
    "verified": frozenset({"closed"}),
    "rolled_back": frozenset({"in_progress", "ready", "released"}),
    "closed": frozenset(),
    "rejected": frozenset(),
    "withdrawn": frozenset(),
}
_TERMINAL = frozenset({"closed", "rejected", "withdrawn"})


class Approval(BaseModel):
    """Who approved what (by fingerprint) and when."""

    model_config = ConfigDict(frozen=True)

    approver: str
    at: datetime
    fingerprint: str
    comment: str = ""
    retroactive: bool = False


class SqlFileState(BaseModel):
    """One SQL file of a change: its last review and its approval, each bound to a SHA-256."""

    model_config = ConfigDict(frozen=True)

    path: str
    reviewed_sha256: str | None = None
    errors: int = 0
    warnings: int = 0
    breaking: bool = False
    approved_sha256: str | None = None
    approved_by: str = ""
    accept_risk: str = ""


class EvidenceRef(BaseModel):
    """Test evidence recorded for a change, bound to the commit it tested."""

    model_config = ConfigDict(frozen=True)

    evidence_id: str
    kind: Literal["automated", "onsite"]
    commit: str | None
    passed: bool
    env: str
    summary: str
    at: datetime
    seq: int


class ChangeState(BaseModel):
    """The current state of one change, rebuilt from its events."""

    model_config = ConfigDict(frozen=True)

    id: str
    fields: ChangeFields
    state: State = "draft"
    registered_by: str
    registered_at: datetime
    due_at: datetime
    approval: Approval | None = None
    approved: bool = False
    rejected_reason: str = ""
    withdrawn_reason: str = ""
    unapproved_emergency: bool = False
    started_at: datetime | None = None
    #: Authors (emails) of commits linked to this change, filled by custody.
    authors: tuple[str, ...] = ()
    #: Linked commits, oldest first; the last one is the change's latest commit.
    commits: tuple[str, ...] = ()
    sql_files: dict[str, SqlFileState] = {}
    evidence: tuple[EvidenceRef, ...] = ()
    releases: tuple[str, ...] = ()
    pir: str = ""
    last_seq: int = 0

    @property
    def approval_stale(self) -> bool:
        """An approval exists but the change was edited after it."""
        return self.approval is not None and self.approval.fingerprint != fingerprint(self.fields)


def fingerprint(fields: ChangeFields) -> str:
    """SHA-256 of the canonical JSON of exactly what an approver sees."""
    return hashlib.sha256(canonical(fields.model_dump(mode="json"))).hexdigest()


#: The largest effort estimate taken (人天): beyond it the number is a typo.
MAX_EFFORT_DAYS = 10_000


def validate_fields(fields: ChangeFields) -> None:
    """Rules on field combinations that a type alone cannot state."""
    get_kind(fields.kind)
    if fields.effort_days is not None:
        try:
            effort = Decimal(fields.effort_days)
        except InvalidOperation:
            effort = Decimal(-1)
        if not effort.is_finite() or not 0 < effort <= MAX_EFFORT_DAYS:
            raise UsageError(
                f"effort estimate {clip(fields.effort_days)} is not a number of person-days "
                f"above 0 and at most {MAX_EFFORT_DAYS}",
                hint="pass e.g. --effort 3.5",
            )
    if fields.billing == "negotiated" and fields.effort_days is None:
        raise UsageError(
            "a negotiated (另行协商) change needs an effort estimate in person-days",
            hint="pass --effort DAYS",
        )


def decide_register(change_id: str, fields: ChangeFields, due_at: datetime) -> list[AnyEvent]:
    """Register a new change (draft)."""
    validate_fields(fields)
    return [ChangeRegistered(change_id=change_id, fields=fields, due_at=due_at)]


def _require_state(state: ChangeState, command: str, allowed: set[str]) -> None:
    if state.state not in allowed:
        raise WorkflowError(
            f"cannot {command} {state.id}: it is {state.state}; "
            f"{command} is allowed only when it is {' or '.join(sorted(allowed))}",
            rule="state_machine",
        )


def decide_edit(state: ChangeState, fields: ChangeFields, reason: str) -> list[AnyEvent]:
    """Edit a change's request; an approval given before becomes stale."""
    if state.state in _TERMINAL:
        raise WorkflowError(f"cannot edit {state.id}: it is {state.state}", rule="state_machine")
    validate_fields(fields)
    old = state.fields.model_dump()
    changed = tuple(k for k, v in fields.model_dump().items() if old[k] != v)
    if not changed:
        raise UsageError(f"nothing to change in {state.id}: every value is as recorded")
    return [ChangeEdited(change_id=state.id, fields=fields, changed=changed, reason=reason)]


def decide_submit(state: ChangeState) -> list[AnyEvent]:
    """Submit a draft for approval."""
    _require_state(state, "submit", {"draft"})
    return [ChangeSubmitted(change_id=state.id)]


def decide_approve(
    state: ChangeState, approver: str, approvers: tuple[str, ...], comment: str = ""
) -> list[AnyEvent]:
    """Approve; enforces roles, separation of duties and the rollback plan."""
    if not is_one_of(approver, approvers):
        raise WorkflowError(
            f"{approver} is not an approver (审批人) in [roles] approvers"
            + ("" if approvers else " (the list is empty)"),
            hint="ask one of the approvers to approve, or have the hospital add the identity "
            "to [roles] approvers",
            rule="approver_role",
        )
    if same_person(approver, state.registered_by) or same_person(
        approver, state.fields.requester_person
    ):
        raise WorkflowError(
            f"{approver} registered or requested {state.id} and may not approve it "
            "(separation of duties, 职责分离)",
            hint="ask another hospital reviewer to approve",
            rule="separation_of_duties",
        )
    if is_one_of(approver, state.authors):
        raise WorkflowError(
            f"{approver} authored commits of {state.id} and may not approve it "
            "(separation of duties, 职责分离)",
            hint="ask a reviewer who did not write the code",
            rule="separation_of_duties",
        )
    if not state.fields.rollback_plan.strip():
        raise WorkflowError(
            f"{state.id} has no rollback plan (回退方案); approval requires one",
            hint=f"hischange change edit {state.id} --rollback-plan '...'",
            rule="rollback_plan",
        )
    retroactive = state.unapproved_emergency and state.state not in {"submitted"}
    if state.approved and not state.approval_stale:
        raise WorkflowError(f"{state.id} is already approved", rule="state_machine")
    allowed = {"submitted"} | ({state.state} if state.approval_stale or retroactive else set())
    _require_state(state, "approve", allowed)
    return [
        ChangeApproved(
            change_id=state.id,
            fingerprint=fingerprint(state.fields),
            comment=comment,
            retroactive=retroactive,
        )
    ]


def decide_reject(
    state: ChangeState, actor: str, approvers: tuple[str, ...], reason: str
) -> list[AnyEvent]:
    """Reject a submitted change (approvers only)."""
    if not is_one_of(actor, approvers):
        raise WorkflowError(
            f"{actor} is not an approver (审批人) and may not reject", rule="approver_role"
        )
    if not reason.strip():
        raise UsageError("a rejection needs a reason", hint="pass --reason '...'")
    _require_state(state, "reject", {"submitted"})
    return [ChangeRejected(change_id=state.id, reason=reason)]


def decide_start(state: ChangeState) -> list[AnyEvent]:
    """Start implementation: only approved (not stale) changes, or emergencies."""
    if state.state == "submitted" and state.fields.emergency:
        return [ChangeStarted(change_id=state.id, unapproved_emergency=True)]
    _require_state(state, "start", {"approved"})
    if state.approval_stale:
        raise WorkflowError(
            f"the approval of {state.id} is stale: the request was edited after approval",
            hint=f"ask a reviewer to approve {state.id} again",
            rule="stale_approval",
        )
    return [ChangeStarted(change_id=state.id)]


def decide_withdraw(state: ChangeState, reason: str) -> list[AnyEvent]:
    """Withdraw a change that has not been released."""
    if not reason.strip():
        raise UsageError("withdrawing needs a reason", hint="pass --reason '...'")
    _require_state(state, "withdraw", {s for s, t in TRANSITIONS.items() if "withdrawn" in t})
    return [ChangeWithdrawn(change_id=state.id, reason=reason)]


def decide_transition(
    state: ChangeState, to: str, reason: str = "", ref: str = ""
) -> list[AnyEvent]:
    """A move driven by a later stage (ready, released, deployed, ...), by the state machine."""
    if to not in TRANSITIONS.get(state.state, frozenset()):
        raise WorkflowError(
            f"{state.id} cannot move from {state.state} to {to}", rule="state_machine"
        )
    return [ChangeTransitioned(change_id=state.id, to=to, reason=reason, ref=ref)]


def evolve(
    state: ChangeState | None, event: AnyEvent, *, actor: str, at: datetime, seq: int
) -> ChangeState:
    """Apply one change event to the state."""
    if isinstance(event, ChangeRegistered):
        return ChangeState(
            id=event.change_id,
            fields=event.fields,
            registered_by=actor,
            registered_at=at,
            due_at=event.due_at,
            last_seq=seq,
        )
    if state is None:
        raise ValueError(f"event {event.type} for an unknown change")
    update: dict[str, object] = {"last_seq": seq}
    if isinstance(event, ChangeEdited):
        update["fields"] = event.fields
        if state.approval is not None:
            update["approved"] = state.approval.fingerprint == fingerprint(event.fields)
    elif isinstance(event, ChangeSubmitted):
        update["state"] = "submitted"
    elif isinstance(event, ChangeApproved):
        update["approval"] = Approval(
            approver=actor,
            at=at,
            fingerprint=event.fingerprint,
            comment=event.comment,
            retroactive=event.retroactive,
        )
        update["approved"] = True
        if state.state == "submitted":
            update["state"] = "approved"
    elif isinstance(event, ChangeRejected):
        update.update(state="rejected", rejected_reason=event.reason)
    elif isinstance(event, ChangeWithdrawn):
        update.update(state="withdrawn", withdrawn_reason=event.reason)
    elif isinstance(event, ChangeStarted):
        update.update(
            state="in_progress", unapproved_emergency=event.unapproved_emergency, started_at=at
        )
    elif isinstance(event, ChangeTransitioned):
        update["state"] = event.to
        if event.to == "released" and event.ref:
            update["releases"] = (*state.releases, event.ref)
    return updated_state(state, update)


def updated_state(state: ChangeState, update: dict[str, object]) -> ChangeState:
    """What ``state.model_copy(update=update)`` returns, built directly.

    ``audit verify`` replays every event through here, and pydantic's generic copy (three
    ``copy.copy`` calls and a fields-set update) cost more than the rest of ``evolve``.
    ChangeState has no extra fields and no private attributes, so the copy is its field
    values with ``update`` applied, unvalidated, exactly as ``model_copy`` leaves them
    (``tests/workflow/test_change.py`` checks the two agree).
    """
    fields_set = state.__pydantic_fields_set__ | update.keys()
    return assemble(ChangeState, {**state.__dict__, **update}, fields_set)
