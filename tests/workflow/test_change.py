"""Pure decide/evolve of changes: every transition and every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hischange.errors import UsageError, WorkflowError
from hischange.events import AnyEvent, ChangeFields
from hischange.workflow import change
from hischange.workflow.change import ChangeState, fingerprint

AT = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
APPROVERS = ("reviewer@hospital",)


def _fields(**kw: object) -> ChangeFields:
    base: dict[str, object] = {
        "kind": "interface",
        "title": "LIS 接口",
        "requester_person": "li@hospital",
        "rollback_plan": "恢复旧版",
    }
    return ChangeFields.model_validate(base | kw)


def _apply(
    state: ChangeState | None, events: list[AnyEvent], actor: str = "dev@vendor"
) -> ChangeState:
    for i, event in enumerate(events):
        state = change.evolve(state, event, actor=actor, at=AT, seq=i + 1)
    assert state is not None
    return state


def _registered(**kw: object) -> ChangeState:
    return _apply(
        None, change.decide_register("CR-2026-0001", _fields(**kw), AT + timedelta(days=5))
    )


def _submitted(**kw: object) -> ChangeState:
    state = _registered(**kw)
    return _apply(state, change.decide_submit(state))


def _approved(**kw: object) -> ChangeState:
    state = _submitted(**kw)
    return _apply(
        state, change.decide_approve(state, "reviewer@hospital", APPROVERS), "reviewer@hospital"
    )


def test_register_makes_a_draft_with_registrar_and_due_time() -> None:
    """A registered change is a draft, remembers who registered it and when it is due."""
    state = _registered()
    assert (state.state, state.registered_by, state.due_at) == (
        "draft",
        "dev@vendor",
        AT + timedelta(days=5),
    )


def test_negotiated_change_needs_effort() -> None:
    """A negotiated (另行协商) change without an effort estimate is refused."""
    with pytest.raises(UsageError, match="effort"):
        _registered(billing="negotiated")


@pytest.mark.parametrize("effort", ["-1", "abc", "NaN", "0"])
def test_effort_must_be_positive_number(effort: str) -> None:
    """An effort that is not a positive decimal is refused with the value."""
    with pytest.raises(UsageError, match=effort):
        _registered(billing="negotiated", effort_days=effort)


def test_submit_then_approve_moves_to_approved() -> None:
    """submit → approve gives an approved change bound to the fingerprint of its fields."""
    state = _approved()
    assert state.state == "approved"
    assert state.approval is not None
    assert state.approval.fingerprint == fingerprint(state.fields)


def test_approval_by_non_approver_is_refused() -> None:
    """Only identities in [roles] approvers may approve."""
    with pytest.raises(WorkflowError) as info:
        change.decide_approve(_submitted(), "someone@vendor", APPROVERS)
    assert info.value.rule == "approver_role"


def test_approval_with_empty_approver_list_says_so() -> None:
    """With no approvers configured the refusal says the list is empty."""
    with pytest.raises(WorkflowError, match="empty"):
        change.decide_approve(_submitted(), "reviewer@hospital", ())


def test_self_approval_by_registrar_is_refused() -> None:
    """Whoever registered the change may not approve it (separation of duties)."""
    state = _submitted()
    with pytest.raises(WorkflowError) as info:
        change.decide_approve(state, "DEV@vendor", ("dev@vendor",))
    assert info.value.rule == "separation_of_duties"


def test_approval_by_requester_is_refused() -> None:
    """The named requester may not approve."""
    with pytest.raises(WorkflowError, match="requested"):
        change.decide_approve(_submitted(), "li@hospital", ("li@hospital",))


def test_approval_by_commit_author_is_refused() -> None:
    """An author of the change's commits may not approve it."""
    state = _submitted().model_copy(update={"authors": ("reviewer@hospital",)})
    with pytest.raises(WorkflowError, match="authored"):
        change.decide_approve(state, "reviewer@hospital", APPROVERS)


def test_approval_needs_rollback_plan() -> None:
    """No rollback plan (回退方案), no approval."""
    with pytest.raises(WorkflowError) as info:
        change.decide_approve(_submitted(rollback_plan=""), "reviewer@hospital", APPROVERS)
    assert info.value.rule == "rollback_plan"


def test_approving_a_draft_is_refused() -> None:
    """A draft must be submitted first."""
    with pytest.raises(WorkflowError, match="draft"):
        change.decide_approve(_registered(), "reviewer@hospital", APPROVERS)


