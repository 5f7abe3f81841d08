"""Multi-step approval (多级审批, ``[approval]``) through the CLI and the web page: an HC1xx
error needs the DBA company and the 信息科 head; a database change needs both too."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli, FrozenClock, NewChange, write_config
from tests.web.support import client, give_account, sign_in

STEPS = """
[approval.groups]
dba = ["dba@hospital"]
it_head = ["reviewer@hospital"]

[approval.change]
interface = ["dba", "it_head"]

[approval.sql]
HC1 = ["dba", "it_head"]
"""
DELETE_ALL = "DELETE FROM outpatient_visit;\n"


def test_change_needs_every_group_and_the_cli_shows_who_is_missing(
    tmp_path: Path, run: Cli, new_change: NewChange
) -> None:
    write_config(tmp_path, STEPS)
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "dba@hospital")
    shown = run.json("change", "show", cid)
    assert shown["state"] == "submitted"
    assert shown["approvals"] == [
        {"subject": "change", "required": ["dba", "it_head"],
         "approved": {"dba": "dba@hospital"}, "missing": ["it_head"]}
    ]  # fmt: skip
    assert "still needed: it_head" in run("change", "show", cid).stdout
    # the same person twice: refused, recorded
    again = run("change", "approve", cid, "--as", "dba@hospital", code=5)
    assert "already approved" in again.stderr
    log = run.json("audit", "log")
    assert log[-1]["event"]["rule"] == "approval_steps"
    run("change", "approve", cid, "--as", "reviewer@hospital")
    shown = run.json("change", "show", cid)
    assert shown["state"] == "approved" and shown["approvals"][0]["missing"] == []
    assert run.json("audit", "verify")["ok"] is True


def test_sql_error_needs_dba_and_head_and_the_page_shows_it(
    tmp_path: Path, clock: FrozenClock, run: Cli, new_change: NewChange
) -> None:
    write_config(tmp_path, STEPS)
    cid = new_change()
    sql = tmp_path / "db" / "0001.sql"
    sql.parent.mkdir()
    sql.write_text(DELETE_ALL, encoding="utf-8")
    run("sql", "review", str(sql), "--change", cid, "--as", "dev@vendor", code=1)
    risk = ("--accept-risk", "测试库清理")
    run("sql", "approve", cid, str(sql), *risk, "--as", "reviewer@hospital")
    status = run.json("sql", "status", cid)["files"][0]
    assert status["status"] == "reviewed"  # one of two groups
    assert "still needed: dba" in run("sql", "status", cid).stdout
    web = client(tmp_path, clock)
    sign_in(web, "dba@hospital", give_account(run, "dba@hospital"))
    page = web.get(f"/changes/{cid}/sql", params={"path": "db/0001.sql"})
    assert "it_head: reviewer@hospital" in page.text and "still-needed" in page.text
    assert "SQL db/0001.sql" in web.get("/queue").text  # the DBA is still needed
    head = client(tmp_path, clock)
    sign_in(head, "reviewer@hospital", give_account(run, "reviewer@hospital"))
    assert "SQL db/0001.sql" not in head.get("/queue").text  # the head already approved
    run("sql", "approve", cid, str(sql), *risk, "--as", "dba@hospital")
    status = run.json("sql", "status", cid)["files"][0]
    assert status["status"] == "approved" and status["approved_by"] == "dba@hospital"
    assert json.loads(run("audit", "verify", "--format", "json").stdout)["ok"] is True


def test_unknown_group_is_a_configuration_error(tmp_path: Path, run: Cli) -> None:
    write_config(tmp_path, '[approval.change]\ninterface = ["nobody"]\n')
    out = run("change", "list", code=6)
    assert "nobody" in out.stderr
