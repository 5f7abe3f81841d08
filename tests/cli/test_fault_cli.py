"""The fault register (故障登记) through the CLI: report, respond, resolve; response clocks
(SLA) met and missed against configurable targets; recurring-fault groups; site time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import Cli, NewChange, write_config

W = ("--as", "ops@vendor")


def _new(run: Cli, *extra: str, **opts: str) -> dict[str, Any]:
    args = {
        "system": "门诊",
        "symptom": "挂号超时",
        "severity": "major",
        "reporter": "门诊部张护士",
    } | opts
    flat = [x for k, v in args.items() for x in (f"--{k.replace('_', '-')}", v)]
    data: dict[str, Any] = run.json("fault", "new", *flat, *extra, *W)
    return data


def test_report_respond_resolve_with_clocks_in_site_time(run: Cli, new_change: NewChange) -> None:
    # 09:00 in Beijing (the default site time zone) is 01:00 UTC
    view = _new(run, reported_at="2026-11-02 09:00", module="挂号")
    fid = view["fault"]["id"]
    assert fid == "FT-2026-0001"
    assert view["fault"]["reported_at"] == "2026-11-02T01:00:00Z"
    assert view["remote"]["due"] == "2026-11-02T01:30:00Z"
    assert view["onsite"]["due"] == "2026-11-02T05:00:00Z"
    # the store's clock is 16:00 Beijing: both clocks have run out with no response
    assert view["remote"]["status"] == "missed"

    # remote in 20 minutes (met), on site after 5 hours (missed); the id in any case
    run("fault", "respond", fid.lower(), "--mode", "remote", "--responder", "eng@vendor",
        "--at", "2026-11-02 09:20", *W)  # fmt: skip
    view = run.json("fault", "respond", fid, "--mode", "onsite", "--responder", "eng@vendor",
                    "--at", "2026-11-02T06:00:00Z", "--note", "到院", *W)  # fmt: skip
    assert view["remote"] == {
        "target": "response ≤ 30 min", "due": "2026-11-02T01:30:00Z",
        "at": "2026-11-02T01:20:00Z", "status": "met",
    }  # fmt: skip
    assert view["onsite"]["status"] == "missed"
    assert view["onsite"]["at"] == "2026-11-02T06:00:00Z"

    cid = new_change(kind="bugfix")
    view = run.json("fault", "resolve", fid, "--cause", "索引失效", "--action", "重建索引",
                    "--change", cid.lower(), "--at", "2026-11-02 15:00", *W)  # fmt: skip
    assert view["fault"]["resolution"]["change_id"] == cid
    assert view["fault"]["resolution"]["at"] == "2026-11-02T07:00:00Z"

    shown = run("fault", "show", fid).stdout
    assert "2026-11-02 09:00 CST" in shown and "2026-11-02 09:20 CST" in shown
    assert "索引失效" in shown and cid in shown and "MISSED" in shown
    # the resolution is traced with the change it changed
    assert "fault_resolved" in {e["event"]["type"] for e in run.json("audit", "trace", cid)}
    # a replay of the ledger rebuilds the same fault (the projector routes its events)
    assert run.json("audit", "verify")["ok"]
    assert f"fault_resolved         {fid}" in run("audit", "log").stdout


def test_refusals_and_bad_input(run: Cli) -> None:
    fid = _new(run, reported_at="2026-11-02 09:00")["fault"]["id"]
    # a response before the report: the clocks start at the report
    out = run("fault", "respond", fid, "--mode", "remote", "--responder", "e", "--at",
              "2026-11-02 08:59", *W, code=2)  # fmt: skip
    assert "before FT-2026-0001 was reported" in out.stderr
    assert "2026-11-02 08:59 CST" in out.stderr
    # a report in the future, a time that is no time, an unknown or malformed id
    assert "in the future" in run("fault", "new", "--system", "门诊", "--symptom", "x",
        "--severity", "minor", "--reporter", "r", "--reported-at", "2026-11-03 09:00",
        *W, code=2).stderr  # fmt: skip
    out = run("fault", "new", "--system", "门诊", "--symptom", "x", "--severity", "minor",
              "--reporter", "r", "--reported-at", "昨天", *W, code=2)  # fmt: skip
    assert "not a time" in out.stderr
    assert "no fault FT-2026-0099" in run("fault", "show", "FT-2026-0099", code=3).stderr
    assert "not a fault id" in run("fault", "show", "CR-2026-0001", code=2).stderr
    assert "no change" in run("fault", "resolve", fid, "--cause", "c", "--action", "a",
        "--change", "CR-2026-0042", *W, code=3).stderr  # fmt: skip

    events = len(run.json("audit", "log"))
    run("fault", "resolve", fid, "--cause", "c", "--action", "a", *W)
    out = run("fault", "resolve", fid, "--cause", "c", "--action", "a", *W, code=5)
    assert "already resolved" in out.stderr
    log = run.json("audit", "log")
    assert len(log) == events + 2
    assert log[-1]["event"]["type"] == "command_refused"
    assert log[-1]["event"]["rule"] == "state_machine"
    assert log[-1]["event"]["target"] == fid
    run("fault", "respond", fid, "--mode", "remote", "--responder", "e", *W, code=5)


def test_open_clock_runs_then_misses(run: Cli) -> None:
    view = _new(run, severity="normal")  # reported now (the store's clock)
    assert view["remote"]["status"] == "open"
    assert view["onsite"] is None  # no on-site target for a normal fault
    run.clock.advance(minutes=31)
    again = run.json("fault", "show", view["fault"]["id"])
    assert again["remote"]["status"] == "missed"


def test_resolved_remotely_in_time_needs_no_visit(run: Cli) -> None:
    fid = _new(run, reported_at="2026-11-02 09:00")["fault"]["id"]
    view = run.json("fault", "resolve", fid, "--cause", "c", "--action", "a",
                    "--at", "2026-11-02 09:25", *W)  # fmt: skip
    assert view["remote"]["status"] == "met"  # the resolution was the response
    assert view["onsite"]["status"] == "not_needed"


def test_targets_are_configurable(tmp_path: Path, run: Cli) -> None:
    write_config(
        tmp_path,
        "[faults]\nremote_response_minutes = 10\nonsite_hours = 8\n"
        'onsite_severities = ["major", "normal"]\n',
    )
    fid = _new(run, severity="normal", reported_at="2026-11-02 09:00")["fault"]["id"]
    view = run.json("fault", "respond", fid, "--mode", "onsite", "--responder", "e",
                    "--at", "2026-11-02 09:20", *W)  # fmt: skip
    assert view["remote"]["target"] == "response ≤ 10 min"
    assert view["remote"]["status"] == "missed"
    assert view["onsite"]["target"] == "on site ≤ 8 h"
    assert view["onsite"]["status"] == "met"


def test_list_groups_recurring_faults_and_filters_a_period(tmp_path: Path, run: Cli) -> None:
    old = _new(run, reported_at="2026-09-01 10:00")["fault"]["id"]  # 2 months before
    a = _new(run, reported_at="2026-10-20 10:00", symptom="挂号 超时！")["fault"]["id"]
    b = _new(run, reported_at="2026-11-01 23:30", symptom="挂号超时", severity="minor")["fault"][
        "id"
    ]
    other_system = _new(run, reported_at="2026-11-01 11:00", system="住院")["fault"]["id"]
    other_symptom = _new(run, reported_at="2026-11-01 12:00", symptom="打印失败")["fault"]["id"]
    run("fault", "respond", b, "--mode", "remote", "--responder", "e", "--at",
        "2026-11-01 23:40", *W)  # fmt: skip

    everything = run.json("fault", "list")
    assert [g["faults"] for g in everything["recurring"]] == [[a, b]]
    assert everything["figures"]["total"] == 5

    # November in Beijing: 23:30 on 1 November is 15:30 UTC, still November there
    nov = run.json("fault", "list", "--since", "2026-11-01", "--until", "2026-11-30")
    assert [v["fault"]["id"] for v in nov["faults"]] == [other_system, other_symptom, b]
    assert nov["figures"] == {
        "total": 3, "major": 2, "resolved": 0, "open": 3,
        "remote_met": 1, "remote_missed": 2, "remote_open": 0,
        "onsite_met": 0, "onsite_missed": 2, "onsite_open": 0, "onsite_not_needed": 0,
    }  # fmt: skip
    # the group reaches back into October and is shown whole
    assert [g["faults"] for g in nov["recurring"]] == [[a, b]]
    assert next(v for v in nov["faults"] if v["fault"]["id"] == b)["recurring"] == [a, b]
    assert old not in {v["fault"]["id"] for v in nov["faults"]}

    # a wider window joins the September fault too
    write_config(tmp_path, "[faults]\nrecurring_days = 60\n")
    assert [g["faults"] for g in run.json("fault", "list")["recurring"]] == [[old, a, b]]

    human = run("fault", "list", "--until", "2026-10-31").stdout
    rows = {line.split()[0] for line in human.splitlines()}
    assert old in rows and a in rows and b not in rows
    assert "recurring (重复故障) 门诊" in human
    assert "not a date" in run("fault", "list", "--since", "11/01/2026", code=2).stderr


def test_site_time_zone_is_configurable(tmp_path: Path, run: Cli) -> None:
    write_config(tmp_path, '[site]\ntimezone = "Europe/Berlin"\nhospital = "某某人民医院"\n')
    view = _new(run, reported_at="2026-11-02 09:00")
    assert view["fault"]["reported_at"] == "2026-11-02T08:00:00Z"
    assert "2026-11-02 09:00 CET" in run("fault", "show", view["fault"]["id"]).stdout
    write_config(tmp_path, '[site]\ntimezone = "Mars/Olympus"\n')
    out = run("fault", "list", code=6)
    assert "Mars/Olympus" in out.stderr
