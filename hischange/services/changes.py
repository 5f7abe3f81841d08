"""The service functions the CLI calls: one function per user command about changes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from hischange.errors import NotFoundError, UsageError, WorkflowError, clip
from hischange.events import AnyEvent, ChangeFields, CommandRefused
from hischange.ids import CHANGE_ID, next_yearly_id, normalise_change_id
from hischange.ledger import ProjectionView
from hischange.project import Project
from hischange.services.trust import effective_roles
from hischange.store import WriteTx
from hischange.workflow import change
from hischange.workflow.change import ChangeState
from hischange.workflow.projector import load_change, project
from hischange.workflow.refs import ExternalRef, decide_refs, parse_ref
from hischange.workflow.state import load, parse_state

__all__ = [
    "approve_change",
    "edit_change",
    "get_change",
    "list_changes",
    "make_fields",
    "refuse",
    "register_change",
    "reject_change",
    "run_change_command",
    "start_change",
    "submit_change",
    "withdraw_change",
]


def make_fields(values: dict[str, Any]) -> ChangeFields:
    """Validate user values into ChangeFields, with messages that list valid choices."""
    title = values.get("title")
    if isinstance(title, str):
        _check_title(title)
    try:
        return ChangeFields.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        allowed = ""
        if err["type"] == "literal_error":
            allowed = f"; valid values: {err['ctx']['expected']}"
        raise UsageError(
            f"invalid {field} {clip(err.get('input'))}: {err['msg']}{allowed}",
            hint="fix the value and run the command again",
        ) from None


def _check_title(title: str) -> None:
    """A title is one line of visible text: not blank, no control characters."""
    if not title.strip():
        raise UsageError(
            f"invalid title {clip(title)}: it is blank",
            hint="give the title (标题) as one line saying what changes",
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in title):
        raise UsageError(
            f"invalid title {clip(title)}: one line without control characters",
            hint="put details in --description",
        )


def _load(tx: WriteTx, change_id: str) -> ChangeState:
    state = load_change(tx, normalise_change_id(change_id))
    if state is None:
        raise NotFoundError(
            f"no change {change_id}", hint="`hischange change list` shows the changes"
        )
    return state


def run_change_command(
    proj: Project,
    actor: str,
    command: str,
    change_id: str,
    decide: Callable[[ChangeState, WriteTx], list[AnyEvent]],
) -> ChangeState:
    """Load, decide and append in one transaction; a refusal is recorded, then raised."""
    refusal: WorkflowError | None = None
    with proj.store.write(project) as tx:
        state = _load(tx, change_id)
        try:
            new_events = decide(state, tx)
        except WorkflowError as exc:
            refusal = exc
            new_events = [
                CommandRefused(
                    command=command, change_id=state.id, rule=exc.rule, reason=exc.message
                )
            ]
        tx.append(actor, list(new_events))
        final = _load(tx, state.id)
    if refusal is not None:
        raise refusal
    return final


def refuse(
    proj: Project, actor: str, command: str, target: str, exc: WorkflowError
) -> WorkflowError:
    """Record a refused command that concerns no single change (a release, a deployment)
    in the ledger, and return the error for the caller to raise."""
    with proj.store.write(project) as tx:
        tx.append(
            actor,
            [CommandRefused(command=command, target=target, rule=exc.rule, reason=exc.message)],
        )
    return exc


def _owners(tx: WriteTx, given: Sequence[str]) -> dict[str, str | None]:
    """Which change carries each reference ``given`` would set (the ``extref`` index)."""
    owners: dict[str, str | None] = {}
    for text in given:
        system, ident = parse_ref(text)
        if ident:
            ref = f"{system}:{ident}"
            found = load(tx, "extref", ref, ExternalRef)
            owners[ref] = found.change_id if found is not None else None
    return owners


def change_refs_of(view: ProjectionView, change_id: str) -> tuple[str, ...]:
    """A change's external references (``system:id``), from the ``change_refs`` index."""
    data = view.get("change_refs", change_id)
    if data is None:
        return ()
    return tuple(data["refs"] if isinstance(data, dict) else data.refs)


def register_change(
    proj: Project, actor: str, fields: ChangeFields, refs: Sequence[str] = ()
) -> ChangeState:
    """Register a change (draft); its id is allocated inside the append transaction. Its
    external references (``system:id``), if any, are recorded in the same transaction; one
    another change already carries refuses the registration (recorded)."""
    for text in refs:
        parse_ref(text)  # a malformed reference is a usage error, before anything
    refusal: WorkflowError | None = None
    with proj.store.write(project) as tx:
        year = tx.now.year
        change_id = next_yearly_id(CHANGE_ID, "CR", year, tx.keys("change", f"CR-{year}-"))
        due = tx.now + proj.config.due_delta(fields.urgency)
        registered = list(change.decide_register(change_id, fields, due))
        if refs:
            draft = change.evolve(None, registered[0], actor=actor, at=tx.now, seq=0)
            try:
                registered += decide_refs(draft, (), tuple(refs), _owners(tx, refs), "")
            except WorkflowError as exc:
                refusal = exc
                registered = [
                    CommandRefused(
                        command="change new", target=", ".join(refs), rule=exc.rule,
                        reason=exc.message,
                    )
                ]  # fmt: skip
        tx.append(actor, registered)
        if refusal is None:
            return _load(tx, change_id)
    raise refusal


