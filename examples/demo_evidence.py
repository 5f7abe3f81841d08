"""Demo step for test evidence (测试记录): the pytest plugin, an on-site record, staleness.

``evidence_step(demo, ids)`` runs after the foundation steps (changes registered and
approved). It adds a small pytest suite to the sample repository, links the commits with
``custody scan``, records a pytest run with the plugin and an on-site test record with a
screenshot, then shows ``change ready`` refused after a newer commit makes that evidence
stale, and accepted once the change is tested again on its latest commit.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from typing import TYPE_CHECKING

from sample_repo import commit, git

if TYPE_CHECKING:
    from demo import Demo

__all__ = ["evidence_step"]

PYTEST_INI = "[pytest]\npythonpath = .\naddopts = -p no:cacheprovider\n"
ADAPTER_V1 = (
    '"""LIS 检验接口 adapter: maps HIS lab orders to the LIS message."""\n\n'
    "FIELDS = ['sample_no', 'item_code', 'patient_no']\n\n\n"
    "def to_lis(order: dict[str, str]) -> dict[str, str]:\n"
    "    return {k: str(order.get(k, '')).strip() for k in FIELDS}\n"
)
ADAPTER_V2 = ADAPTER_V1.replace(
    "    return {k: str(order.get(k, '')).strip() for k in FIELDS}\n",
    "    out = {k: str(order.get(k, '')).strip() for k in FIELDS}\n"
    "    if out['patient_no']:\n"
    "        out['patient_no'] = out['patient_no'].zfill(10)  # LIS expects 10 digits\n"
    "    return out\n",
)
TESTS_V1 = (
    "from interfaces.lis_adapter import FIELDS, to_lis\n\n\n"
    "def test_fields_in_lis_order():\n"
    "    assert list(to_lis({})) == FIELDS\n\n\n"
    "def test_sample_no_is_trimmed():\n"
    "    assert to_lis({'sample_no': ' S0001 '})['sample_no'] == 'S0001'\n\n\n"
    "def test_missing_field_is_empty():\n"
    "    assert to_lis({'item_code': 'GLU'})['patient_no'] == ''\n"
)
TESTS_V2 = TESTS_V1 + (
    "\n\ndef test_patient_no_is_padded():\n"
    "    assert to_lis({'patient_no': '12345'})['patient_no'] == '0000012345'\n"
)
STEPS = (
    "1. 门诊开检验单 (血糖), 样本号带空格\n2. 检验科 LIS 接收医嘱\n3. 核对 LIS 中的样本号与患者号\n"
)


def _state(demo: Demo, cid: str) -> str:
    out = demo.run("change", "show", cid, "--format", "json", show=False)
    return str(json.loads(out)["state"])


def _pytest(demo: Demo, cid: str) -> None:
    """Run the sample repository's suite with the plugin, as CI would."""
    args = ["-q", "--hischange-change", cid, "tests"]
    print(f"$ pytest {' '.join(shlex.quote(a) for a in args)}")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=demo.repo,
        env={
            **os.environ,
            "HISCHANGE_USER": "ci@vendor",
            "HISCHANGE_SIGNING_KEY": str(demo.keys["ci@vendor"]),
        },  # CI's own key
        capture_output=True,
        text=True,
        check=False,
    )
    out = (proc.stdout + proc.stderr).rstrip()
    print("  " + out.replace("\n", "\n  "))
    if proc.returncode != 0:
        raise SystemExit(f"demo failed: pytest exited {proc.returncode}")


def _onsite(demo: Demo, cid: str, sha: str) -> None:
    work = demo.repo.parent
    steps = work / "lis-onsite-steps.md"
    steps.write_text(STEPS, encoding="utf-8")
    shot = work / "LIS 样本号核对.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"synthetic screenshot, no patient data")
    print("  (the on-site test is recorded by the hospital's tester, with their own key)")
    demo.run(
        "evidence", "record", cid, "--env", "onsite-test", "--tester", "tester@hospital",
        "--result", "pass", "--steps", str(steps), "--expected", "LIS 收到医嘱, 样本号无空格",
        "--actual", "LIS 收到医嘱, 样本号 S0001", "--attach", str(shot), "--commit", sha,
        "--as", "tester@hospital",
    )  # fmt: skip


def evidence_step(demo: Demo, ids: dict[str, str]) -> None:
    """Issue 5: evidence bound to commits; `change ready` refused until it is current."""
    lis = ids["lis"]
    if _state(demo, lis) == "approved":
        demo.run("change", "start", lis, "--as", "dev@vendor")

    demo.step("test evidence: the LIS change gets a pytest suite; the plugin records the run")
    commit(
        demo.repo,
        f"LIS 接口: 样本号去空格, 增加接口测试\n\nHIS-Change: {lis}\n",
        {"pytest.ini": PYTEST_INI, "interfaces/lis_adapter.py": ADAPTER_V1,
         "tests/test_lis_adapter.py": TESTS_V1},
    )  # fmt: skip
    demo.run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    _pytest(demo, lis)

    demo.step("on-site test record (现场测试记录) with a screenshot, bound to the tested commit")
    _onsite(demo, lis, git(demo.repo, "rev-parse", "HEAD").strip())
    demo.run("evidence", "list", lis)

    demo.step("on-site feedback brings a newer commit: the evidence is stale, ready is refused")
    commit(
        demo.repo,
        f"LIS 接口: 患者号补足 10 位\n\nHIS-Change: {lis}\n",
        {"interfaces/lis_adapter.py": ADAPTER_V2, "tests/test_lis_adapter.py": TESTS_V2},
    )
    demo.run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    state = _state(demo, lis)
    if state != "in_progress":
        print(f"  ({lis} is {state}, not in_progress: `change ready` is skipped)")
        return
    demo.run("change", "ready", lis, "--as", "dev@vendor", expect=5)

    demo.step("tested again on the latest commit: the change is ready (待发布)")
    _pytest(demo, lis)
    _onsite(demo, lis, git(demo.repo, "rev-parse", "HEAD").strip())
    demo.run("change", "ready", lis, "--as", "dev@vendor")
    demo.run("change", "show", lis)
