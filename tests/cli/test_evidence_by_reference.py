"""Test cases by reference, and `audit verify` checking every attachment the ledger names.

A report's cases go to the attachment store (gzip'd JSON Lines under their SHA-256); the
event keeps the summary, the failed cases and the reference. `evidence cases` reads them back;
`audit verify` fails (exit 4, naming the sequence and the file) when a stored file the ledger
names is missing or corrupt. Events written before, with inline cases, still verify and read.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from hischange.events import EvidenceRecorded
from hischange.project import find_project
from hischange.services.evidence import record_evidence
from tests.conftest import Cli, NewChange, Repo

CASES = 300
FAILS = (7, 150)


def _report(tmp_path: Path) -> Path:
    rows = []
    for n in range(CASES):
        name = f'classname="tests.test_lis" name="test_{n}[样本-{n % 3}]" time="0.00{n % 10}"'
        if n in FAILS:
            rows.append(
                f'<testcase {name}><failure message="assert {n} == 0">E</failure></testcase>'
            )
        else:
            rows.append(f"<testcase {name}/>")
    path = tmp_path / "junit.xml"
    path.write_text(f'<testsuite name="pytest" tests="{CASES}">{"".join(rows)}</testsuite>')
    return path


def _blobs(root: Path) -> list[Path]:
    return sorted(p for p in (root / ".hischange" / "attachments").rglob("*") if p.is_file())


def _added(run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path) -> tuple[str, str]:
    cid = new_change(kind="bugfix")
    repo.commit("work\n", {"src/a.py": "a"})
    out = run.json(
        "evidence", "add", cid, "--junit", str(_report(tmp_path)), "--env", "test",
        "--commit", repo.text("rev-parse", "HEAD"), "--as", "dev@vendor",
    )  # fmt: skip
    return cid, out["evidence"]["evidence_id"]


def test_cases_go_to_the_store_and_read_back(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """The event keeps the summary, the failures and the blob's SHA-256; the blob holds every
    case; `evidence cases` reads them (all, or the failed) in report order."""
    _cid, ev = _added(run, new_change, repo, tmp_path)
    (report,) = run.json("audit", "log")[-1]["event"]["detail"]["reports"]
    assert "cases" not in report
    assert report["totals"]["tests"] == CASES and report["totals"]["failures"] == 2
    assert [c["name"] for c in report["failed_cases"]] == ["test_7[样本-1]", "test_150[样本-0]"]
    ref = report["cases_ref"]
    assert ref["count"] == CASES and ref["encoding"] == "jsonl+gzip"
    (blob,) = _blobs(run.root)
    assert blob.name == ref["sha256"] and blob.stat().st_size == ref["size"]
    lines = gzip.decompress(blob.read_bytes()).splitlines()
    assert len(lines) == CASES and json.loads(lines[7])["outcome"] == "failed"

    listed = run.json("evidence", "cases", ev)
    assert [r["case"]["name"] for r in listed] == [f"test_{n}[样本-{n % 3}]" for n in range(CASES)]
    assert {r["report"] for r in listed} == {"junit.xml"}
    failed = run.json("evidence", "cases", ev.lower(), "--failed")
    assert [r["case"]["message"] for r in failed] == ["assert 7 == 0\nE", "assert 150 == 0\nE"]
    text = run("evidence", "cases", ev, "--failed").stdout
    assert "failed   junit.xml  tests.test_lis::test_7[样本-1]" in text and "2 case(s)" in text
    assert run.json("audit", "verify")["attachments"] == 1


def test_verify_fails_on_a_deleted_case_blob(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """Deleting the stored cases is an integrity failure naming the event and the file; the
    reader of the cases says so too (exit 4, not a traceback)."""
    _cid, ev = _added(run, new_change, repo, tmp_path)
    seq = run.json("audit", "log")[-1]["seq"]
    assert run("audit", "verify").exit_code == 0
    (blob,) = _blobs(run.root)
    blob.unlink()
    result = run("audit", "verify", code=4)
    assert f"sequence {seq}: attachment: test cases of junit.xml, sha256 {blob.name}: missing" in (
        result.stdout
    )
    problem = run.json("audit", "verify", code=4)["problems"][0]
    assert (problem["seq"], problem["damage"]) == (seq, "attachment")
    assert "missing" in run("evidence", "cases", ev, code=4).stderr


def test_verify_fails_on_a_corrupted_case_blob(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A stored blob edited in place (here: cases rewritten and re-compressed, one failure
    turned into a pass) no longer hashes to the reference: exit 4, `corrupt`."""
    _cid, ev = _added(run, new_change, repo, tmp_path)
    (blob,) = _blobs(run.root)
    text = gzip.decompress(blob.read_bytes()).replace(b'"failed"', b'"passed"')
    blob.write_bytes(gzip.compress(text))
    result = run("audit", "verify", code=4)
    assert f"sha256 {blob.name}: corrupt (does not hash to its SHA-256)" in result.stdout
    assert "corrupt" in run("evidence", "cases", ev, "--failed", code=4).stderr