def edit_change(
    proj: Project,
    actor: str,
    change_id: str,
    updates: dict[str, Any],
    reason: str = "",
    refs: Sequence[str] = (),
) -> ChangeState:
    """Change some request fields (a previous approval becomes stale) and/or its external
    references (``system:id``; ``system:`` removes one; needs a reason, keeps the approval:
    they are not part of what was approved)."""
    for text in refs:
        parse_ref(text)
    if refs and not reason.strip():
        raise UsageError(
            "editing a change's external references needs a reason",
            hint='add --reason "…" (it is recorded with the edit)',
        )
    fields = {k: v for k, v in updates.items() if v is not None}

    def decide(state: ChangeState, tx: WriteTx) -> list[AnyEvent]:
        events: list[AnyEvent] = []
        if fields or not refs:
            merged = state.fields.model_dump() | fields
            events += change.decide_edit(state, make_fields(merged), reason)
        if refs:
            events += decide_refs(
                state, change_refs_of(tx, state.id), tuple(refs), _owners(tx, refs), reason
            )
        return events

    return run_change_command(proj, actor, "change edit", change_id, decide)


def submit_change(proj: Project, actor: str, change_id: str) -> ChangeState:
    """Submit a draft for approval."""
    return run_change_command(
        proj, actor, "change submit", change_id, lambda s, _tx: change.decide_submit(s)
    )


def approve_change(proj: Project, actor: str, change_id: str, comment: str = "") -> ChangeState:
    """Approve a submitted change (or re-approve a stale approval)."""
    from hischange.workflow import approval

    approvers = effective_roles(proj).approvers
    rules = proj.config.approval

    def decide(state: ChangeState, tx: WriteTx) -> list[AnyEvent]:
        events = change.decide_approve(state, actor, approvers, comment)
        required = approval.change_groups(rules.change, state.fields.kind)
        if not required:
            return events
        digest = change.fingerprint(state.fields)
        steps = approval.load_steps(tx, state.id, "change")
        current = approval.progress("change", required, steps, digest)
        step, complete = approval.decide_step(current, actor, rules.groups, digest, state.id)
        return [step, *events] if complete else [step]

    return run_change_command(proj, actor, "change approve", change_id, decide)


def reject_change(proj: Project, actor: str, change_id: str, reason: str) -> ChangeState:
    """Reject a submitted change."""
    approvers = effective_roles(proj).approvers
    return run_change_command(
        proj,
        actor,
        "change reject",
        change_id,
        lambda s, _tx: change.decide_reject(s, actor, approvers, reason),
    )


def start_change(proj: Project, actor: str, change_id: str) -> ChangeState:
    """Start implementing an approved change (or an emergency one)."""
    return run_change_command(
        proj, actor, "change start", change_id, lambda s, _tx: change.decide_start(s)
    )


def withdraw_change(proj: Project, actor: str, change_id: str, reason: str) -> ChangeState:
    """Withdraw a change that has not been released."""
    return run_change_command(
        proj,
        actor,
        "change withdraw",
        change_id,
        lambda s, _tx: change.decide_withdraw(s, reason),
    )


def get_change(proj: Project, change_id: str) -> ChangeState:
    """One change's current state (exit 3 if unknown)."""
    data = proj.store.aggregate("change", normalise_change_id(change_id))
    if data is None:
        raise NotFoundError(
            f"no change {change_id}", hint="`hischange change list` shows the changes"
        )
    return parse_state(ChangeState, data, "change", change_id)


def list_changes(
    proj: Project,
    *,
    state: str | None = None,
    kind: str | None = None,
    overdue: bool = False,
) -> list[ChangeState]:
    """Changes, optionally filtered by state, kind, or overdue now (by the store's clock)."""
    overdue_at = proj.store.clock() if overdue else None
    if state is not None and state not in change.STATES:
        raise UsageError(f"unknown state {state!r}; valid states: {', '.join(change.STATES)}")
    retro = timedelta(hours=proj.config.release.retro_approval_hours)
    out = []
    for data in proj.store.aggregates_of("change"):
        item = parse_state(ChangeState, data, "change", str(data.get("id")))
        if state and item.state != state:
            continue
        if kind and item.fields.kind != kind:
            continue
        if overdue_at is not None and not _overdue(item, overdue_at, retro):
            continue
        out.append(item)
    return out


def _overdue(item: ChangeState, now: datetime, retro: timedelta) -> bool:
    """Open past its due time, or an emergency change whose retroactive approval is late."""
    if item.state in {"closed", "rejected", "withdrawn"}:
        return False
    late_approval = (
        item.unapproved_emergency
        and not item.approved
        and item.started_at is not None
        and item.started_at + retro < now
    )
    return late_approval or (item.state != "verified" and item.due_at < now)
