"""``hischange fault …``: the fault register (故障登记) and its response times (应急响应)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from hischange.cli.output import (
    actor_option,
    emit,
    example,
    format_option,
    open_project,
    resolve_actor,
    site_day,
    site_time,
)
from hischange.cli.report import out_option, write_document

if TYPE_CHECKING:
    from hischange.config import SiteConfig
    from hischange.services.faults import FaultRegister, FaultView
    from hischange.workflow.fault import SlaClock

_SEVERITY = {"major": "重大", "normal": "一般", "minor": "轻微"}
_STATUS = {"open": "未响应", "responding": "处理中", "resolved": "已解决"}
_SLA = {
    "met": "met 达标",
    "missed": "MISSED 超时",
    "open": "running 计时中",
    "not_needed": "not needed",
}


@click.group(
    epilog=example(
        'hischange fault new --system 门诊 --symptom "挂号超时" --severity major '
        '--reporter 门诊部 --reported-at "2026-11-20 09:05"'
    )
)
def fault() -> None:
    """The fault register (故障登记): report, respond, resolve, list."""


@fault.command(
    "new",
    epilog=example(
        'hischange fault new --system 门诊 --module 挂号 --symptom "挂号超时" --severity major '
        '--reporter 门诊部张护士 --reported-at "2026-11-20 09:05"'
    ),
)
@click.option("--system", required=True, help="The system that failed (系统), e.g. 门诊.")
@click.option("--module", default="", help="The module (模块), e.g. 挂号.")
@click.option("--symptom", required=True, help="What the users saw (故障现象).")
@click.option(
    "--severity",
    type=click.Choice(["major", "normal", "minor"]),
    required=True,
    help="major (重大: on-site target applies), normal (一般) or minor (轻微).",
)
@click.option("--reporter", required=True, help="Who reported it (报告人).")
@click.option(
    "--reported-at",
    help="When it was reported, in site time (default: now); the response clocks start here.",
)
@click.option(
    "--signature",
    help="What groups recurring faults (default: the symptom, normalised).",
)
@actor_option
@format_option()
def new(
    system: str,
    module: str,
    symptom: str,
    severity: str,
    reporter: str,
    reported_at: str | None,
    signature: str | None,
    actor: str | None,
    fmt: str,
) -> None:
    """Register a fault (故障登记).

    The response clocks (remote; on site for major faults) start at the report time."""
    from hischange.services.faults import report_fault

    view = report_fault(
        open_project(),
        resolve_actor(actor),
        system=system,
        module=module,
        symptom=symptom,
        severity=severity,
        reporter=reporter,
        reported_at=site_time(reported_at, "--reported-at"),
        signature=signature,
    )
    site = open_project().config.site
    emit(
        fmt,
        view,
        lambda v: (
            f"registered {v.fault.id} (故障登记), reported {site.show(v.fault.reported_at)}; "
            + _clocks(v, site)
        ),
    )


@fault.command(
    "respond",
    epilog=example(
        "hischange fault respond FT-2026-0001 --mode remote --responder eng@vendor "
        '--at "2026-11-20 09:20"'
    ),
)
@click.argument("fault_id")
@click.option(
    "--mode",
    type=click.Choice(["remote", "onsite"]),
    required=True,
    help="remote (远程, through the bastion host 堡垒机) or onsite (现场).",
)
@click.option("--responder", required=True, help="The engineer who responded.")
@click.option("--at", "at", help="When, in site time (default: now).")
@click.option("--note", default="", help="What was done or found.")
@actor_option
@format_option()
def respond(
    fault_id: str, mode: str, responder: str, at: str | None, note: str, actor: str | None, fmt: str
) -> None:
    """Record a response to a fault (应急响应).

    Remote (远程) or on site (现场), measured against the fault's response clocks."""
    from hischange.services.faults import respond_fault

    view = respond_fault(
        open_project(),
        resolve_actor(actor),
        fault_id,
        mode=mode,
        responder=responder,
        at=site_time(at, "--at"),
        note=note,
    )
    site = open_project().config.site
    emit(fmt, view, lambda v: f"recorded the {mode} response to {v.fault.id}; " + _clocks(v, site))


@fault.command(
    "resolve",
    epilog=example(
        'hischange fault resolve FT-2026-0001 --cause "索引失效" --action "重建索引" '
        "--change CR-2026-0007"
    ),
)
@click.argument("fault_id")
@click.option("--cause", required=True, help="The cause found (故障原因).")
@click.option("--action", required=True, help="What was done (处理措施).")
@click.option("--change", "change_id", help="The change (变更) that changed code, if any.")
@click.option("--at", "at", help="When it was resolved, in site time (default: now).")
@actor_option
@format_option()
def resolve(
    fault_id: str,
    cause: str,
    action: str,
    change_id: str | None,
    at: str | None,
    actor: str | None,
    fmt: str,
) -> None:
    """Record how a fault was resolved (已解决).

    Its cause, the action taken, and the change (变更) when code was changed."""
    from hischange.services.faults import resolve_fault

    view = resolve_fault(
        open_project(),
        resolve_actor(actor),
        fault_id,
        cause=cause,
        action=action,
        at=site_time(at, "--at"),
        change_id=change_id,
    )
    site = open_project().config.site
    emit(fmt, view, lambda v: f"resolved {v.fault.id} (已解决); " + _clocks(v, site))


