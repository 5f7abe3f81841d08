"""The service functions the CLI calls: one function per user command about changes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, get_args

from pydantic import ValidationError

from hischange.errors import NotFoundError, UsageError, WorkflowError, clip, visible
from hischange.events import AnyEvent, Billing, ChangeFields, CommandRefused
from hischange.ids import CHANGE_ID, normalise_change_id
from hischange.ledger import ProjectionView
from hischange.project import Project
from hischange.workflow import change
from hischange.workflow.change import ChangeState
from hischange.workflow.refs import ExternalRef, decide_refs, parse_ref
from hischange.workflow.state import load, load_change, parse_state

if TYPE_CHECKING:  # SQLAlchemy loads only when a command writes
    from hischange.ledger import Projector
    from hischange.store import WriteTx

__all__ = [
    "approve_change",
    "edit_change",
    "get_change",
    "iter_changes",
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


#: The request fields shown on one line (lists, tables, report headers): a line break or
#: control character in them is refused at input. ``description`` and ``rollback_plan``
#: may hold several lines; every display shows control characters escaped
#: (``hischange.errors.visible``) and indents their continuation lines.
ONE_LINE_FIELDS = (
    "title",
    "system",
    "module",
    "requester_dept",
    "requester_person",
    "third_party",
    "effort_days",
)
_OPTION = {"requester_dept": "requester", "effort_days": "effort"}


def make_fields(values: dict[str, Any]) -> ChangeFields:
    """Validate user values into ChangeFields, with messages that list valid choices."""
    title = values.get("title")
    if isinstance(title, str):
        _check_title(title)
    for name in ONE_LINE_FIELDS:
        value = values.get(name)
        if isinstance(value, str):
            check_one_line(name, value)
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


def check_one_line(name: str, value: str) -> None:
    """Refuse (exit 2, naming the field) a value of a one-line field that holds a line
    break or any character ``visible`` would escape: it could forge or hide a line where
    the field is shown."""
    if visible(value) != value:
        option = "--" + _OPTION.get(name, name.replace("_", "-"))
        raise UsageError(
            f"invalid {name} ({option}) {clip(value)}: one line without control characters "
            "(no line break, tab or escape sequence)",
            hint="put details on several lines in --description",
        )


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


def _projector() -> Projector:
    """The projector, imported when a command writes: it loads every aggregate's rules,
    which a read (``change list``, ``change show``, the commit-msg hook) does not need."""
    from hischange.workflow.projector import project

    return project


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
    with proj.store.write(_projector()) as tx:
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
    with proj.store.write(_projector()) as tx:
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


def next_change_id(tx: WriteTx, year: int) -> str:
    """The next ``CR-YEAR-NNNN``: one past the highest of the year, found with a few index
    probes however many changes the year holds (not by reading every key).

    Ids are allocated one after the other inside the append transaction, but a longer number
    sorts below a shorter one (``CR-2026-10000`` < ``CR-2026-9999``): from the greatest key
    the search steps up while the next id is taken (doubling, then narrowing by 64 per
    query). The id returned is never taken."""
    prefix = f"CR-{year}-"
    top = tx.highest_key("change", prefix)
    match = CHANGE_ID.match(top) if top else None
    low = int(match.group(2)) if match and int(match.group(1)) == year else 0

    def first_free(numbers: list[int]) -> int | None:
        # one query for a whole list of candidates
        taken = tx.existing_keys("change", [f"{prefix}{n:04d}" for n in numbers])
        return next((i for i, n in enumerate(numbers) if f"{prefix}{n:04d}" not in taken), None)

    if first_free([low + 1]) == 0:  # the usual case: the greatest key is the highest id
        return f"{prefix}{low + 1:04d}"
    # doubling steps, then 64 evenly spaced candidates per round: about four queries
    numbers = [low + (1 << i) for i in range(48)]
    free = first_free(numbers)
    if free is None:  # pragma: no cover - 2**48 changes in a year
        raise UsageError(f"cannot allocate a change id in {year}")
    high = numbers[free]
    low = numbers[free - 1] if free else low
    while high - low > 1:
        step = max(1, (high - low) // 64)
        numbers = list(range(low + step, high, step))
        free = first_free(numbers)
        if free is None:
            low = numbers[-1]
        else:
            high = numbers[free]
            low = numbers[free - 1] if free else low
    return f"{prefix}{low + 1:04d}"


def register_change(
    proj: Project, actor: str, fields: ChangeFields, refs: Sequence[str] = ()
) -> ChangeState:
    """Register a change (draft); its id is allocated inside the append transaction. Its
    external references (``system:id``), if any, are recorded in the same transaction; one
    another change already carries refuses the registration (recorded)."""
    for text in refs:
        parse_ref(text)  # a malformed reference is a usage error, before anything
    refusal: WorkflowError | None = None
    with proj.store.write(_projector()) as tx:
        year = tx.now.year
        change_id = next_change_id(tx, year)
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
    from hischange.services.trust import effective_roles  # the projector: only when needed
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
    from hischange.services.trust import effective_roles  # the projector: only when needed

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
    data = proj.reader.aggregate("change", normalise_change_id(change_id))
    if data is None:
        raise NotFoundError(
            f"no change {change_id}", hint="`hischange change list` shows the changes"
        )
    return parse_state(ChangeState, data, "change", change_id)


#: The billing classes (计费类别) a change may carry.
BILLING_CLASSES: tuple[str, ...] = get_args(Billing)


def list_changes(
    proj: Project,
    *,
    state: str | None = None,
    kind: str | None = None,
    overdue: bool = False,
    billing: str | None = None,
    since: date | None = None,
    until: date | None = None,
    late: bool = False,
) -> list[ChangeState]:
    """Changes, optionally filtered by state, kind, billing class, registration day (site
    days ``since``..``until``, both included), overdue now (by the store's clock), or done
    after their due time (``late``: verified or closed late)."""
    return list(
        iter_changes(
            proj,
            state=state,
            kind=kind,
            overdue=overdue,
            billing=billing,
            since=since,
            until=until,
            late=late,
        )
    )


def iter_changes(
    proj: Project,
    *,
    state: str | None = None,
    kind: str | None = None,
    overdue: bool = False,
    billing: str | None = None,
    since: date | None = None,
    until: date | None = None,
    late: bool = False,
) -> Iterator[ChangeState]:
    """``list_changes``, streamed by change id (memory flat however many changes). The
    filters are checked before the first change is read."""
    from hischange.services.change_due import done_times

    if state is not None and state not in change.STATES:
        raise UsageError(f"unknown state {state!r}; valid states: {', '.join(change.STATES)}")
    if billing is not None and billing not in BILLING_CLASSES:
        raise UsageError(
            f"unknown billing class {clip(billing)}",
            hint=f"use one of: {', '.join(BILLING_CLASSES)}",
        )
    reader = proj.reader
    overdue_at = reader.clock() if overdue else None
    zone = proj.config.site.zone
    start = None if since is None else datetime.combine(since, time(), tzinfo=zone)
    end = (
        None if until is None else datetime.combine(until + timedelta(days=1), time(), tzinfo=zone)
    )
    done = done_times(proj) if late else {}
    retro = timedelta(hours=proj.config.release.retro_approval_hours)

    def keep(item: ChangeState) -> bool:
        f = item.fields
        return not (
            (state and item.state != state)
            or (kind and f.kind != kind)
            or (billing and f.billing != billing)
            or (start and item.registered_at < start)
            or (end and item.registered_at >= end)
            or (overdue_at is not None and not _overdue(item, overdue_at, retro))
            or (late and not (item.id in done and done[item.id] > item.due_at))
        )

    def stream() -> Iterator[ChangeState]:
        rows = iter(reader.iter_aggregates("change"))
        try:
            for data in rows:
                item = parse_state(ChangeState, data, "change", str(data.get("id")))
                if keep(item):
                    yield item
        finally:
            getattr(rows, "close", lambda: None)()

    return stream()


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
