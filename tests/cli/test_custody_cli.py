"""Code custody through the CLI with real git repositories: scan, check, verify, hook."""

from __future__ import annotations

import gc
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Cli, NewChange, Repo


def _approved(run: Cli, new_change: NewChange) -> str:
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital")
    return cid


def test_scan_links_commits_idempotently(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """scan records each linked commit once; a second scan records nothing."""
    cid = _approved(run, new_change)
    sha = repo.commit(f"门诊挂号: 医保电子凭证\n\nHIS-Change: {cid}", {"a.py": "x = 1\n"})
    first = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert (first["commits"], first["new_links"]) == (1, 1)
    events_before = len(run.json("audit", "log"))
    again = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert (again["new_links"], again["already_recorded"]) == (0, 1)
    assert len(run.json("audit", "log")) == events_before
    shown = run.json("change", "show", cid)
    assert shown["commits"] == [sha] and shown["authors"] == ["dev@vendor"]
    assert run.json("audit", "verify")["ok"]


def test_scan_reads_only_new_commits_and_full_rereads(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """A later scan reads only new commits, with the result of a full scan; --full reads all
    and agrees; a change registered after a scan links its earlier commits."""
    cid = _approved(run, new_change)
    repo.commit(f"one\n\nHIS-Change: {cid}", {"a.py": "1\n"})
    repo.commit("two\n\nHIS-Change: CR-2026-0002", {"a.py": "2\n"})
    first = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert (first["commits"], first["new_links"], first["unknown_changes"]) == (
        2,
        1,
        ["CR-2026-0002"],
    )
    repo.commit(f"three\n\nHIS-Change: {cid}", {"a.py": "3\n"})
    again = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert (again["commits"], again["linked"], again["new_links"]) == (3, 2, 1)
    full = run.json("custody", "scan", "v3.2.0..HEAD", "--full", "--as", "dev@vendor")
    assert full == {**again, "new_links": 0, "already_recorded": 2}
    assert new_change() == "CR-2026-0002"
    later = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert (later["linked"], later["new_links"], later["unknown_changes"]) == (3, 1, [])
    assert run.json("audit", "verify")["ok"]


def test_scan_pauses_cyclic_gc_only_while_it_runs(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """The scan command pauses the cyclic collector and restores it, also on failure."""
    cid = _approved(run, new_change)
    repo.commit(f"one\n\nHIS-Change: {cid}", {"a.py": "1\n"})
    assert gc.isenabled()
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert gc.isenabled()
    run("custody", "scan", "no-such-tag..HEAD", "--as", "dev@vendor", code=3)
    assert gc.isenabled()


def test_scan_several_changes_and_unknown_ids(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """One commit may name several changes; unknown ids are reported, not linked."""
    a, b = new_change(), new_change()
    repo.commit(f"two\n\nHIS-Change: {a}, {b}\nHIS-Change: CR-2026-0999", {"b.py": "y\n"})
    result = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert result["unknown_changes"] == ["CR-2026-0999"]
    assert len(run.json("change", "show", a)["commits"]) == 1
    assert len(run.json("change", "show", b)["commits"]) == 1


def test_check_reports_each_violation_kind(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """The gate flags no change, unknown, unapproved, and a trailer git drops (Chinese key)."""
    ok = _approved(run, new_change)
    draft = new_change()
    repo.commit(f"good\n\nHIS-Change: {ok}", {"1": "1"})
    repo.commit("no link at all", {"2": "2"})
    repo.commit("unknown\n\nHIS-Change: CR-2026-0777", {"3": "3"})
    repo.commit(f"draft\n\nHIS-Change: {draft}", {"4": "4"})
    repo.commit(f"中文键\n\n需求编号: {ok}\nHIS-Change: {ok}", {"5": "5"})
    report = run.json("custody", "check", "v3.2.0..HEAD", code=1)
    codes = sorted(v["code"] for v in report["violations"])
    assert codes == ["HC-C001", "HC-C002", "HC-C003", "HC-C004"]
    chinese = next(v for v in report["violations"] if v["code"] == "HC-C004")
    assert "ASCII" in chinese["message"] and "dropped" in chinese["message"]
    human = run("custody", "check", "v3.2.0..HEAD", code=1)
    assert "custody FAILED" in human.stdout


def test_check_passes_after_fix_and_sarif(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """A range whose commits all name approved changes exits 0; SARIF lists no results."""
    cid = _approved(run, new_change)
    repo.commit(f"ok\n\nHIS-Change: {cid}", {"x": "1"})
    assert "custody OK" in run("custody", "check", "v3.2.0..HEAD").stdout
    sarif = json.loads(run("custody", "check", "v3.2.0..HEAD", "--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"] == []


def test_stale_approval_is_a_violation(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """Editing an approved change makes its commits fail the gate until re-approved."""
    cid = _approved(run, new_change)
    repo.commit(f"ok\n\nHIS-Change: {cid}", {"x": "1"})
    run("change", "edit", cid, "--title", "范围扩大", "--as", "dev@vendor")
    report = run.json("custody", "check", "v3.2.0..HEAD", code=1)
    assert "stale" in report["violations"][0]["message"]


def test_merge_commit_policy(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """By default a merge needs no link of its own, but its non-merge parents do."""
    cid = _approved(run, new_change)
    repo.text("checkout", "-q", "-b", "feature")
    repo.commit(f"feature\n\nHIS-Change: {cid}", {"f": "1"})
    repo.text("checkout", "-q", "main")
    repo.commit(f"main side\n\nHIS-Change: {cid}", {"m": "1"})
    repo.text("merge", "-q", "--no-ff", "feature", "-m", "Merge feature")
    run("custody", "check", "v3.2.0..HEAD")


def test_approver_who_authored_commits_is_refused(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """After scan, an approver who authored the change's commits may not approve it."""
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    repo.commit(f"by reviewer\n\nHIS-Change: {cid}", {"r": "1"}, author="reviewer@hospital")
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    result = run("change", "approve", cid, "--as", "reviewer@hospital", code=5)
    assert "authored commits" in result.stderr


def test_verify_catches_force_push_that_dropped_a_commit(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """reset --hard + gc of a linked commit: custody verify exits 4 naming it and its change."""
    cid = _approved(run, new_change)
    sha = repo.commit(f"linked\n\nHIS-Change: {cid}", {"x": "1"})
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    run("custody", "verify")
    repo.text("reset", "-q", "--hard", "HEAD~1")
    repo.text("reflog", "expire", "--expire=now", "--all")
    repo.text("gc", "-q", "--prune=now")
    result = run("custody", "verify", code=4)
    assert sha[:12] in result.stdout and cid in result.stdout and "absent" in result.stdout


def test_verify_catches_commit_left_unprotected(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """A linked commit only on a deleted branch is unreachable from protected refs."""
    cid = _approved(run, new_change)
    repo.text("checkout", "-q", "-b", "side")
    repo.commit(f"side\n\nHIS-Change: {cid}", {"s": "1"})
    run("custody", "scan", "main..side", "--as", "dev@vendor")
    repo.text("checkout", "-q", "main")
    assert "unreachable" in run("custody", "verify", code=4).stdout


def test_bad_repositories_and_ranges(run: Cli, tmp_path: Path) -> None:
    """Not a repository exits 3."""
    assert "not inside a git repository" in run("custody", "check", "HEAD", code=3).stderr


def test_unknown_revision_and_empty_range(run: Cli, repo: Repo) -> None:
    """An unknown revision names it (exit 3); an empty range passes the gate (exit 0)."""
    assert "v9.9.9" in run("custody", "check", "v9.9.9..HEAD", code=3).stderr
    assert "no commits" in run("custody", "check", "HEAD..HEAD").stdout


def test_shallow_clone_warns(run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path) -> None:
    """In a shallow clone the gate warns that history is incomplete."""
    cid = _approved(run, new_change)
    repo.commit(f"a\n\nHIS-Change: {cid}", {"a": "1"})
    repo.commit(f"b\n\nHIS-Change: {cid}", {"b": "1"})
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)],
        check=True,
        env=repo.env,
    )
    (clone / ".hischange").mkdir()
    (clone / ".hischange" / "config.toml").write_text("", encoding="utf-8")
    other = Cli(clone, run.clock)
    other("init", "--unsigned")
    result = other("custody", "check", "HEAD", code=1)
    assert "shallow clone" in result.stderr


def test_hook_install_refuses_foreign_hook(run: Cli, repo: Repo) -> None:
    """hook install writes the hook; a foreign hook needs --force."""
    hook = repo.path / ".git" / "hooks" / "commit-msg"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\nexit 0\n")
    assert "--force" in run("hook", "install", code=2).stderr
    run("hook", "install", "--force")
    assert "hischange" in hook.read_text()
    assert os.access(hook, os.X_OK)


def test_hook_check_msg(run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path) -> None:
    """check-msg accepts an approved change's trailer and refuses the rest with the fix."""
    cid = _approved(run, new_change)
    draft = new_change()
    msg = tmp_path / "MSG"
    msg.write_text(f"fix\n\nHIS-Change: {cid}\n", encoding="utf-8")
    run("hook", "check-msg", str(msg))
    for text, needle in [
        ("fix\n", "names no change"),
        (f"fix\n\nHIS-Change: {draft}\n", "only approved changes"),
        ("fix\n\nHIS-Change: CR-2026-0555\n", "not a registered change"),
        (f"fix\n\n需求编号: {cid}\nHIS-Change: {cid}\n", "ASCII"),
    ]:
        msg.write_text(text, encoding="utf-8")
        result = run("hook", "check-msg", str(msg), code=1)
        assert needle in result.stdout, text
        assert "HIS-Change:" in result.stdout


def test_installed_hook_runs_in_real_commit(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """The installed hook refuses a real `git commit` without a change and accepts one with it."""
    cid = _approved(run, new_change)
    run("hook", "install")
    (repo.path / "z.txt").write_text("z")
    repo.text("add", "z.txt")
    env = {**repo.env, "GIT_AUTHOR_NAME": "d", "GIT_AUTHOR_EMAIL": "dev@vendor"}
    bad = subprocess.run(
        ["git", "commit", "-q", "-m", "no id"],
        cwd=repo.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0 and "commit refused" in bad.stdout + bad.stderr
    good = subprocess.run(
        ["git", "commit", "-q", "-m", f"ok\n\nHIS-Change: {cid}"],
        cwd=repo.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0, good.stderr


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("HISCHANGE_RUN_SLOW"), reason="slow: set HISCHANGE_RUN_SLOW=1"
)
def test_large_scan_is_chunked_and_verifies(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """6,000 commits (fast-import) scan in chunks: every link recorded once, in git's order,
    and the ledger verifies; a second scan records nothing."""
    ids = [_approved(run, new_change) for _ in range(3)]
    lines = []
    for i in range(6000):
        message = f"c{i}\n\nHIS-Change: {ids[i % 3]}\n".encode()
        lines.append(
            b"commit refs/heads/main\n"
            + f"committer Dev <dev@vendor> {1_780_100_000 + i} +0800\n".encode()
            + b"data %d\n" % len(message)
            + message
            + (b"from refs/heads/main^0\n" if i == 0 else b"")
            + b"\n"
        )
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=repo.path,
        input=b"".join(lines),
        check=True,
        env=repo.env,
    )
    first = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert (first["commits"], first["new_links"]) == (6000, 6000)
    order = repo.text("rev-list", "--reverse", "v3.2.0..HEAD").split()
    assert run.json("change", "show", ids[0])["commits"] == order[0::3]
    assert run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")["new_links"] == 0
    assert run.json("audit", "verify")["ok"]


def test_failed_gate_prints_its_report_once(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """A failed custody gate or commit-message check exits 1 with its report and verdict,
    and no `error [gate_failed]` line repeating the verdict."""
    repo.commit("no link at all", {"2": "2"})
    result = run("custody", "check", "v3.2.0..HEAD", code=1)
    assert "custody FAILED" in result.stdout
    assert "gate_failed" not in result.stderr and "custody check failed" not in result.stderr
    msg = repo.path / "MSG"
    msg.write_text("fix\n", encoding="utf-8")
    result = run("hook", "check-msg", str(msg), code=1)
    assert "commit refused" in result.stdout and "gate_failed" not in result.stderr


def test_custody_counts_are_singular_for_one(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """The gate's verdict says "1 commit, 1 change, 0 violations", never "1 commits"."""
    cid = _approved(run, new_change)
    repo.commit(f"ok\n\nHIS-Change: {cid}", {"x": "1"})
    out = run("custody", "check", "v3.2.0..HEAD").stdout
    assert "1 commit, 1 change, 0 violations: custody OK" in out
