"""SQL review through the CLI: review, record, approve, stale, range with views (HC140)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli, NewChange, Repo

DELETE_ALL = "-- 删除全部门诊记录\nDELETE FROM outpatient_visit;\n"
VIEW = "CREATE OR REPLACE VIEW v_report AS SELECT {} FROM t;\n"
SAFE = "UPDATE outpatient_visit SET status = 'X' WHERE visit_id = 1;\n"


def _write(root: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def test_review_gbk_file_finds_delete_without_where(run: Cli, tmp_path: Path) -> None:
    """A GBK script is decoded (HC001 info) and DELETE without WHERE is an error: exit 1."""
    _write(tmp_path, "db/0001.sql", DELETE_ALL, "gbk")
    result = run("sql", "review", str(tmp_path / "db/0001.sql"), "--dialect", "oracle", code=1)
    assert "HC101" in result.stdout and "HC001" in result.stdout
    data = run.json("sql", "review", str(tmp_path / "db/0001.sql"), code=1)
    assert data["files"][0]["encoding"] == "gb18030"
    assert data["files"][0]["path"] == "db/0001.sql"


def test_clean_file_exit_0_and_sarif(run: Cli, tmp_path: Path) -> None:
    """A clean script exits 0; --format sarif is a SARIF 2.1.0 log."""
    _write(tmp_path, "db/0002.sql", SAFE)
    _write(tmp_path, "db/0002.rollback.sql", SAFE)
    run("sql", "review", str(tmp_path / "db/0002.sql"))
    sarif = json.loads(
        run("sql", "review", str(tmp_path / "db/0002.sql"), "--format", "sarif").stdout
    )
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["tool"]["driver"]["name"] == "hischange"


def test_review_record_approve_and_stale(run: Cli, new_change: NewChange, tmp_path: Path) -> None:
    """A recorded review, an approval needing --accept-risk, then an edit makes it stale."""
    cid = new_change()
    path = _write(tmp_path, "db/0001.sql", DELETE_ALL)
    run("sql", "review", str(path), "--change", cid, "--as", "dev@vendor", code=1)
    assert run.json("sql", "status", cid)["files"][0]["status"] == "reviewed"
    refused = run("sql", "approve", cid, str(path), "--as", "dba@hospital", code=5)
    assert "--accept-risk" in refused.stderr
    run("sql", "approve", cid, str(path), "--as", "dev@vendor", code=5)
    run(
        "sql",
        "approve",
        cid,
        str(path),
        "--as",
        "dba@hospital",
        "--accept-risk",
        "已备份, 维护窗口",
    )
    status = run.json("sql", "status", cid)["files"][0]
    assert (status["status"], status["approved_by"]) == ("approved", "dba@hospital")
    path.write_text(DELETE_ALL + "DELETE FROM drug_stock;\n", encoding="utf-8")
    assert run.json("sql", "status", cid)["files"][0]["status"] == "stale_approval"
    result = run(
        "sql", "approve", cid, str(path), "--as", "dba@hospital", "--accept-risk", "x", code=5
    )
    assert "changed since its review" in result.stderr
    assert run.json("audit", "verify")["ok"]


def test_approve_unreviewed_file_refused(run: Cli, new_change: NewChange, tmp_path: Path) -> None:
    """Approving a file that was never reviewed for the change is refused."""
    cid = new_change()
    path = _write(tmp_path, "db/x.sql", SAFE)
    assert (
        "never reviewed"
        in run("sql", "approve", cid, str(path), "--as", "dba@hospital", code=5).stderr
    )


def test_approver_who_authored_the_file_is_refused(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """An approver who committed the file may not approve it (separation of duties)."""
    cid = new_change()
    repo.commit("add sql", {"db/a.sql": SAFE}, author="dba@hospital")
    run("sql", "review", str(repo.path / "db/a.sql"), "--change", cid, "--as", "dev@vendor")
    result = run("sql", "approve", cid, str(repo.path / "db/a.sql"), "--as", "dba@hospital", code=5)
    assert "authored" in result.stderr


def test_range_review_flags_view_that_drops_a_column(run: Cli, repo: Repo) -> None:
    """--range compares each view with its definition at the base: a dropped column is HC140."""
    repo.commit(
        "view v1",
        {"db/v_report.sql": VIEW.format("dept_code, visits, fee")},
    )
    repo.text("tag", "-a", "v3.3.0", "-m", "3.3.0")
    repo.commit(
        "view v2",
        {"db/v_report.sql": VIEW.format("dept_code, visits, amount")},
    )
    result = run("sql", "review", "--range", "v3.3.0..HEAD", "--dialect", "oracle", code=1)
    assert "HC140" in result.stdout and "fee" in result.stdout.lower()
    repo.commit(
        "view v3 keeps fee",
        {"db/v_report.sql": VIEW.format("dept_code, visits, fee, amount")},
    )
    ok = run.json("sql", "review", "--range", "v3.3.0..HEAD", "--dialect", "oracle")
    codes = [f["code"] for f in ok["files"][0]["findings"]]
    assert "HC140" in codes  # the added column is reported as info
    assert all(f["severity"] == "info" for f in ok["files"][0]["findings"] if f["code"] == "HC140")


def test_files_and_range_together_is_usage_error(run: Cli, repo: Repo) -> None:
    """Files and --range are exclusive."""
    run("sql", "review", "x.sql", "--range", "v3.2.0..HEAD", code=2)


def test_missing_file_is_not_found(run: Cli, tmp_path: Path) -> None:
    """A missing SQL file exits 3 with its path."""
    assert "nope.sql" in run("sql", "review", str(tmp_path / "nope.sql"), code=3).stderr


def test_failed_review_prints_its_report_once(run: Cli, tmp_path: Path) -> None:
    """An SQL review with an error finding exits 1 with its report, and no
    `error [gate_failed]` line repeating the verdict on stderr."""
    path = _write(tmp_path, "db/0001.sql", DELETE_ALL)
    result = run("sql", "review", str(path), "--dialect", "oracle", code=1)
    assert "HC101" in result.stdout
    assert "gate_failed" not in result.stderr and "error" not in result.stderr
