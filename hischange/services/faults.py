"""The fault register (故障登记): report a fault, record responses (remote / on site) and
its resolution, and read the register over a period with its response-time figures
(应急响应 SLA) and recurring-fault groups (重复故障)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict

from hischange.errors import NotFoundError, WorkflowError
from hischange.events import AnyEvent, CommandRefused
from hischange.ids import FAULT_ID, next_yearly_id, normalise_change_id, normalise_id
from hischange.project import Project
from hischange.services.changes import get_change
from hischange.store import WriteTx
from hischange.workflow.fault import (
    FaultState,
    RecurringGroup,
    SlaClock,
    decide_report,
    decide_resolve,
    decide_respond,
    onsite_clock,
    recurring_groups,
    remote_clock,
)
from hischange.workflow.projector import project
from hischange.workflow.state import load, parse_state

__all__ = [
    "FaultRegister",
    "FaultView",
    "get_fault",
    "list_faults",
    "normalise_fault_id",
    "report_fault",
    "resolve_fault",
    "respond_fault",
    "site_day_bounds",
]


class FaultView(BaseModel):
    """One fault with its response clocks and the recurring group it belongs to."""

    model_config = ConfigDict(frozen=True)

    fault: FaultState
    remote: SlaClock
    #: None for a severity with no on-site target.
    onsite: SlaClock | None
    #: The faults of its recurring group (itself included), empty when it does not recur.
    recurring: tuple[str, ...] = ()


class FaultRegister(BaseModel):
    """The faults reported in a period, their figures and their recurring groups."""

    model_config = ConfigDict(frozen=True)

    since: date | None
    until: date | None
    #: When the open clocks were read (the store's clock).
    as_of: datetime
    faults: tuple[FaultView, ...]
    #: Recurring groups with at least one fault in the period (members may lie outside it).
    recurring: tuple[RecurringGroup, ...]
    #: total, major, resolved, open; remote_met/missed/open; onsite_met/missed/open/not_needed
    figures: dict[str, int]


def normalise_fault_id(text: str) -> str:
    """A fault id in its written form (``FT-2026-0001``); a usage error otherwise."""
    return normalise_id(text, FAULT_ID, "a fault id", "FT-2026-0001")


def site_day_bounds(
    proj: Project, since: date | None, until: date | None
) -> tuple[datetime | None, datetime | None]:
    """Site-local days (both included) as UTC times: [start of ``since``, end of ``until``)."""
    zone = proj.config.site.zone

    def start(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=zone)

    return (
        None if since is None else start(since),
        None if until is None else start(until + timedelta(days=1)),
    )


def _load_fault(view: WriteTx, fault_id: str) -> FaultState:
    state = load(view, "fault", fault_id, FaultState)
    if state is None:
        raise NotFoundError(f"no fault {fault_id}", hint="`hischange fault list` shows the faults")
    return state


def get_fault(proj: Project, fault_id: str) -> FaultView:
    """One fault with its response clocks (exit 3 if unknown)."""
    ident = normalise_fault_id(fault_id)
    data = proj.store.aggregate("fault", ident)
    if data is None:
        raise NotFoundError(f"no fault {fault_id}", hint="`hischange fault list` shows the faults")
    state = parse_state(FaultState, data, "fault", ident)
    everything = _all_faults(proj)
    groups = recurring_groups(everything, proj.config.faults.recurring_days)
    return _view(proj, state, groups, proj.store.clock())


def _all_faults(proj: Project) -> list[FaultState]:
    return [
        parse_state(FaultState, data, "fault", str(data.get("id", "?")))
        for data in proj.store.aggregates_of("fault")
    ]


def _view(
    proj: Project, state: FaultState, groups: list[RecurringGroup], now: datetime
) -> FaultView:
    cfg = proj.config.faults
    group = next((g.faults for g in groups if state.id in g.faults), ())
    return FaultView(
        fault=state,
        remote=remote_clock(state, cfg, now),
        onsite=onsite_clock(state, cfg, now),
        recurring=group,
    )


def report_fault(
    proj: Project,
    actor: str,
    *,
    system: str,
    symptom: str,
    severity: str,
    reporter: str,
    module: str = "",
    reported_at: datetime | None = None,
    signature: str | None = None,
) -> FaultView:
    """Register a fault (故障登记); its response clocks start at ``reported_at`` (default:
    now, by the store's clock)."""
    with proj.store.write(project) as tx:
        year = tx.now.year
        fault_id = next_yearly_id(FAULT_ID, "FT", year, tx.keys("fault", f"FT-{year}-"))
        events = decide_report(
            fault_id, system=system, module=module, symptom=symptom, severity=severity,
            reported_at=reported_at or tx.now, reporter=reporter, signature=signature,
            now=tx.now, site=proj.config.site,
        )  # fmt: skip
        tx.append(actor, events)
    return get_fault(proj, fault_id)


def _fault_command(
    proj: Project,
    actor: str,
    command: str,
    fault_id: str,
    decide: Callable[[FaultState, datetime], list[AnyEvent]],
) -> FaultView:
    """Load, decide and append in one transaction; a refusal is recorded, then raised."""
    ident = normalise_fault_id(fault_id)
    refusal: WorkflowError | None = None
    with proj.store.write(project) as tx:
        state = _load_fault(tx, ident)
        try:
            events = decide(state, tx.now)
        except WorkflowError as exc:
            refusal = exc
            events = [
                CommandRefused(command=command, target=ident, rule=exc.rule, reason=exc.message)
            ]
        tx.append(actor, events)
    if refusal is not None:
        raise refusal
    return get_fault(proj, ident)


def respond_fault(
    proj: Project,
    actor: str,
    fault_id: str,
    *,
    mode: str,
    responder: str,
    at: datetime | None = None,
    note: str = "",
) -> FaultView:
    """Record a response to a fault: ``remote`` (through the bastion host) or ``onsite``,
    at ``at`` (default: now)."""

    def decide(state: FaultState, now: datetime) -> list[AnyEvent]:
        return decide_respond(state, mode, at or now, responder, note, now, proj.config.site)

    return _fault_command(proj, actor, "fault respond", fault_id, decide)


def resolve_fault(
    proj: Project,
    actor: str,
    fault_id: str,
    *,
    cause: str,
    action: str,
    at: datetime | None = None,
    change_id: str | None = None,
) -> FaultView:
    """Record how a fault was resolved: its cause, the action, and the change (变更) when
    code was changed (it must exist)."""
    linked = get_change(proj, normalise_change_id(change_id)).id if change_id else None

    def decide(state: FaultState, now: datetime) -> list[AnyEvent]:
        return decide_resolve(state, at or now, cause, action, linked, now, proj.config.site)

    return _fault_command(proj, actor, "fault resolve", fault_id, decide)


def list_faults(
    proj: Project, *, since: date | None = None, until: date | None = None
) -> FaultRegister:
    """The faults reported from ``since`` to ``until`` (site-local days, both included;
    None: unbounded), oldest first, with their response clocks as of now (the store's
    clock), the period's figures and its recurring groups (grouped over all faults, so a
    group reaching back before the period is shown whole)."""
    start, end = site_day_bounds(proj, since, until)
    now = proj.store.clock()
    everything = _all_faults(proj)
    groups = recurring_groups(everything, proj.config.faults.recurring_days)
    chosen = sorted(
        (
            f
            for f in everything
            if (start is None or f.reported_at >= start) and (end is None or f.reported_at < end)
        ),
        key=lambda f: (f.reported_at, f.id),
    )
    views = tuple(_view(proj, f, groups, now) for f in chosen)
    ids = {f.id for f in chosen}
    figures = {
        "total": len(views),
        "major": sum(v.fault.severity == "major" for v in views),
        "resolved": sum(v.fault.resolution is not None for v in views),
        "open": sum(v.fault.resolution is None for v in views),
    }
    for name in ("met", "missed", "open"):
        figures[f"remote_{name}"] = sum(v.remote.status == name for v in views)
    for name in ("met", "missed", "open", "not_needed"):
        figures[f"onsite_{name}"] = sum(
            v.onsite is not None and v.onsite.status == name for v in views
        )
    return FaultRegister(
        since=since,
        until=until,
        as_of=now,
        faults=views,
        recurring=tuple(g for g in groups if ids & set(g.faults)),
        figures=figures,
    )
