"""Generate a small, synthetic HIS-like git repository for the demo.

Modules: 门诊挂号 (outpatient registration), 住院医嘱 (inpatient orders), 药房 (pharmacy),
an LIS interface adapter and a report query. All data is made up.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

__all__ = ["FILES", "commit", "git", "make_repo"]

FILES: dict[str, str] = {
    "outpatient/registration.py": (
        '"""门诊挂号: register an outpatient visit."""\n\n'
        "def register(patient_id: str, dept: str) -> dict[str, str]:\n"
        '    return {"patient": patient_id, "dept": dept, "status": "registered"}\n'
    ),
    "inpatient/orders.py": (
        '"""住院医嘱: inpatient orders."""\n\n'
        "def new_order(visit_id: str, drug_code: str, dose: str) -> dict[str, str]:\n"
        '    return {"visit": visit_id, "drug": drug_code, "dose": dose}\n'
    ),
    "pharmacy/dispense.py": (
        '"""药房: dispensing."""\n\n'
        "def dispense(order: dict[str, str]) -> str:\n"
        "    return f\"dispensed {order['drug']}\"\n"
    ),
    "interfaces/lis_adapter.py": (
        '"""LIS 检验接口 adapter: maps HIS lab orders to the LIS message."""\n\n'
        "FIELDS = ['sample_no', 'item_code', 'patient_no']\n\n"
        "def to_lis(order: dict[str, str]) -> dict[str, str]:\n"
        "    return {k: order.get(k, '') for k in FIELDS}\n"
    ),
    "db/views/v_outpatient_daily.sql": (
        "-- 数据上报视图接口: 门诊日报\nCREATE OR REPLACE VIEW v_outpatient_daily AS\n"
        "SELECT dept_code, visit_date, visits, fee_total\n  FROM outpatient_daily_stat;\n"
    ),
    "reports/daily_outpatient.sql": (
        "-- 门诊日报\nSELECT dept_code, COUNT(*) AS visits\n  FROM outpatient_visit\n"
        " WHERE visit_date = TRUNC(SYSDATE)\n GROUP BY dept_code;\n"
    ),
}


def git(repo: Path, *args: str) -> str:
    """Run git in the repository with a pinned identity; return stdout."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": os.environ.get("DEMO_AUTHOR_NAME", "Zhang Wei"),
        "GIT_AUTHOR_EMAIL": os.environ.get("DEMO_AUTHOR_EMAIL", "dev@vendor"),
        "GIT_COMMITTER_NAME": "Zhang Wei",
        "GIT_COMMITTER_EMAIL": "dev@vendor",
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def commit(
    repo: Path, message: str, files: dict[str, str | bytes], author: str = "dev@vendor"
) -> str:
    """Write files and commit them with an exact message; returns the commit hash."""
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        git(repo, "add", name)
    os.environ["DEMO_AUTHOR_EMAIL"] = author
    try:
        git(repo, "commit", "-q", "-m", message)
    finally:
        os.environ.pop("DEMO_AUTHOR_EMAIL", None)
    return git(repo, "rev-parse", "HEAD").strip()


def make_repo(repo: Path) -> Path:
    """Create the repository with an initial release tagged v3.2.0."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@vendor")
    git(repo, "config", "user.name", "Zhang Wei")
    commit(repo, "HIS 3.2.0 baseline", FILES)
    git(repo, "tag", "-a", "v3.2.0", "-m", "HIS 3.2.0")
    return repo
