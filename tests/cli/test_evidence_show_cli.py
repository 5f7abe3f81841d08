"""Evidence an assessor can read (issue 14): `evidence show` prints every recorded field,
`evidence extract` writes the attachments with their SHA-256 checked, and `evidence list`
shows the verdict recorded when the change went ready apart from today's recomputation."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from tests.cli.test_evidence_cli import PASSING, _file, _link, _started
from tests.conftest import Cli, NewChange, Repo

W = ("--as", "tester@hospital")


def _onsite(run: Cli, new_change: NewChange, tmp_path: Path) -> tuple[str, dict[str, bytes]]:
    """An on-site record with steps, results, an anomaly and two screenshots of one name."""
    cid = _started(run, new_change)
    outside = tmp_path.parent / f"{tmp_path.name}-files"
    shots = {
        "a/截图.png": b"\x89PNG first screenshot",
        "b/截图.png": b"\x89PNG second screenshot",
    }
    paths = [str(_file(outside, name, data)) for name, data in shots.items()]
    steps = _file(outside, "steps.md", "1. 门诊开立检验医嘱\n2. LIS 查看医嘱\n")
    run(
        "evidence", "record", cid, "--result", "pass", "--steps", str(steps),
        "--expected", "LIS 收到医嘱", "--actual", "LIS 收到医嘱，样本号正确", "--anomaly",
        "打印稍慢", "--version", "3.3.0", "--commit", "a" * 40, "--date", "2026-11-02 09:30",
        "--attach", paths[0], "--attach", paths[1], *W,
    )  # fmt: skip
    return cid, shots


def test_show_prints_every_field_of_an_onsite_test(
    run: Cli, new_change: NewChange, tmp_path: Path
) -> None:
    cid, shots = _onsite(run, new_change, tmp_path)
    out = run("evidence", "show", "ev-2026-0001").stdout
    for text in (
        "EV-2026-0001  onsite  PASS  for " + cid,
        "tester 测试人: tester@hospital",
        "tested 测试日期: 2026-11-02T09:30:00+08:00",  # typed in site time, kept with its zone
        "1. 门诊开立检验医嘱",
        "2. LIS 查看医嘱",
        "expected 预期结果: LIS 收到医嘱",
        "actual 实际结果: LIS 收到医嘱，样本号正确",
        "- 打印稍慢",
        "attachments 附件: 2",
    ):
        assert text in out, (text, out)
    for data in shots.values():
        assert f"sha256 {hashlib.sha256(data).hexdigest()}  [stored, SHA-256 ok]" in out
    data = run.json("evidence", "show", "EV-2026-0001")
    assert data["detail"]["expected_result"] == "LIS 收到医嘱"
    assert [a["stored"] for a in data["attachments"]] == ["ok", "ok"]


def test_show_lists_every_case_of_a_report(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    cid = _started(run, new_change)
    _link(run, repo, cid, "lis")
    report = _file(tmp_path.parent, f"{tmp_path.name}-junit.xml", PASSING)
    run("evidence", "add", cid, "--junit", str(report), "--env", "test", *W)
    out = run("evidence", "show", "EV-2026-0001").stdout
    assert "tests.test_lis::test_字段映射" in out and "tests.test_lis::test_sample_no" in out
    assert "2 tests: 2 passed, 0 failures" in out
    cases = run.json("evidence", "show", "EV-2026-0001")["detail"]["reports"][0]["cases"]
    assert [c["name"] for c in cases] == ["test_字段映射", "test_sample_no"]


def test_extract_checks_each_sha256_and_refuses_naming_the_bad_one(
    run: Cli, new_change: NewChange, tmp_path: Path
) -> None:
    _cid, shots = _onsite(run, new_change, tmp_path)
    target = tmp_path.parent / f"{tmp_path.name}-out"
    data = run.json("evidence", "extract", "EV-2026-0001", "--to", str(target))
    names = [name for name, _ in data["files"]]
    first, second = (hashlib.sha256(b).hexdigest() for b in shots.values())
    assert names == ["截图.png", f"截图-{second[:8]}.png"]
    assert (target / names[0]).read_bytes() == b"\x89PNG first screenshot"
    assert (target / names[1]).read_bytes() == b"\x89PNG second screenshot"
    # never over a file already there
    out = run("evidence", "extract", "EV-2026-0001", "--to", str(target), code=2)
    assert "截图.png" in out.stderr

    store = tmp_path / ".hischange" / "attachments"
    (store / second[:2] / second).write_bytes(b"\x89PNG edited")
    fresh = tmp_path.parent / f"{tmp_path.name}-fresh"
    out = run("evidence", "extract", "EV-2026-0001", "--to", str(fresh), code=4)
    assert f"截图.png (sha256 {second[:16]}…) is altered" in out.stderr
    assert first[:16] not in out.stderr
    assert not fresh.exists()  # nothing written
    assert "[ALTERED]" in run("evidence", "show", "EV-2026-0001").stdout
    (store / first[:2] / first).unlink()
    out = run("evidence", "extract", "EV-2026-0001", "--to", str(fresh), code=4)
    assert "is missing" in out.stderr and "is altered" in out.stderr

    assert "no evidence EV-2026-0042" in run("evidence", "show", "EV-2026-0042", code=3).stderr
    assert "not an evidence id" in run("evidence", "show", "CR-2026-0001", code=2).stderr


def test_recorded_verdict_stands_apart_from_todays_recomputation_without_git(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    cid = new_change(kind="bugfix")
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital")
    run("change", "start", cid, "--as", "dev@vendor")
    _link(run, repo, cid, "fix")
    repo.commit("docs", {"README.md": "HIS 3.3\n"})  # evidence on HEAD, a descendant
    report = _file(tmp_path.parent, f"{tmp_path.name}-junit.xml", PASSING)
    run("evidence", "add", cid, "--junit", str(report), "--env", "test", "--as", "dev@vendor")
    run("change", "ready", cid, "--as", "dev@vendor")
    with_git = run("evidence", "list", cid).stdout
    assert "current  [used when it went ready]" in with_git
    assert "today's recomputation (今日复核): evidence suffices" in with_git

    shutil.rmtree(tmp_path / ".git")  # the project folder copied without its repository
    out = run("evidence", "list", cid).stdout
    verdict = "recorded verdict (记录的结论): ready (待发布) at 2026-11-02 16:00 CST by dev@vendor"
    assert f"{verdict} on EV-2026-0001" in out
    assert "STALE" not in out and "not ready" not in out
    assert "UNCHECKED  [used when it went ready]" in out
    assert "no git repository here, so ancestry is unchecked): would not suffice now" in out
    data = run.json("evidence", "list", cid)
    assert data["recorded"]["evidence"] == ["EV-2026-0001"]
    assert data["git"] is False and data["items"][0]["checked"] is False
    shown = run("change", "show", cid).stdout
    assert "today UNCHECKED" in shown and "STALE" not in shown
    assert f"{verdict.replace(' (待发布)', '')} on EV-2026-0001" in shown
