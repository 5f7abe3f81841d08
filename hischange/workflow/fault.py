"""The rules of the fault register (故障登记), pure: what a fault report, a response and a
resolution need, the response clocks (应急响应: remote within 30 minutes, on site within 4
hours for a major fault, both configurable) and recurring-fault grouping (same system, same
symptom signature, within a window). ``services.faults`` reads the store and the config."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from hischange.config import FaultsConfig, SiteConfig
from hischange.errors import UsageError, WorkflowError
from hischange.events import AnyEvent, FaultReported, FaultResolved, FaultResponded
from hischange.ledger import AppendedEvent, ProjectionView
from hischange.workflow.state import load

__all__ = [
    "FaultResolution",
    "FaultResponse",
    "FaultState",
    "RecurringGroup",
    "SlaClock",
    "apply_fault_event",
    "decide_report",
    "decide_resolve",
    "decide_respond",
    "onsite_clock",
    "recurring_groups",
    "remote_clock",
    "symptom_signature",
]

#: A report may be stamped a little ahead of the store's clock (clocks drift); no more.
_CLOCK_SKEW = timedelta(minutes=5)


class FaultResponse(BaseModel):
    """One response: remote or on site, when, by whom."""

    model_config = ConfigDict(frozen=True)

    mode: Literal["remote", "onsite"]
    at: datetime
    responder: str
    note: str = ""
    recorded_by: str


class FaultResolution(BaseModel):
    """How a fault ended: its cause, the action, the change when code was changed."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    cause: str
    action: str
    change_id: str | None = None
    recorded_by: str


class FaultState(BaseModel):
    """One registered fault and what was done about it."""

    model_config = ConfigDict(frozen=True)

    id: str
    system: str
    module: str = ""
    symptom: str
    severity: Literal["major", "normal", "minor"]
    reported_at: datetime
    reporter: str
    signature: str
    registered_by: str
    registered_at: datetime
    responses: tuple[FaultResponse, ...] = ()
    resolution: FaultResolution | None = None

    @property
    def status(self) -> str:
        """open (未响应), responding (处理中) or resolved (已解决)."""
        if self.resolution is not None:
            return "resolved"
        return "responding" if self.responses else "open"


class SlaClock(BaseModel):
    """One response clock of one fault against its target."""

    model_config = ConfigDict(frozen=True)

    target: str
    due: datetime
    at: datetime | None
    #: met, missed, open (still running) or not_needed (resolved remotely in time).
    status: Literal["met", "missed", "open", "not_needed"]


class RecurringGroup(BaseModel):
    """Faults of one system with one symptom signature, each within the window of the one
    before it (重复故障: to be discussed with the hospital's IT staff)."""

    model_config = ConfigDict(frozen=True)

    system: str
    signature: str
    faults: tuple[str, ...]
    first: datetime
    last: datetime


_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def symptom_signature(symptom: str) -> str:
    """A symptom normalised for grouping: NFKC (full-width to half-width), case folded,
    punctuation and spaces removed. ``门诊挂号 超时!`` and ``门诊挂号超时`` are one signature."""
    text = unicodedata.normalize("NFKC", symptom).casefold()
    return _PUNCT.sub("", text)


def decide_report(
    fault_id: str,
    *,
    system: str,
    module: str,
    symptom: str,
    severity: str,
    reported_at: datetime,
    reporter: str,
    signature: str | None,
    now: datetime,
    site: SiteConfig,
) -> list[AnyEvent]:
    """A fault report: system, symptom and reporter given, reported no later than now."""
    for name, value in (("--system", system), ("--symptom", symptom), ("--reporter", reporter)):
        if not value.strip():
            raise UsageError(f"a fault needs {name}", hint=f"pass {name} TEXT")
    if reported_at > now + _CLOCK_SKEW:
        raise UsageError(
            f"--reported-at {site.show(reported_at)} is in the future",
            hint="give the time the fault was reported (报告时间), in site time",
        )
    sig = symptom_signature(signature if signature and signature.strip() else symptom)
    if not sig:
        raise UsageError(
            f"the symptom {symptom!r} has no letters or digits to group recurring faults by",
            hint="describe the symptom in words, or pass --signature",
        )
    return [
        FaultReported(
            fault_id=fault_id, system=system.strip(), module=module.strip(),
            symptom=symptom.strip(), severity=severity,  # type: ignore[arg-type]
            reported_at=reported_at, reporter=reporter.strip(), signature=sig,
        )
    ]  # fmt: skip


def _open(state: FaultState, command: str) -> None:
    if state.resolution is not None:
        raise WorkflowError(
            f"{state.id} is already resolved (已解决); nothing to {command}",
            rule="state_machine",
            hint="register a new fault (fault new) if it happened again",
        )


def _not_before_report(
    state: FaultState, at: datetime, option: str, now: datetime, site: SiteConfig
) -> None:
    if at < state.reported_at:
        raise UsageError(
            f"{option} {site.show(at)} is before {state.id} was reported "
            f"({site.show(state.reported_at)})",
            hint="response clocks start at the report; check the time and its zone",
        )
    if at > now + _CLOCK_SKEW:
        raise UsageError(f"{option} {site.show(at)} is in the future")


