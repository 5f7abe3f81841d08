"""The change commands through the CLI, as a user runs them."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli, FrozenClock, NewChange


def test_new_allocates_sequential_ids_in_the_store_year(run: Cli, new_change: NewChange) -> None:
    """Ids are CR-<year of the store clock>-NNNN, allocated in order."""
    assert [new_change(), new_change()] == ["CR-2026-0001", "CR-2026-0002"]


def test_new_json_shape(run: Cli) -> None:
    """`change new --format json` returns the whole recorded state with stable keys."""
    data = run.json(
        "change",
        "new",
        "--kind",
        "report",
        "--title",
        "门诊日报",
        "--billing",
        "negotiated",
        "--effort",
        "3.5",
        "--urgency",
        "high",
        "--as",
        "dev@vendor",
    )
    assert data["id"] == "CR-2026-0001"
    assert data["state"] == "draft"
    assert data["fields"]["effort_days"] == "3.5"
    assert data["due_at"] == "2026-11-03T08:00:00Z"
    assert set(data) >= {"approval", "approved", "registered_by", "registered_at", "fields"}


def test_unknown_kind_lists_valid_values(run: Cli) -> None:
    """A bad --kind is a usage error (exit 2) that lists the valid kinds."""
    result = run("change", "new", "--kind", "feature", "--title", "x", "--as", "d@v", code=2)
    assert "customization" in result.stderr and "view_interface" in result.stderr


def test_negotiated_without_effort_is_usage_error(run: Cli) -> None:
    """Negotiated billing without --effort exits 2 and says what to pass."""
    result = run(
        "change",
        "new",
        "--kind",
        "report",
        "--title",
        "x",
        "--billing",
        "negotiated",
        "--as",
        "d@v",
        code=2,
    )
    assert "--effort" in result.stderr


def test_full_workflow_and_list_filter(run: Cli, new_change: NewChange) -> None:
    """submit → approve → start, and `change list --state` filters."""
    cid = new_change()
    new_change(title="另一个")
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital", "--comment", "同意")
    approved = run.json("change", "list", "--state", "approved")
    assert [c["id"] for c in approved] == [cid]
    run("change", "start", cid, "--as", "dev@vendor")
    assert run.json("change", "show", cid)["state"] == "in_progress"


def test_self_approval_refused_exit_5_and_recorded(run: Cli, new_change: NewChange) -> None:
    """A self-approval exits 5 with the reason, and the attempt is in the ledger."""
    cid = new_change(actor="reviewer@hospital")
    run("change", "submit", cid, "--as", "reviewer@hospital")
    result = run("change", "approve", cid, "--as", "reviewer@hospital", code=5)
    assert "separation of duties" in result.stderr
    events = run.json("audit", "trace", cid)
    refused = events[-1]
    assert refused["event"]["type"] == "command_refused"
    assert refused["actor"] == "reviewer@hospital"
    assert refused["event"]["rule"] == "separation_of_duties"
    assert run.json("change", "show", cid)["state"] == "submitted"


def test_non_approver_refused(run: Cli, new_change: NewChange) -> None:
    """An identity not in [roles] approvers is refused with exit 5."""
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    result = run("change", "approve", cid, "--as", "dev2@vendor", code=5)
    assert "not an approver" in result.stderr


def test_approval_without_rollback_plan_refused(run: Cli, new_change: NewChange) -> None:
    """No rollback plan: exit 5 and the hint shows how to add one."""
    cid = new_change(**{"rollback_plan": ""})
    run("change", "submit", cid, "--as", "dev@vendor")
    result = run("change", "approve", cid, "--as", "reviewer@hospital", code=5)
    assert "回退方案" in result.stderr and "--rollback-plan" in result.stderr


def test_invalid_transition_refused(run: Cli, new_change: NewChange) -> None:
    """Starting a draft is refused by the state machine (exit 5)."""
    cid = new_change()
    result = run("change", "start", cid, "--as", "dev@vendor", code=5)
    assert "draft" in result.stderr


def test_edit_after_approval_shows_stale(run: Cli, new_change: NewChange) -> None:
    """`change edit` after approval makes the approval stale, visible in show."""
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital")
    result = run(
        "change", "edit", cid, "--title", "扩大范围", "--reason", "scope", "--as", "dev@vendor"
    )
    assert "stale" in result.stdout
    shown = run("change", "show", cid)
    assert "STALE" in shown.stdout
    assert run.json("change", "show", cid)["approved"] is False
    run("change", "start", cid, "--as", "dev@vendor", code=5)


def test_reject_and_withdraw(run: Cli, new_change: NewChange) -> None:
    """Reject needs a reason; withdraw records one."""
    a, b = new_change(), new_change()
    run("change", "submit", a, "--as", "dev@vendor")
    run("change", "reject", a, "--as", "reviewer@hospital", code=2)
    run("change", "reject", a, "--as", "reviewer@hospital", "--reason", "不在维保范围")
    run("change", "withdraw", b, "--as", "dev@vendor", "--reason", "重复")
    states = {c["id"]: c["state"] for c in run.json("change", "list")}
    assert states == {a: "rejected", b: "withdrawn"}


def test_unknown_change_exit_3(run: Cli) -> None:
    """An unknown change id exits 3; a malformed one exits 2."""
    assert "no change" in run("change", "show", "CR-2026-0099", code=3).stderr
    assert "change id" in run("change", "show", "FOO", code=2).stderr


def test_actor_from_env_then_git(run: Cli, new_change: NewChange, tmp_path: Path) -> None:
    """Without --as the actor is HISCHANGE_USER."""
    run.env["HISCHANGE_USER"] = "env-user@vendor"
    data = run.json("change", "new", "--kind", "bugfix", "--title", "x")
    assert data["registered_by"] == "env-user@vendor"


def test_overdue_lists_only_late_open_changes(
    run: Cli, new_change: NewChange, clock: FrozenClock
) -> None:
    """`change list --overdue` shows open changes past their due time."""
    late = new_change(urgency="emergency")
    clock.advance(days=30)
    fresh = new_change(urgency="low")
    ids = [c["id"] for c in run.json("change", "list", "--overdue")]
    assert late in ids and fresh not in ids


def test_list_human_output(run: Cli, new_change: NewChange) -> None:
    """The human list shows id, state (with Chinese) and title."""
    cid = new_change()
    out = run("change", "list").stdout
    assert cid in out and "草稿" in out and "LIS 接口字段调整" in out


def test_list_columns_line_up_by_display_width(run: Cli, new_change: NewChange) -> None:
    """`change list` pads Chinese state names (草稿, 待审批) by terminal columns, so the kind
    column starts at the same display column on every line."""
    from hischange.cli.render import display_width

    draft = new_change()
    submitted = new_change(kind="report")
    run("change", "submit", submitted, "--as", "dev@vendor")
    lines = run("change", "list").stdout.splitlines()[1:-1]  # under the header, above the total
    starts = set()
    for line, (cid, kind) in zip(lines, [(draft, "interface"), (submitted, "report")], strict=True):
        assert line.startswith(cid)
        starts.add(display_width(line[: line.index(f" {kind} ")]))
    assert len(starts) == 1, lines
