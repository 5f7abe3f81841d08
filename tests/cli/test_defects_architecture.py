"""Defects the layout change fixed, driven through the CLI: one role check, the lock timeout
as a configuration error, and `change show --format json` saying what the human output says."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli, FrozenClock, NewChange


def test_a_role_list_with_a_stray_space_names_the_same_person_everywhere(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """With ``approvers = ["dba@hospital "]`` the same person may approve the change and its
    SQL: every rule compares identities the one way (spaces and case aside)."""
    (tmp_path / ".hischange").mkdir()
    (tmp_path / ".hischange" / "config.toml").write_text(
        '[roles]\napprovers = ["DBA@hospital "]\ndevelopers = ["dev@vendor"]\n', encoding="utf-8"
    )
    run = Cli(tmp_path, clock)
    run("init", "--unsigned")
    cid = run.json(
        "change", "new", "--kind", "bugfix", "--title", "药库盘点修正", "--system", "药库",
        "--requester", "药剂科", "--rollback-plan", "恢复备份", "--as", "dev@vendor",
    )["id"]  # fmt: skip
    run("change", "submit", cid, "--as", "dev@vendor")
    assert run.json("change", "approve", cid, "--as", "dba@hospital")["approved"] is True
    path = tmp_path / "db" / "0001.sql"
    path.parent.mkdir()
    path.write_text("DELETE FROM drug_stock WHERE id = 1;\n", encoding="utf-8")
    run("sql", "review", str(path), "--change", cid, "--as", "dev@vendor")
    run("sql", "approve", cid, str(path), "--as", "dba@hospital")
    status = run.json("sql", "status", cid)["files"][0]
    assert (status["status"], status["approved_by"]) == ("approved", "dba@hospital")


@pytest.mark.parametrize("value", ["abc", "nan", "inf", "-1", "0", "1e9", "soon"])
def test_a_bad_lock_timeout_is_a_configuration_error(run: Cli, value: str) -> None:
    """HISCHANGE_LOCK_TIMEOUT that is not above 0 and at most 86400 seconds: exit 6 naming
    the value, no traceback (it was a bare float() outside config.py)."""
    run.env["HISCHANGE_LOCK_TIMEOUT"] = value
    result = run("change", "list", code=6)
    assert f"HISCHANGE_LOCK_TIMEOUT={value!r}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_good_lock_timeout_is_taken(run: Cli) -> None:
    """A decimal number of seconds is valid, spaces aside."""
    for value in ("0.5", "2.5", " 30 "):
        run.env["HISCHANGE_LOCK_TIMEOUT"] = value
        assert run.json("change", "list") == []


def test_change_show_json_has_no_evidence_status_without_evidence(
    run: Cli, new_change: NewChange
) -> None:
    """A change without evidence shows an empty evidence status (and asks no git)."""
    cid = new_change()
    assert run.json("change", "show", cid)["evidence_status"] == []
