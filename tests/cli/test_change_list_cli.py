"""`change list` for an assessor (issue 14): a period, a billing class and its column, and
changes done late counted, not only open ones past their due time."""

from __future__ import annotations

from pathlib import Path

from hischange.cli.render import display_width
from tests.cli.test_release_cli import deploy, ready_change
from tests.conftest import Cli, FrozenClock, NewChange, Repo


def test_late_changes_are_listed_and_counted(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, clock: FrozenClock
) -> None:
    urgent = ready_change(run, new_change, repo, tmp_path, urgency="emergency")  # due in 4 h
    normal = ready_change(run, new_change, repo, tmp_path)  # due in 5 days
    run("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    deploy(run, "3.2.1", "test")
    deploy(run, "3.2.1", "production")
    clock.advance(hours=5)
    for cid in (urgent, normal):
        run("change", "verify", cid, "--as", "reviewer@hospital")
    waiting = new_change(urgency="high")
    clock.advance(hours=25)  # `waiting` is now open past its due time

    assert [c["id"] for c in run.json("change", "list", "--late")] == [urgent]
    assert [c["id"] for c in run.json("change", "list", "--overdue")] == [waiting]
    lines = run("change", "list").stdout.splitlines()
    row = {line.split()[0]: line for line in lines[1:-1]}
    assert "late 超期完成" in row[urgent]
    assert "met 按时" in row[normal]
    assert "overdue 逾期" in row[waiting]
    assert lines[-1] == "3 changes (1 late, 1 met, 1 overdue)"


def test_billing_filter_column_and_period(
    run: Cli, new_change: NewChange, clock: FrozenClock
) -> None:
    covered = new_change()
    negotiated = new_change(billing="negotiated", effort="3.5", title="新增门诊日报")
    clock.advance(days=30)
    free = new_change(billing="free_interface", kind="interface")

    ids = [c["id"] for c in run.json("change", "list", "--billing", "negotiated")]
    assert ids == [negotiated]
    # registered in November, site days (08:00 UTC on 2 November is 16:00 in Beijing)
    nov = run.json("change", "list", "--since", "2026-11-01", "--until", "2026-11-30")
    assert [c["id"] for c in nov] == [covered, negotiated]
    assert [c["id"] for c in run.json("change", "list", "--since", "2026-12-02")] == [free]
    assert run.json("change", "list", "--until", "2026-11-01") == []

    lines = run("change", "list").stdout.splitlines()
    assert "billing 计费" in lines[0]
    row = {line.split()[0]: line for line in lines[1:-1]}
    assert "另行协商 3.5人天" in row[negotiated]
    assert "维保范围内" in row[covered] and "免费接口调整" in row[free]
    # every column starts at the same display column whatever the script before it
    starts = {display_width(line[: line.index("2026-")]) for line in lines[1:-1]}
    assert len(starts) == 1, lines
    assert "not a date" in run("change", "list", "--since", "yesterday", code=2).stderr
    assert "nope" in run("change", "list", "--billing", "nope", code=2).stderr