def _onsite(run: Cli, cid: str, tmp_path: Path) -> Path:
    shot = tmp_path / "screen.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"LIS" * 100)
    run(
        "evidence", "record", cid, "--env", "onsite-test", "--tester", "tester@vendor",
        "--result", "pass", "--steps", "1. 开检验单", "--expected", "LIS 收到医嘱",
        "--actual", "LIS 收到医嘱", "--version", "3.2.0", "--attach", str(shot),
    )  # fmt: skip
    (blob,) = _blobs(run.root)
    return blob


def test_verify_fails_on_a_deleted_screenshot(
    run: Cli, new_change: NewChange, tmp_path: Path
) -> None:
    """Deleting an on-site test's attachment (截图) no longer leaves `ledger OK`."""
    cid = new_change()
    blob = _onsite(run, cid, tmp_path)
    seq = run.json("audit", "log")[-1]["seq"]
    assert "1 attachment (附件) present, SHA-256 checked" in run("audit", "verify").stdout
    blob.unlink()
    out = run("audit", "verify", code=4).stdout
    assert (
        f"sequence {seq}: attachment: attachment 'screen.png', sha256 {blob.name}: missing" in out
    )


def test_verify_fails_on_a_corrupted_screenshot(
    run: Cli, new_change: NewChange, tmp_path: Path
) -> None:
    """An attachment swapped for other bytes (same name, same size) is corrupt: exit 4."""
    cid = new_change()
    blob = _onsite(run, cid, tmp_path)
    data = bytearray(blob.read_bytes())
    data[-1] ^= 1
    blob.write_bytes(bytes(data))
    out = run("audit", "verify", code=4).stdout
    assert "attachment 'screen.png'" in out and "corrupt" in out


def test_old_events_with_inline_cases_still_verify_and_read(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """An evidence event as written before cases went by reference (cases inline, no
    reference) verifies with no attachment to check and reads through `evidence cases`."""
    cid = new_change(kind="bugfix")
    inline: list[dict[str, Any]] = [
        {"name": f"test_{n}", "classname": "t", "outcome": "passed", "time_ms": 1} for n in range(3)
    ]
    report = {"file_name": "old.xml", "tool": "pytest", "cases": inline}
    proj = find_project(run.root, clock=run.clock)
    try:
        item = record_evidence(
            proj,
            "dev@vendor",
            "evidence add",
            [cid],
            EvidenceRecorded(
                evidence_id="",
                change_ids=(cid,),
                kind="automated",
                commit="a" * 40,
                env="test",
                passed=True,
                summary="pytest: 3 tests",
                detail={"reports": [report]},
            ),
        )
    finally:
        proj.close()
    report = run.json("audit", "verify")
    assert report["ok"] and report["attachments"] == 0
    listed = run.json("evidence", "cases", item.evidence_id)
    assert [r["case"]["name"] for r in listed] == ["test_0", "test_1", "test_2"]
    assert run("evidence", "cases", "EV-2026-9999", code=3)
    assert "not an evidence id" in run("evidence", "cases", "CR-2026-0001", code=2).stderr