def decide_respond(
    state: FaultState,
    mode: str,
    at: datetime,
    responder: str,
    note: str,
    now: datetime,
    site: SiteConfig,
) -> list[AnyEvent]:
    """A response to an unresolved fault, at or after its report."""
    _open(state, "respond to")
    if not responder.strip():
        raise UsageError("a response needs --responder", hint="pass --responder engineer@vendor")
    _not_before_report(state, at, "--at", now, site)
    return [
        FaultResponded(
            fault_id=state.id, mode=mode,  # type: ignore[arg-type]
            at=at, responder=responder.strip(), note=note,
        )
    ]  # fmt: skip


def decide_resolve(
    state: FaultState,
    at: datetime,
    cause: str,
    action: str,
    change_id: str | None,
    now: datetime,
    site: SiteConfig,
) -> list[AnyEvent]:
    """A resolution of an unresolved fault: its cause and action, at or after its report."""
    _open(state, "resolve")
    for name, value in (("--cause", cause), ("--action", action)):
        if not value.strip():
            raise UsageError(f"a resolution needs {name}", hint=f"pass {name} TEXT")
    _not_before_report(state, at, "--at", now, site)
    return [
        FaultResolved(
            fault_id=state.id, at=at, cause=cause.strip(), action=action.strip(),
            change_id=change_id,
        )
    ]  # fmt: skip


def _clock(target: str, due: datetime, done: datetime | None, now: datetime) -> SlaClock:
    if done is not None:
        return SlaClock(target=target, due=due, at=done, status="met" if done <= due else "missed")
    return SlaClock(target=target, due=due, at=None, status="open" if now <= due else "missed")


def remote_clock(state: FaultState, cfg: FaultsConfig, now: datetime) -> SlaClock:
    """The first response (remote, or on site if that came first) within the remote target.
    A fault resolved with no response recorded counts its resolution as the response."""
    due = state.reported_at + timedelta(minutes=cfg.remote_response_minutes)
    times = [r.at for r in state.responses]
    if state.resolution is not None:
        times.append(state.resolution.at)
    return _clock(
        f"response ≤ {cfg.remote_response_minutes} min", due, min(times, default=None), now
    )


def onsite_clock(state: FaultState, cfg: FaultsConfig, now: datetime) -> SlaClock | None:
    """An engineer on site within the on-site target, for the severities that need it
    (None for others). A fault resolved remotely before the deadline needs no visit."""
    if state.severity not in cfg.onsite_severities:
        return None
    due = state.reported_at + timedelta(hours=cfg.onsite_hours)
    target = f"on site ≤ {cfg.onsite_hours} h"
    onsite = min((r.at for r in state.responses if r.mode == "onsite"), default=None)
    if onsite is None and state.resolution is not None and state.resolution.at <= due:
        return SlaClock(target=target, due=due, at=None, status="not_needed")
    return _clock(target, due, onsite, now)


def recurring_groups(faults: Iterable[FaultState], window_days: int) -> list[RecurringGroup]:
    """Groups of two or more faults of one system and one signature, each reported within
    ``window_days`` of the one before it; in order of their first report."""
    window = timedelta(days=window_days)
    by_key: dict[tuple[str, str], list[FaultState]] = {}
    for fault in sorted(faults, key=lambda f: (f.reported_at, f.id)):
        by_key.setdefault((fault.system.casefold(), fault.signature), []).append(fault)
    groups: list[RecurringGroup] = []
    for members in by_key.values():
        run: list[FaultState] = []
        for fault in members:
            if run and fault.reported_at - run[-1].reported_at > window:
                groups.extend(_group(run))
                run = []
            run.append(fault)
        groups.extend(_group(run))
    return sorted(groups, key=lambda g: (g.first, g.faults))


def _group(run: list[FaultState]) -> list[RecurringGroup]:
    if len(run) < 2:
        return []
    return [
        RecurringGroup(
            system=run[0].system, signature=run[0].signature,
            faults=tuple(f.id for f in run), first=run[0].reported_at, last=run[-1].reported_at,
        )
    ]  # fmt: skip


def apply_fault_event(view: ProjectionView, appended: AppendedEvent) -> None:
    """Projection: the fault's state."""
    event = appended.event
    if isinstance(event, FaultReported):
        state = FaultState(
            id=event.fault_id, system=event.system, module=event.module, symptom=event.symptom,
            severity=event.severity, reported_at=event.reported_at, reporter=event.reporter,
            signature=event.signature, registered_by=appended.actor, registered_at=appended.at,
        )  # fmt: skip
        view.put("fault", event.fault_id, state, appended.seq)
        return
    assert isinstance(event, FaultResponded | FaultResolved)
    old = load(view, "fault", event.fault_id, FaultState)
    assert old is not None
    if isinstance(event, FaultResponded):
        response = FaultResponse(
            mode=event.mode, at=event.at, responder=event.responder, note=event.note,
            recorded_by=appended.actor,
        )  # fmt: skip
        new = old.model_copy(update={"responses": (*old.responses, response)})
    else:
        resolution = FaultResolution(
            at=event.at, cause=event.cause, action=event.action, change_id=event.change_id,
            recorded_by=appended.actor,
        )  # fmt: skip
        new = old.model_copy(update={"resolution": resolution})
    view.put("fault", event.fault_id, new, appended.seq)
