"""A month of activity through the CLI (November 2026), shared by the report, bundle and
browser tests, and the independent computation the report's figures are checked against."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.cli.test_release_cli import _junit, deploy, ready_change
from tests.conftest import Cli, FrozenClock, NewChange, Repo

__all__ = ["NOV_END", "NOV_START", "independent_figures", "november"]

#: November 2026 in Beijing time, as UTC instants.
NOV_START = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
NOV_END = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def november(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, clock: FrozenClock
) -> dict[str, str]:
    """Changes of every kind and billing class, an emergency, two releases deployed to test
    and production at 总院 and 分院, and a rollback; one change registered in December."""
    ids: dict[str, str] = {}
    ids["interface"] = ready_change(
        run, new_change, repo, tmp_path, kind="view_interface", billing="free_interface",
        urgency="normal",
    )  # fmt: skip
    clock.advance(hours=5)
    emergency = new_change(kind="bugfix", urgency="emergency", emergency=True, title="急诊挂号故障")
    ids["emergency"] = emergency
    run("change", "submit", emergency, "--as", "dev@vendor")
    run("change", "start", emergency, "--as", "dev@vendor")
    repo.commit(f"hotfix\n\nHIS-Change: {emergency}", {"hot.py": "1"})
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    junit = _junit(tmp_path)
    run("evidence", "add", emergency, "--junit", junit, "--env", "test", "--as", "dev@vendor")
    run("change", "ready", emergency, "--as", "dev@vendor")
    clock.advance(hours=2)
    run("release", "cut", "--from", "v3.2.0", "--as", "dev@vendor")
    for env in ("test", "production"):
        deploy(run, "3.3.0", env)
    run(
        "deploy", "record", "3.3.0", "--env", "production", "--site", "分院",
        "--operator", "ops@vendor", "--result", "success", "--as", "ops@vendor",
    )  # fmt: skip
    clock.advance(days=3)
    for cid in (ids["interface"], emergency):
        run("change", "verify", cid, "--as", "reviewer@hospital")
    run("change", "approve", emergency, "--as", "reviewer@hospital")
    run(
        "change",
        "review",
        emergency,
        "--pir",
        "复盘：挂号号源缓存失效",
        "--as",
        "reviewer@hospital",
    )
    clock.advance(days=2)
    ids["security"] = ready_change(
        run, new_change, repo, tmp_path, kind="security", billing="covered"
    )
    run("release", "cut", "--from", "v3.3.0", "--as", "dev@vendor")
    for env in ("test", "production"):
        deploy(run, "3.3.1", env)
    clock.advance(hours=3)
    run(
        "deploy", "rollback", "3.3.1", "--env", "production", "--site", "总院", "--to", "3.3.0",
        "--reason", "门诊挂号失败", "--as", "ops@vendor",
    )  # fmt: skip
    # faults: a major one answered remotely late (SLA miss) but on site in time, and the
    # same symptom again within the window (a recurring group); a training with its sheet
    clock.now = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)
    fault = run.json(
        "fault", "new", "--system", "门诊", "--module", "挂号", "--symptom", "挂号超时",
        "--severity", "major", "--reporter", "门诊部张护士", "--reported-at", "2026-11-10 09:00",
        "--as", "dev@vendor",
    )["fault"]["id"]  # fmt: skip
    ids["fault"] = fault
    run("fault", "respond", fault, "--mode", "remote", "--responder", "dev@vendor",
        "--at", "2026-11-10 09:50", "--as", "dev@vendor")  # fmt: skip
    run("fault", "respond", fault, "--mode", "onsite", "--responder", "dev2@vendor",
        "--at", "2026-11-10 12:00", "--as", "dev@vendor")  # fmt: skip
    run("fault", "resolve", fault, "--cause", "号源缓存失效", "--action", "重建缓存",
        "--change", emergency, "--at", "2026-11-10 13:00", "--as", "dev@vendor")  # fmt: skip
    again = run.json(
        "fault", "new", "--system", "门诊", "--symptom", "挂号超时！", "--severity", "normal",
        "--reporter", "门诊部李护士", "--reported-at", "2026-11-10 13:30", "--as", "dev@vendor",
    )["fault"]["id"]  # fmt: skip
    ids["fault_again"] = again
    run("fault", "respond", again, "--mode", "remote", "--responder", "dev@vendor",
        "--at", "2026-11-10 13:45", "--as", "dev@vendor")  # fmt: skip
    clock.now = datetime(2026, 11, 12, 8, 0, tzinfo=UTC)
    sheet = tmp_path.parent / f"{tmp_path.name}-signin.pdf"
    sheet.write_bytes(b"%PDF-1.4 synthetic sign-in sheet")
    run(
        "training", "record", "--topic", "新版挂号流程", "--date", "2026-11-12",
        "--trainer", "dev@vendor", "--attendees", "王护士,赵护士", "--department", "门诊部",
        "--kind", "集中", "--attach", str(sheet), "--as", "dev@vendor",
    )  # fmt: skip
    clock.advance(days=1)
    ids["negotiated"] = new_change(
        kind="customization", billing="negotiated", effort="3.5", title="门诊病历模板定制"
    )
    run("change", "submit", ids["negotiated"], "--as", "dev@vendor")
    run("change", "approve", ids["negotiated"], "--as", "reviewer@hospital")
    ids["report"] = new_change(kind="report", urgency="high", title="月度药品统计报表")
    ids["view"] = new_change(kind="interface", billing="free_interface", urgency="low")
    run("change", "submit", ids["view"], "--as", "dev@vendor")
    clock.now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    ids["december"] = new_change(kind="report", title="十二月的报表")
    return ids


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _in_month(at: str) -> bool:
    when = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return NOV_START <= when < NOV_END


def independent_figures(log: list[dict[str, Any]]) -> dict[str, Any]:
    """The month's figures computed straight from `audit log --format json`, without the
    report code: counts per (kind, billing), compliance per urgency, deployments per site
    and environment, emergencies, and the ledger head at the month's end."""
    fields: dict[str, dict[str, Any]] = {}
    due: dict[str, datetime] = {}
    done: dict[str, datetime] = {}
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    deployments: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    head: tuple[int, str] = (0, "0" * 64)
    moved: dict[str, list[tuple[str, str]]] = defaultdict(list)
    trainings: list[str] = []
    faults: dict[str, dict[str, Any]] = {}
    for rec in log:
        when = datetime.fromisoformat(rec["at"].replace("Z", "+00:00"))
        if when >= NOV_END:
            continue
        head = (rec["seq"], rec["hash"])
        ev = rec["event"]
        kind = ev["type"]
        if kind in ("change_registered", "change_edited"):
            fields[ev["change_id"]] = ev["fields"]
        if kind == "change_registered":
            due[ev["change_id"]] = datetime.fromisoformat(ev["due_at"].replace("Z", "+00:00"))
        if kind == "change_transitioned" and ev["to"] in ("verified", "closed"):
            done.setdefault(ev["change_id"], when)
        if kind == "fault_reported":
            faults[ev["fault_id"]] = {
                "at": _time(ev["reported_at"]),
                "major": ev["severity"] == "major",
                "first": None,
                "onsite": None,
            }
        elif kind in ("fault_responded", "fault_resolved"):
            f = faults[ev["fault_id"]]
            when_done = _time(ev["at"])
            f["first"] = min(f["first"] or when_done, when_done)
            if kind == "fault_responded" and ev["mode"] == "onsite":
                f["onsite"] = min(f["onsite"] or when_done, when_done)
        if not _in_month(rec["at"]):
            continue
        if kind == "change_registered":
            moved[ev["change_id"]].append(("registered", rec["at"]))
        elif kind == "change_approved":
            moved[ev["change_id"]].append(("approved", rec["at"]))
        elif kind == "change_transitioned" and ev["to"] in ("released", "deployed", "closed"):
            moved[ev["change_id"]].append((ev["to"], rec["at"]))
        elif kind == "deployment_recorded":
            deployments[(ev["site"], ev["env"])]["deployments"] += 1
        elif kind == "rollback_recorded":
            deployments[(ev["site"], ev["env"])]["rollbacks"] += 1
        elif kind == "training_recorded":
            trainings.append(ev["training_id"])
    effort: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for cid, moves in moved.items():
        key = (fields[cid]["kind"], fields[cid]["billing"])
        for what, _ in moves:
            counts[key][what] += 1
        if fields[cid].get("effort_days"):
            effort[key] += Decimal(fields[cid]["effort_days"])
    compliance: dict[str, Counter[str]] = defaultdict(Counter)
    for cid, f in fields.items():
        finished = done.get(cid)
        if finished is not None and NOV_START <= finished < NOV_END:
            compliance[f["urgency"]]["met" if finished <= due[cid] else "late"] += 1
        elif finished is None and due[cid] < NOV_END:
            compliance[f["urgency"]]["open_overdue"] += 1
    sla: Counter[str] = Counter()
    for f in faults.values():
        if not NOV_START <= f["at"] < NOV_END:
            continue
        sla["total"] += 1
        sla[
            "remote_met"
            if f["first"] and f["first"] <= f["at"] + timedelta(minutes=30)
            else "remote_missed"
        ] += 1
        if f["major"]:
            sla[
                "onsite_met"
                if f["onsite"] and f["onsite"] <= f["at"] + timedelta(hours=4)
                else "onsite_missed"
            ] += 1
    return {
        "faults": dict(sla),
        "trainings": trainings,
        "counts": {k: dict(v) for k, v in counts.items()},
        "effort": dict(effort),
        "compliance": {k: dict(v) for k, v in compliance.items()},
        "deployments": {k: dict(v) for k, v in deployments.items()},
        "emergencies": sorted(cid for cid, f in fields.items() if f["emergency"]),
        "head": head,
    }
