"""The commit-msg hook where people really commit (issue 15): an existing hook chained, a
linked ``git worktree``, the commit encoding, fixes git keeps, and the adoption commit."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from tests.conftest import Cli, NewChange, Repo


def _approved(run: Cli, new_change: NewChange) -> str:
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital")
    return cid


def _commit(
    repo: Repo, *args: str, cwd: Path | None = None, name: str = "z.txt"
) -> subprocess.CompletedProcess[bytes]:
    where = cwd or repo.path
    (where / name).write_text(f"{args}\n", encoding="utf-8")
    repo.git("add", name, cwd=where)
    return subprocess.run(
        ["git", "commit", "-q", *args], cwd=where, env=repo.env, capture_output=True, check=False
    )


def _foreign_hook(repo: Repo, body: str) -> Path:
    hook = repo.path / ".git" / "hooks" / "commit-msg"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    return hook


def test_force_install_keeps_the_old_hook_and_runs_it_first(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """An existing hook (here one adding a Gerrit Change-Id, as Gerrit's does) is kept and
    runs before ours: its trailer lands in the commit, and ours checks the final message."""
    cid = _approved(run, new_change)
    _foreign_hook(repo, 'printf "Change-Id: I0123456789abcdef\\n" >> "$1"\n')
    run("hook", "install", "--force")
    done = _commit(repo, "-m", "修复挂号", "-m", f"HIS-Change: {cid}")
    assert done.returncode == 0, done.stderr.decode()
    trailers = repo.text("log", "-1", "--format=%(trailers:only,unfold)")
    assert trailers == f"HIS-Change: {cid}\nChange-Id: I0123456789abcdef"
    run("hook", "install")  # reinstalling ours keeps the chain
    assert _commit(repo, "-m", "再修", "-m", f"HIS-Change: {cid}", name="y.txt").returncode == 0


def test_the_old_hooks_refusal_counts(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """When the chained hook refuses, the commit is refused, whatever ours would say."""
    cid = _approved(run, new_change)
    _foreign_hook(repo, 'echo "team hook: no WIP commits" >&2\nexit 3\n')
    run("hook", "install", "--force")
    head = repo.text("rev-parse", "HEAD")
    done = _commit(repo, "-m", "WIP", "-m", f"HIS-Change: {cid}")
    assert done.returncode != 0 and b"team hook: no WIP commits" in done.stderr
    assert repo.text("rev-parse", "HEAD") == head


def test_hook_works_in_a_linked_worktree_and_leaves_no_store(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """Inside `git worktree add`, the hook reads the main worktree's project (its store),
    with or without a committed config in the worktree, and creates no store there."""
    cid = _approved(run, new_change)
    run("hook", "install")
    repo.git("add", ".hischange/config.toml", ".hischange/.gitignore")
    repo.git("commit", "-q", "--no-verify", "-m", "hischange config")
    wt = tmp_path.parent / f"{tmp_path.name}-wt"
    repo.git("worktree", "add", "-q", "-b", "wt-branch", str(wt))
    assert (wt / ".hischange" / "config.toml").is_file()
    refused = _commit(repo, "-m", "no change named", cwd=wt)
    assert refused.returncode != 0 and b"names no change" in refused.stdout + refused.stderr
    done = _commit(repo, "-m", "工作树修复", "-m", f"HIS-Change: {cid}", cwd=wt)
    assert done.returncode == 0, done.stderr.decode()
    assert not list((wt / ".hischange").glob("hischange.db*"))
    # a worktree without .hischange/ at all (config not committed on its branch)
    bare = tmp_path.parent / f"{tmp_path.name}-wt2"
    repo.git("worktree", "add", "-q", "-b", "wt2", str(bare), "v3.2.0")
    assert not (bare / ".hischange").exists()
    done = _commit(repo, "-m", "旧分支修复", "-m", f"HIS-Change: {cid}", cwd=bare)
    assert done.returncode == 0, done.stderr.decode()
    assert not (bare / ".hischange").exists()


def test_hook_prints_in_the_commit_encoding(run: Cli, repo: Repo, tmp_path: Path) -> None:
    """With i18n.commitEncoding=GBK the message file is GBK and so is the hook's output:
    the refusal reads right in a GBK terminal, and the subject in the fix is intact."""
    run("hook", "install")
    repo.git("config", "i18n.commitEncoding", "GBK")
    msg = tmp_path.parent / f"{tmp_path.name}-gbk"
    msg.write_bytes("修复门诊挂号\n".encode("gbk"))
    done = _commit(repo, "-F", str(msg))
    assert done.returncode != 0
    out = (done.stdout + done.stderr).decode("gbk")
    assert "提交被拒绝" in out and "修复门诊挂号\n\nHIS-Change: CR-YYYY-NNNN" in out


def _suggestion(stdout: str) -> str:
    return stdout.split("(git keeps it as shown):\n\n", 1)[1]


def test_fixes_are_messages_git_keeps(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """The corrected message is whole (a '#' subject kept for -m), has one trailer block
    (never a second paragraph after the real trailer), and once the placeholder is an
    approved id, git parses exactly that trailer."""
    cid = _approved(run, new_change)
    draft = new_change()
    msg = tmp_path.parent / f"{tmp_path.name}-MSG"
    cases = [
        (
            f"#123 修复挂号\n\n说明\n\nHIS-Change: {draft}\nSigned-off-by: Z <z@vendor>\n",
            "whitespace",
        ),
        ("#123 修复挂号\n\n需求编号: CR-2026-0001\n", "whitespace"),
        ("修复挂号\n\nHIS-Change: CR-2026-0999\n", "strip"),
    ]
    for text, cleanup in cases:
        msg.write_text(text, encoding="utf-8")
        out = run("hook", "check-msg", str(msg), "--cleanup", cleanup, code=1).stdout
        if draft in text:
            assert f"hischange change approve {draft}" in out
        fixed = _suggestion(out).rstrip("\n") + "\n"
        assert fixed.count("HIS-Change:") == 1, fixed
        assert fixed.splitlines()[0] == text.splitlines()[0]
        fixed = fixed.replace("CR-YYYY-NNNN", cid).replace("CR-2026-0001", cid)
        msg.write_text(fixed, encoding="utf-8")
        run("hook", "check-msg", str(msg), "--cleanup", cleanup)
        repo.commit(fixed, {"f.txt": text})
        trailers = repo.text("log", "-1", "--format=%(trailers:key=HIS-Change,valueonly)")
        assert trailers == cid, fixed


def test_the_adoption_commit_passes_the_hook_and_the_gate(run: Cli, repo: Repo) -> None:
    """The first commit that adds .hischange/config.toml (and nothing outside .hischange/)
    needs no change: the hook accepts it and the gate lists it as ignored by `adoption`;
    an adoption commit that also changes code is refused by both."""
    run("hook", "install")
    repo.git("add", ".hischange/config.toml", ".hischange/.gitignore")
    done = subprocess.run(
        ["git", "commit", "-q", "-m", "采用 hischange 程序保管"],
        cwd=repo.path, env=repo.env, capture_output=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    adoption = repo.text("rev-parse", "HEAD")
    report = run.json("custody", "check", "v3.2.0..HEAD")
    assert [(i["sha"], i["rule"]) for i in report["ignored"]] == [(adoption, "adoption")]
    # the same with code in it: not an adoption
    repo.git("reset", "-q", "v3.2.0")
    (repo.path / "app.py").write_text("x = 1\n", encoding="utf-8")
    repo.git("add", ".hischange/config.toml", "app.py")
    done = _commit(repo, "-m", "采用 hischange 并修改代码")
    assert done.returncode != 0
    repo.git("commit", "-q", "--no-verify", "-m", "采用 hischange 并修改代码")
    report = run.json("custody", "check", "v3.2.0..HEAD", code=1)
    assert [v["code"] for v in report["violations"]] == ["HC-C001"] and not report["ignored"]


def test_an_approvers_own_commit_is_refused_and_the_message_left_alone(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """The approver authoring the change's commit: refused (HC-C007, as at the gate), with
    no rewritten message to copy, since the message is not what is wrong."""
    cid = _approved(run, new_change)
    msg = tmp_path.parent / f"{tmp_path.name}-MSG"
    msg.write_text(f"fix\n\nHIS-Change: {cid}\n", encoding="utf-8")
    run.env["GIT_AUTHOR_EMAIL"] = "reviewer@hospital"
    out = run("hook", "check-msg", str(msg), code=1).stdout
    assert "HC-C007" in out and "another developer must author" in out
    assert "write the message like this" not in out
