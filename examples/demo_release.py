"""Demo steps for code custody, SQL review, releases and deployments (issues 3, 4, 6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

from sample_repo import commit, git

if TYPE_CHECKING:
    from demo import Demo

__all__ = ["custody_step", "emergency_release_step", "release_step", "sql_step"]

PYTEST_INI = "[pytest]\npythonpath = .\naddopts = -p no:cacheprovider\n"
DISPENSE_FIX = (
    '"""药房: dispensing."""\n\n'
    "from decimal import ROUND_HALF_UP, Decimal\n\n\n"
    "def dispense_quantity(dose: str, times: int) -> Decimal:\n"
    "    return (Decimal(dose) * times).quantize(Decimal('1'), rounding=ROUND_HALF_UP)\n"
)
DISPENSE_TEST = (
    "from pharmacy.dispense import dispense_quantity\n\n\n"
    "def test_rounds_half_up():\n"
    "    assert dispense_quantity('0.5', 3) == 2\n"
)
MIGRATION_BAD = (
    "-- 门诊日报增加医保结算统计 (GBK 编码)\n"
    "DELETE FROM outpatient_daily_stat;\n"
    "ALTER TABLE outpatient_daily_stat ADD (insurance_total NUMBER(12,2) DEFAULT 0);\n"
)
MIGRATION_FIXED = MIGRATION_BAD.replace(
    "DELETE FROM outpatient_daily_stat;\n",
    "DELETE FROM outpatient_daily_stat\n"
    " WHERE visit_date < DATE '2020-01-01' AND dept_code = 'TEMP';\n",
)
ROLLBACK = (
    "-- 回退脚本\n-- hischange: disable=HC106 回退脚本删除本次新增的列, 数据可由结算表重算\n"
    "ALTER TABLE outpatient_daily_stat DROP (insurance_total);\n"
)
VIEW_BAD = (
    "-- 数据上报视图接口: 门诊日报\nCREATE OR REPLACE VIEW v_outpatient_daily AS\n"
    "SELECT dept_code, visit_date, visits, insurance_total\n  FROM outpatient_daily_stat;\n"
)
VIEW_FIXED = VIEW_BAD.replace("visits, insurance_total", "visits, fee_total, insurance_total")
VIEW_ROLLBACK = VIEW_BAD.replace("visits, insurance_total", "visits, fee_total").replace(
    "-- 数据上报视图接口", "-- 回退: 恢复 3.2 版视图定义"
)
SQL_FILES = (
    "db/2026-11/0002_report.sql",
    "db/2026-11/0002_report.rollback.sql",
    "db/views/v_outpatient_daily.sql",
    "db/views/v_outpatient_daily.rollback.sql",
)


def _pytest(demo: Demo, cid: str) -> None:
    print(f"$ pytest -q --hischange-change {cid} tests")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--hischange-change", cid, "tests"],
        cwd=demo.repo,
        env={**os.environ, "HISCHANGE_USER": "ci@vendor",
             "HISCHANGE_SIGNING_KEY": str(demo.keys["ci@vendor"])},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    print("  " + (proc.stdout + proc.stderr).rstrip().replace("\n", "\n  "))
    if proc.returncode != 0:
        raise SystemExit(f"demo failed: pytest exited {proc.returncode}")


def emergency_release_step(demo: Demo, ids: dict[str, str]) -> None:
    """The emergency fix ships before approval, in its own patch release."""
    fix = ids["fix"]
    demo.step("emergency fix (紧急变更): started before approval, flagged")
    demo.run("change", "start", fix, "--as", "dev@vendor")
    commit(
        demo.repo,
        f"药房: 发药数量按四舍五入取整\n\nHIS-Change: {fix}\n",
        {"pytest.ini": PYTEST_INI, "pharmacy/dispense.py": DISPENSE_FIX,
         "tests/test_dispense.py": DISPENSE_TEST},
    )  # fmt: skip
    demo.run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    _pytest(demo, fix)
    demo.run("change", "ready", fix, "--as", "dev@vendor")
    demo.step("release 3.2.1: the cut says loudly that an unapproved emergency change is inside")
    demo.run("release", "cut", "--from", "v3.2.0", "--as", "release@vendor")
    for env in ("test", "production"):
        demo.run(
            "deploy", "record", "3.2.1", "--env", env, "--site", "总院",
            "--operator", "ops@vendor", "--result", "success", "--as", "ops@vendor",
        )  # fmt: skip
    demo.run("change", "list", "--overdue")


def custody_step(demo: Demo, ids: dict[str, str]) -> None:
    """Issue 3: the hook, a commit that names no change, the gate, the fix."""
    demo.step(
        "custody (程序保管): install the commit-msg hook; it refuses a message without a change"
    )
    demo.run("hook", "install")
    (demo.repo / "outpatient" / "registration.py").write_text(
        '"""门诊挂号: register an outpatient visit."""\n\nimport logging\n\n'
        "LOG = logging.getLogger(__name__)\n", encoding="utf-8",
    )  # fmt: skip
    git(demo.repo, "add", "outpatient/registration.py")
    refused = subprocess.run(
        ["git", "commit", "-q", "-m", "门诊挂号: 调整日志级别"], cwd=demo.repo,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    print("$ git commit -m '门诊挂号: 调整日志级别'")
    print("  " + (refused.stdout + refused.stderr).strip().replace("\n", "\n  "))
    print(f"  (exit {refused.returncode}: refused by the hook)")
    print("$ git commit --no-verify -m '门诊挂号: 调整日志级别'   # the escape hatch")
    git(demo.repo, "commit", "-q", "--no-verify", "-m", "门诊挂号: 调整日志级别")
    demo.step("the gate catches what slipped past the hook")
    demo.run("custody", "check", "v3.2.1..HEAD", expect=1)
    demo.step("fixed: the commit names the LIS change it belongs to; the gate passes")
    git(demo.repo, "commit", "-q", "--amend", "-m",
        f"门诊挂号: 调整日志级别\n\nHIS-Change: {ids['lis']}")  # fmt: skip
    demo.run("custody", "check", "v3.2.1..HEAD")
    demo.run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")


def sql_step(demo: Demo, ids: dict[str, str]) -> None:
    """Issue 4: a GBK migration with a DELETE without WHERE and a view that drops a column."""
    report = ids["report"]
    demo.run("change", "start", report, "--as", "dev@vendor")
    demo.step("SQL review (SQL 审核): a GBK-encoded migration and a changed view interface")
    commit(
        demo.repo,
        f"报表: 门诊日报增加医保结算统计\n\nHIS-Change: {report}\n",
        {"db/2026-11/0002_report.sql": MIGRATION_BAD.encode("gbk"),
         "db/2026-11/0002_report.rollback.sql": ROLLBACK,
         "db/views/v_outpatient_daily.sql": VIEW_BAD},
    )  # fmt: skip
    demo.run("sql", "review", "--range", "v3.2.1..HEAD", "--dialect", "oracle", expect=1)
    demo.step("fixed: DELETE bounded by WHERE, the view keeps fee_total; reviewed and approved")
    commit(
        demo.repo,
        f"报表: 修正迁移脚本与视图\n\nHIS-Change: {report}\n",
        {"db/2026-11/0002_report.sql": MIGRATION_FIXED.encode("gbk"),
         "db/views/v_outpatient_daily.sql": VIEW_FIXED,
         "db/views/v_outpatient_daily.rollback.sql": VIEW_ROLLBACK},
    )  # fmt: skip
    demo.run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    demo.run("sql", "review", "--range", "v3.2.1..HEAD", "--dialect", "oracle",
             "--change", report, "--as", "dev@vendor")  # fmt: skip
    for name in SQL_FILES:
        demo.run("sql", "approve", report, name, "--as", "dba@hospital")
    demo.run("sql", "status", report)
    _pytest(demo, report)
    demo.run("change", "ready", report, "--as", "dev@vendor")


def release_step(demo: Demo, ids: dict[str, str]) -> None:
    """Issue 6: cut, notes, artifact, deploy, verify the artifact, roll back, close."""
    demo.step("release (版本): cut 3.3.0; the version is chosen from the changes inside")
    demo.run("release", "cut", "--from", "v3.2.1", "--as", "release@vendor")
    demo.run("release", "notes", "3.3.0", "--format", "md", "--lang", "zh")
    dist = demo.repo.parent / "dist"
    dist.mkdir(exist_ok=True)
    war = dist / "his-outpatient-3.3.0.war"
    war.write_bytes(b"PK\x03\x04 synthetic his-outpatient 3.3.0 package")
    demo.run("release", "attach", "3.3.0", str(war), "--as", "release@vendor")
    demo.step("deploy (部署): test first, then production at 总院 through the bastion host")
    demo.run("deploy", "record", "3.3.0", "--env", "test", "--site", "总院",
             "--operator", "ops@vendor", "--result", "success", "--as", "ops@vendor")  # fmt: skip
    demo.run("deploy", "record", "3.3.0", "--env", "production", "--site", "总院",
             "--operator", "ops@vendor", "--result", "success",
             "--bastion-session", "BH-20261125-07", "--as", "ops@vendor")  # fmt: skip
    demo.step("the hospital checks that what runs is what was released")
    demo.run("artifact", "verify", str(war))
    tampered = dist / "his-outpatient-3.3.0-patched.war"
    tampered.write_bytes(war.read_bytes() + b" hot patch")
    demo.run("artifact", "verify", str(tampered), expect=1)
    demo.step("rollback (回退): 医保结算异常, production goes back to 3.2.1")
    demo.run("deploy", "rollback", "3.3.0", "--env", "production", "--to", "3.2.1",
             "--reason", "医保结算异常", "--as", "ops@vendor")  # fmt: skip
    demo.run("change", "list")
    demo.step(
        "the emergency fix: verified by the hospital, approved retroactively, reviewed, closed"
    )
    fix = ids["fix"]
    demo.run("change", "verify", fix, "--as", "reviewer@hospital", "--note", "药房核对发药数量正确")
    demo.run("change", "close", fix, "--as", "reviewer@hospital", expect=5)
    demo.run("change", "approve", fix, "--as", "reviewer@hospital", "--comment", "事后补批")
    demo.run("change", "review", fix, "--pir", "根因: 取整方式错误; 已补单元测试",
             "--as", "reviewer@hospital")  # fmt: skip
    shown = json.loads(demo.run("change", "show", fix, "--format", "json", show=False))
    print(f"  {fix} is {shown['state']}")