def test_double_approval_is_refused() -> None:
    """An approved change cannot be approved again while the approval holds."""
    with pytest.raises(WorkflowError, match="already approved"):
        change.decide_approve(_approved(), "reviewer@hospital", APPROVERS)


def test_edit_after_approval_makes_it_stale_and_blocks_start() -> None:
    """Editing an approved change makes the approval stale; start is refused until re-approval."""
    state = _approved()
    state = _apply(state, change.decide_edit(state, _fields(title="新标题"), "scope"))
    assert state.approval_stale and not state.approved
    with pytest.raises(WorkflowError) as info:
        change.decide_start(state)
    assert info.value.rule == "stale_approval"
    state = _apply(state, change.decide_approve(state, "reviewer@hospital", APPROVERS))
    assert not state.approval_stale
    assert _apply(state, change.decide_start(state)).state == "in_progress"


def test_edit_without_difference_is_refused() -> None:
    """An edit that changes nothing is a usage error, not an event."""
    state = _registered()
    with pytest.raises(UsageError, match="nothing to change"):
        change.decide_edit(state, state.fields, "")


def test_reject_needs_approver_and_reason() -> None:
    """Rejection is for approvers and is recorded with its reason."""
    state = _submitted()
    with pytest.raises(WorkflowError):
        change.decide_reject(state, "dev@vendor", APPROVERS, "no")
    with pytest.raises(UsageError):
        change.decide_reject(state, "reviewer@hospital", APPROVERS, " ")
    rejected = _apply(
        state, change.decide_reject(state, "reviewer@hospital", APPROVERS, "超出范围")
    )
    assert (rejected.state, rejected.rejected_reason) == ("rejected", "超出范围")


def test_rejected_change_cannot_be_edited_or_started() -> None:
    """Rejected is terminal."""
    state = _submitted()
    state = _apply(state, change.decide_reject(state, "reviewer@hospital", APPROVERS, "no"))
    with pytest.raises(WorkflowError):
        change.decide_edit(state, _fields(title="x"), "")
    with pytest.raises(WorkflowError):
        change.decide_start(state)


def test_start_requires_approval_unless_emergency() -> None:
    """A normal change cannot start before approval; an emergency one can, flagged."""
    with pytest.raises(WorkflowError, match="submitted"):
        change.decide_start(_submitted())
    state = _submitted(emergency=True, urgency="emergency")
    started = _apply(state, change.decide_start(state))
    assert (started.state, started.unapproved_emergency) == ("in_progress", True)


def test_emergency_gets_retroactive_approval_after_start() -> None:
    """An emergency change started unapproved is approved retroactively, state kept."""
    state = _submitted(emergency=True, urgency="emergency")
    state = _apply(state, change.decide_start(state))
    state = _apply(state, change.decide_approve(state, "reviewer@hospital", APPROVERS))
    assert state.approval is not None and state.approval.retroactive
    assert state.state == "in_progress"


def test_withdraw_from_draft_and_not_after_release() -> None:
    """A draft can be withdrawn; a released change cannot."""
    state = _registered()
    assert _apply(state, change.decide_withdraw(state, "不需要了")).state == "withdrawn"
    released = _approved().model_copy(update={"state": "released"})
    with pytest.raises(WorkflowError, match="released"):
        change.decide_withdraw(released, "late")


@pytest.mark.parametrize(
    ("start", "to"),
    [(s, t) for s, targets in change.TRANSITIONS.items() for t in targets],
)
def test_every_allowed_transition_is_accepted(start: str, to: str) -> None:
    """Every edge of the state machine is accepted by decide_transition."""
    state = _registered().model_copy(update={"state": start})
    assert _apply(state, change.decide_transition(state, to)).state == to


@pytest.mark.parametrize(
    ("start", "to"),
    [(s, t) for s in change.STATES for t in change.STATES if t not in change.TRANSITIONS[s]],
)
def test_every_other_transition_is_refused(start: str, to: str) -> None:
    """Every non-edge is refused with the state machine rule."""
    state = _registered().model_copy(update={"state": start})
    with pytest.raises(WorkflowError) as info:
        change.decide_transition(state, to)
    assert info.value.rule == "state_machine"


def test_evolve_of_unknown_change_fails() -> None:
    """An event for a change that was never registered cannot be applied."""
    with pytest.raises(ValueError, match="unknown change"):
        change.evolve(None, change.decide_submit(_registered())[0], actor="a", at=AT, seq=1)