@fault.command("show", epilog=example("hischange fault show FT-2026-0001"))
@click.argument("fault_id")
@format_option()
def show(fault_id: str, fmt: str) -> None:
    """One fault with its response clocks.

    The report, each response, the resolution, both clocks and its recurring group."""
    from hischange.services.faults import get_fault

    view = get_fault(open_project(), fault_id)
    site = open_project().config.site
    emit(fmt, view, lambda v: _show_lines(v, site))


@fault.command("list", epilog=example("hischange fault list --since 2026-11-01 --until 2026-11-30"))
@click.option("--since", help="Reported on or after this day (YYYY-MM-DD, site time).")
@click.option("--until", help="Reported on or before this day (YYYY-MM-DD, site time).")
@format_option("csv", "xlsx")
@out_option
def list_(since: str | None, until: str | None, fmt: str, out: Path | None) -> None:
    """The fault register over a period, with SLA figures.

    Response times met or missed against [faults] targets, and recurring faults (重复故障:
    same system and symptom within the configured window)."""
    from hischange.services.faults import list_faults

    proj = open_project()
    register = list_faults(proj, since=site_day(since, "--since"), until=site_day(until, "--until"))
    if fmt in ("csv", "xlsx"):
        _fault_sheet(register, proj.config.site, fmt, out)
        return
    emit(fmt, register, lambda r: _list_lines(r, proj.config.site))


def _fault_sheet(register: FaultRegister, site: SiteConfig, fmt: str, out: Path | None) -> None:
    """The fault register as CSV or XLSX (times in the site's zone)."""
    from hischange.outputs.tables import table_bytes

    recurring = {fid for group in register.recurring for fid in group.faults}
    head = (
        "ID", "系统 system", "模块 module", "严重程度 severity", "故障现象 symptom",
        "报告时间 reported", "报告人 reporter", "状态 status", "远程响应 remote",
        "现场响应 on site", "重复故障 recurring", "原因 cause", "措施 action", "变更 change",
    )  # fmt: skip
    rows = []
    for view in register.faults:
        f = view.fault
        rows.append(
            (
                f.id, f.system, f.module, f.severity, f.symptom, site.show(f.reported_at),
                f.reporter, f.status, view.remote.status,
                view.onsite.status if view.onsite else "", "yes" if f.id in recurring else "",
                f.resolution.cause if f.resolution else "",
                f.resolution.action if f.resolution else "",
                (f.resolution.change_id or "") if f.resolution else "",
            )
        )  # fmt: skip
    write_document(table_bytes(fmt, "faults", head, rows), out, fmt)


def _clock(name: str, clock: SlaClock | None, site: SiteConfig) -> str:
    if clock is None:
        return f"{name}: no target"
    when = f" at {site.show(clock.at)}" if clock.at else f", due {site.show(clock.due)}"
    return f"{name} ({clock.target}): {_SLA[clock.status]}{when}"


def _clocks(view: FaultView, site: SiteConfig) -> str:
    return "; ".join(
        [_clock("response", view.remote, site)]
        + ([_clock("on site", view.onsite, site)] if view.onsite else [])
    )


def _show_lines(view: FaultView, site: SiteConfig) -> list[str]:
    f = view.fault
    lines = [
        f"{f.id}  {f.system}{'/' + f.module if f.module else ''}  "
        f"{f.severity} ({_SEVERITY[f.severity]})  {f.status} ({_STATUS[f.status]})",
        f"  symptom (故障现象): {f.symptom}",
        f"  reported (报告): {site.show(f.reported_at)} by {f.reporter}; registered by "
        f"{f.registered_by} at {site.show(f.registered_at)}",
    ]
    for r in f.responses:
        lines.append(
            f"  response ({'远程' if r.mode == 'remote' else '现场'}): {r.mode} at "
            f"{site.show(r.at)} by {r.responder}" + (f": {r.note}" if r.note else "")
        )
    if f.resolution is not None:
        res = f.resolution
        lines += [
            f"  resolved (已解决): {site.show(res.at)} by {res.recorded_by}",
            f"    cause (原因): {res.cause}",
            f"    action (措施): {res.action}",
            f"    change (变更): {res.change_id or '-'}",
        ]
    lines.append(f"  {_clock('response', view.remote, site)}")
    if view.onsite is not None:
        lines.append(f"  {_clock('on site', view.onsite, site)}")
    if view.recurring:
        lines.append(
            f"  recurring (重复故障) with: {', '.join(i for i in view.recurring if i != f.id)}"
        )
    return lines


def _list_lines(register: FaultRegister, site: SiteConfig) -> list[str]:
    from hischange.cli.render import table

    if not register.faults:
        return ["no faults reported in the period (fault new registers one)"]
    rows = [
        (
            v.fault.id,
            site.show(v.fault.reported_at),
            v.fault.system,
            _SEVERITY[v.fault.severity],
            v.fault.symptom,
            _STATUS[v.fault.status],
            v.remote.status,
            v.onsite.status if v.onsite else "-",
            "yes" if v.recurring else "",
        )
        for v in register.faults
    ]
    head = (
        "ID",
        "reported 报告",
        "system 系统",
        "severity",
        "symptom 现象",
        "status",
        "response",
        "on site",
        "recurring",
    )
    figures = register.figures
    lines = table(head, rows)
    lines.append(
        f"{figures['total']} fault(s), {figures['resolved']} resolved; response: "
        f"{figures['remote_met']} met, {figures['remote_missed']} missed, "
        f"{figures['remote_open']} running; "
        f"on site: {figures['onsite_met']} met, {figures['onsite_missed']} missed, "
        f"{figures['onsite_open']} running"
    )
    for g in register.recurring:
        lines.append(f"recurring (重复故障) {g.system} '{g.signature}': {', '.join(g.faults)}")
    return lines
