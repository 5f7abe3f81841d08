"""Test evidence through the CLI: reports, on-site records, staleness, `change ready`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROLES, Cli, NewChange, Repo

PASSING = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="2" failures="0" errors="0" skipped="0">
<testcase classname="tests.test_lis" name="test_字段映射" time="0.010"/>
<testcase classname="tests.test_lis" name="test_sample_no" time="0.020"/>
</testsuite></testsuites>
"""
FAILING = """<?xml version="1.0" encoding="utf-8"?>
<testsuite name="pytest" tests="1" failures="1">
<testcase classname="tests.test_lis" name="test_patient_no" time="0.010">
<failure message="assert 'P001' == 'P002'">AssertionError</failure></testcase>
</testsuite>
"""
ZERO = '<?xml version="1.0"?><testsuite name="pytest" tests="0"></testsuite>\n'
HOSTILE = {
    "xxe": '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
    '<testsuite><testcase name="&x;"/></testsuite>',
    "billion-laughs": '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "lol">'
    + "".join(f'<!ENTITY a{i} "{"&a;" * 10}">' for i in range(5))
    + ']><testsuite name="&a4;"/>',
    "malformed": '<?xml version="1.0"?><testsuite><testcase name="x">',
    "not-junit": '<?xml version="1.0"?><project><dependency/></project>',
    "empty": "",
}


def _file(root: Path, name: str, text: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def _events(run: Cli) -> int:
    return len(run.json("audit", "log"))


def _started(run: Cli, new_change: NewChange, kind: str = "interface") -> str:
    cid = new_change(kind=kind)
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital")
    run("change", "start", cid, "--as", "dev@vendor")
    return cid


def _link(run: Cli, repo: Repo, cid: str, name: str) -> str:
    """Commit a file naming the change by trailer and link it with custody scan."""
    sha = repo.commit(f"work on {name}\n\nHIS-Change: {cid}\n", {f"src/{name}.py": name})
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    return sha


def test_add_binds_head_and_lists_current(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A passing report is recorded for HEAD, passing, and listed as current."""
    cid = new_change()
    report = _file(tmp_path, "build/TEST-lis.xml", PASSING)
    data = run.json(
        "evidence", "add", cid, "--junit", str(report), "--env", "test", "--as", "ci@vendor"
    )
    head = repo.text("rev-parse", "HEAD")
    assert data["evidence"]["commit"] == head
    assert data["evidence"]["passed"] is True
    assert data["evidence"]["evidence_id"] == "EV-2026-0001"
    assert data["evidence"]["summary"].startswith("pytest: 2 tests, 0 failures")
    listing = run.json("evidence", "list", cid)
    assert [(i["evidence_id"], i["stale"]) for i in listing["items"]] == [("EV-2026-0001", False)]
    assert "no linked commits" in listing["items"][0]["why"]
    assert run.json("audit", "verify")["ok"]


def test_glob_of_reports_and_one_event(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """`--junit a.xml b.xml` (a shell glob) imports both into ONE event for two changes."""
    first, second = new_change(), new_change()
    a = _file(tmp_path, "r/a.xml", PASSING)
    b = _file(tmp_path, "r/b.xml", FAILING)
    before = _events(run)
    out = run("evidence", "add", first, second, "--junit", str(a), str(b), "--env", "test")
    assert "NOT passing" in out.stdout
    assert _events(run) == before + 1
    for cid in (first, second):
        items = run.json("evidence", "list", cid)["items"]
        assert len(items) == 1 and items[0]["passed"] is False
        assert "1 failure," in items[0]["summary"]


def test_zero_test_report_recorded_but_not_passing(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A report with 0 tests is recorded as evidence of nothing and said so."""
    cid = new_change()
    out = run(
        "evidence", "add", cid, "--junit", str(_file(tmp_path, "z.xml", ZERO)), "--env", "test"
    )
    assert "0 tests" in out.stdout and "NOT passing" in out.stdout
    assert run.json("evidence", "list", cid)["items"][0]["passed"] is False


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_reports_record_nothing(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, name: str
) -> None:
    """XXE, billion laughs, malformed, non-JUnit and empty files: exit 2, nothing recorded."""
    cid = new_change()
    path = _file(tmp_path, f"{name}.xml", HOSTILE[name])
    before = _events(run)
    result = run("evidence", "add", cid, "--junit", str(path), "--env", "test", code=2)
    assert f"{name}.xml" in result.stderr
    assert _events(run) == before


def test_unknown_change_and_missing_report_record_nothing(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """An unknown change or a missing report exits 3; an unknown env exits 2; nothing recorded."""
    cid = new_change()
    report = _file(tmp_path, "ok.xml", PASSING)
    before = _events(run)
    assert (
        "CR-2026-0999"
        in run(
            "evidence", "add", "CR-2026-0999", "--junit", str(report), "--env", "test", code=3
        ).stderr
    )
    run("evidence", "add", cid, "--junit", str(tmp_path / "gone.xml"), "--env", "test", code=3)
    bad_env = run("evidence", "add", cid, "--junit", str(report), "--env", "moon", code=2)
    assert "onsite-test" in bad_env.stderr
    run("evidence", "add", cid, "not-a-change", "--env", "test", code=2)
    assert _events(run) == before


def test_outside_git_needs_commit(run: Cli, new_change: NewChange, tmp_path: Path) -> None:
    """Without a repository, --commit is required; with it the evidence binds to it."""
    cid = new_change()
    report = _file(tmp_path, "ok.xml", PASSING)
    before = _events(run)
    result = run("evidence", "add", cid, "--junit", str(report), "--env", "test", code=2)
    assert "--commit" in result.stderr
    assert _events(run) == before
    data = run.json(
        "evidence", "add", cid, "--junit", str(report), "--env", "test", "--commit", "ABCDEF1234"
    )
    assert data["evidence"]["commit"] == "abcdef1234"


def test_staleness_after_new_linked_commit_and_ready(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """Evidence goes stale when a newer commit is linked; ready is refused until it is current."""
    cid = _started(run, new_change, kind="bugfix")
    first = _link(run, repo, cid, "fix1")
    report = _file(tmp_path, "ok.xml", PASSING)
    run("evidence", "add", cid, "--junit", str(report), "--env", "test")
    assert run.json("evidence", "list", cid)["items"][0]["stale"] is False
    second = _link(run, repo, cid, "fix2")
    listing = run.json("evidence", "list", cid)
    assert listing["latest_commit"] == second
    item = listing["items"][0]
    assert (item["commit"], item["stale"]) == (first, True)
    assert second[:8] in item["why"]
    assert "STALE" in run("change", "show", cid).stdout
    shown = run.json("change", "show", cid)["evidence_status"]
    assert [(s["evidence_id"], s["stale"]) for s in shown] == [(item["evidence_id"], True)]
    refused = run("change", "ready", cid, "--as", "dev@vendor", code=5)
    assert "is not ready" in refused.stderr and "stale" in refused.stderr
    assert first[:8] in refused.stderr
    assert run.json("audit", "log")[-1]["event"]["type"] == "command_refused"
    # A commit that does not name the change but descends from its latest: still current.
    descendant = repo.commit("docs", {"docs/x.md": "x"})
    run("evidence", "add", cid, "--junit", str(report), "--env", "test")
    listing = run.json("evidence", "list", cid)
    assert listing["items"][-1]["commit"] == descendant and not listing["items"][-1]["stale"]
    assert listing["problems"] == []
    assert run.json("change", "ready", cid, "--as", "dev@vendor")["state"] == "ready"
    assert run.json("audit", "verify")["ok"]


def test_ready_names_every_missing_kind_and_failure_blocks(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A customization needs automated AND on-site evidence; a newer failure blocks."""
    cid = _started(run, new_change, kind="customization")
    refused = run("change", "ready", cid, "--as", "dev@vendor", code=5)
    assert "no passing automated test evidence" in refused.stderr
    assert "no passing on-site test record (现场测试记录)" in refused.stderr
    run("evidence", "add", cid, "--junit", str(_file(tmp_path, "ok.xml", PASSING)), "--env", "test")
    run(
        "evidence", "add", cid, "--junit", str(_file(tmp_path, "bad.xml", FAILING)), "--env", "test"
    )
    run(
        "evidence",
        "record",
        cid,
        "--tester",
        "tester@vendor",
        "--result",
        "pass",
        "--steps",
        "1. 开单 2. 发送到 LIS",
        "--expected",
        "LIS 收到",
        "--actual",
        "LIS 收到",
        "--commit",
        repo.text("rev-parse", "HEAD"),
    )
    blocked = run("change", "ready", cid, "--as", "dev@vendor", code=5)
    assert "did not pass after the last passing" in blocked.stderr
    assert "on-site" not in blocked.stderr
    run("evidence", "add", cid, "--junit", str(tmp_path / "ok.xml"), "--env", "test")
    run("change", "ready", cid, "--as", "dev@vendor")


def test_ready_refused_in_wrong_state(run: Cli, new_change: NewChange) -> None:
    """`change ready` on a change not in progress is refused by the state machine."""
    cid = new_change(kind="bugfix")
    assert "cannot move from draft to ready" in run("change", "ready", cid, code=5).stderr


def test_onsite_record_with_hostile_attachment_names(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """Attachments land under attachments/ by SHA-256 only, whatever their names."""
    cid = new_change()
    outside = tmp_path / "outside"
    traversal = _file(outside, "etc/passwd", "root:x:0:0\n")
    windows = _file(outside, "C:\\Windows\\x.dll", b"MZ\x90\x00")
    (outside / "x").mkdir()
    steps = _file(tmp_path, "steps.md", "1. 挂号\n2. 开检验单\n")
    data = run.json(
        "evidence",
        "record",
        cid,
        "--env",
        "onsite-test",
        "--tester",
        "tester@vendor",
        "--result",
        "fail",
        "--steps",
        str(steps),
        "--expected",
        "LIS 收到医嘱",
        "--actual",
        "LIS 未收到",
        "--anomaly",
        "样本号为空",
        "--version",
        "3.2.0",
        "--attach",
        str(outside / "x" / ".." / "etc" / "passwd"),
        "--attach",
        str(windows),
    )
    ev = data["evidence"]
    assert ev["kind"] == "onsite" and ev["passed"] is False
    assert ev["commit"] == repo.text("rev-list", "-n1", "v3.2.0")  # the tag of the version
    stored = sorted(p for p in (tmp_path / ".hischange" / "attachments").rglob("*") if p.is_file())
    assert len(stored) == 2
    assert all(len(p.name) == 64 and p.parent.name == p.name[:2] for p in stored)
    assert traversal.read_text() == "root:x:0:0\n"
    detail = run.json("audit", "log")[-1]["event"]["detail"]
    assert {a["original_name"] for a in detail["attachments"]} == {"passwd", "x.dll"}
    assert detail["steps"].startswith("1. 挂号")


def test_onsite_bad_input_records_nothing(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A missing or oversize attachment, a missing steps file, an unknown change: nothing kept."""
    cid = new_change()
    (tmp_path / ".hischange" / "config.toml").write_text(
        ROLES + "[evidence]\nmax_attachment_bytes = 10\n", encoding="utf-8"
    )
    small = _file(tmp_path, "small.txt", "ok")
    big = _file(tmp_path, "big.png", b"\x89PNG" + b"0" * 100)
    base = [
        "--tester",
        "t@vendor",
        "--result",
        "pass",
        "--expected",
        "e",
        "--actual",
        "a",
        "--version",
        "3.3.0-rc1",
    ]
    before = _events(run)
    run(
        "evidence",
        "record",
        cid,
        *base,
        "--steps",
        "s",
        "--attach",
        str(small),
        "--attach",
        str(tmp_path / "missing.png"),
        code=3,
    )
    too_big = run(
        "evidence",
        "record",
        cid,
        *base,
        "--steps",
        "s",
        "--attach",
        str(small),
        "--attach",
        str(big),
        code=2,
    )
    assert "max_attachment_bytes" in too_big.stderr
    run("evidence", "record", cid, *base, "--steps", "steps.md", code=3)
    run("evidence", "record", "CR-2026-0999", *base, "--steps", "s", code=3)
    run(
        "evidence",
        "record",
        cid,
        "--tester",
        "t",
        "--result",
        "fail",
        "--expected",
        "e",
        "--actual",
        "a",
        "--steps",
        "s",
        "--version",
        "1",
        code=2,
    )  # a failure needs an anomaly
    assert _events(run) == before
    assert not (tmp_path / ".hischange" / "attachments").exists()


def test_version_without_tag_is_stale_once_commits_linked(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A record of an untagged version keeps no commit and is stale when commits are linked."""
    cid = _started(run, new_change)
    out = run(
        "evidence",
        "record",
        cid,
        "--tester",
        "t@vendor",
        "--result",
        "pass",
        "--steps",
        "步骤",
        "--expected",
        "e",
        "--actual",
        "a",
        "--version",
        "3.3.0-rc1",
    )
    assert "no tag for version 3.3.0-rc1" in out.stdout
    assert run.json("evidence", "list", cid)["items"][0]["stale"] is False
    _link(run, repo, cid, "lis")
    item = run.json("evidence", "list", cid)["items"][0]
    assert (item["commit"], item["version"], item["stale"]) == (None, "3.3.0-rc1", True)
    assert "version 3.3.0-rc1 (no commit)" in run("evidence", "list", cid).stdout


def test_withdrawn_change_takes_no_evidence(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """Evidence for a withdrawn change is refused (exit 5) and the refusal recorded."""
    cid = new_change()
    run("change", "withdraw", cid, "--reason", "需求取消")
    before = _events(run)
    run(
        "evidence",
        "add",
        cid,
        "--junit",
        str(_file(tmp_path, "ok.xml", PASSING)),
        "--env",
        "test",
        code=5,
    )
    log = run.json("audit", "log")
    assert len(log) == before + 1 and log[-1]["event"]["type"] == "command_refused"


def test_duplicates_are_counted_once(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """The same change twice and the same report content under two names count once."""
    cid = new_change()
    a = _file(tmp_path, "a.xml", PASSING)
    copy = _file(tmp_path, "copy-of-a.xml", PASSING)
    data = run.json(
        "evidence", "add", cid, cid.lower(), "--junit", str(a), str(copy), "--env", "test"
    )
    assert data["evidence"]["change_ids"] == [cid]
    assert data["evidence"]["summary"].count("pytest:") == 1
    assert any("counted once" in n for n in data["notes"])


def test_counts_are_singular_for_one(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """Summaries say "1 test, 1 failure" and "1 anomaly; 1 attachment", never "1 tests"."""
    cid = new_change()
    report = _file(tmp_path, "r/fail.xml", FAILING)
    out = run("evidence", "add", cid, "--junit", str(report), "--env", "test").stdout
    assert "pytest: 1 test, 1 failure, 0 errors, 0 skipped" in out
    photo = _file(tmp_path, "photo.png", b"\x89PNG")
    steps = _file(tmp_path, "steps.md", "1. 挂号\n")
    out = run(
        "evidence", "record", cid, "--env", "onsite-test", "--tester", "t@vendor",
        "--steps", str(steps),
        "--result", "pass", "--expected", "收到", "--actual", "收到", "--anomaly", "慢",
        "--version", "3.2.0", "--attach", str(photo),
    ).stdout  # fmt: skip
    assert "1 anomaly; 1 attachment" in out
    repo.commit(f"x\n\nHIS-Change: {cid}\n", {"x.py": "1"})
    assert "1 commit in" in run("custody", "scan", "v3.2.0..HEAD", "--as", "d@v").stdout


def test_an_event_larger_than_the_bound_is_refused_whole(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report whose evidence event would exceed the per-event bound (16 MiB; lowered here
    to 64 KiB) is refused with exit 2 naming the size and the bound, and records nothing.
    The cases go to the attachment store, so what can still exceed it is the failed cases
    the event keeps inline (1,000 failures with their messages here)."""
    from hischange.store import write

    monkeypatch.setattr(write, "MAX_EVENT_BYTES", 64 * 1024)
    cid = _started(run, new_change, kind="bugfix")
    _link(run, repo, cid, "fix1")
    cases = "".join(
        f'<testcase classname="tests.test_big" name="test_{n}" time="0.001">'
        f'<failure message="assertion {n} failed: expected the order to reach LIS"/></testcase>'
        for n in range(3000)
    )
    big = _file(tmp_path, "big.xml", f'<testsuite name="big" tests="3000">{cases}</testsuite>')
    before = _events(run)
    result = run("evidence", "add", cid, "--junit", str(big), "--env", "test", code=2)
    assert "evidence_recorded event" in result.stderr
    assert "larger than the 0.0625 MiB one ledger event may hold" in result.stderr
    assert _events(run) == before and run.json("audit", "verify")["ok"]
