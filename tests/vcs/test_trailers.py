"""check_message (the commit-msg hook's view) agrees with what git log parses later."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hischange.vcs import check_message, cleanup_message, extract_links, iter_commits, open_repo
from tests.support.git import GitRepo
from tests.vcs.messages import TRICKY_MESSAGES

_COMMITTABLE = [name for name, msg in TRICKY_MESSAGES.items() if msg.strip()]


def _git_commit(git_repo: GitRepo, message: str, *args: str) -> str:
    msg_file = git_repo.path.parent / "commit-msg.txt"
    msg_file.write_bytes(message.encode())
    git_repo.git("commit", "-q", "--allow-empty", "-F", str(msg_file), *args)
    return git_repo.text("rev-parse", "HEAD")


@pytest.mark.parametrize("cleanup", ["strip", "whitespace"])
def test_check_message_agrees_with_git_log(git_repo: GitRepo, cleanup: str) -> None:
    """For every tricky message, the ids check_message predicts are what git log links."""
    repo = open_repo(git_repo.path)
    for name in _COMMITTABLE:
        message = TRICKY_MESSAGES[name]
        check = check_message(message, repo=repo)
        sha = _git_commit(git_repo, message, f"--cleanup={cleanup}")
        oracle = git_repo.oracle(sha, "%(trailers:only,unfold)")
        assert "".join(f"{t.key}: {t.value}\n" for t in check.trailers) == oracle, name
        commit = next(iter(iter_commits(repo, "HEAD")))
        assert check.change_ids == extract_links(commit).change_ids, name


def test_divider_line_does_not_hide_trailers(git_repo: GitRepo) -> None:
    """A '---' line does not stop parsing (git log semantics, not interpret-trailers')."""
    check = check_message(TRICKY_MESSAGES["dash_divider"], repo=open_repo(git_repo.path))
    assert check.change_ids == ("CR-2026-0001",)
    assert check.ok and check.suggested_message is None


def test_hook_input_with_comments_and_scissors(git_repo: GitRepo) -> None:
    """The raw file the hook receives (comments, scissors, diff) checks like the stored one."""
    seen = git_repo.path.parent / "seen.txt"
    hook = git_repo.path / ".git" / "hooks" / "commit-msg"
    hook.write_text(f'#!/bin/sh\ncp "$1" "{seen}"\n')
    hook.chmod(0o755)
    git_repo.commit("base\n", files={"f.txt": "1"})
    (git_repo.path / "f.txt").write_text("2\nChange-Id: CR-2026-0999\n")
    git_repo.git("add", "f.txt")
    msg = "Fix\n\nHIS-Change: CR-2026-0001\n# a comment\n"
    git_repo.env["GIT_EDITOR"] = "true"
    _git_commit(git_repo, msg, "-e", "-v")
    raw = seen.read_text()
    assert "# Please enter" in raw and ">8" in raw  # the hook saw git's template and diff
    check = check_message(raw, repo=open_repo(git_repo.path))
    assert check.change_ids == ("CR-2026-0001",) and check.ok
    assert git_repo.oracle("HEAD", "%(trailers:only,unfold)") == "HIS-Change: CR-2026-0001\n"


def test_suggestion_for_non_ascii_key_parses(git_repo: GitRepo) -> None:
    """The suggested message for a 需求编号 block links every id when committed."""
    check = check_message(TRICKY_MESSAGES["chinese_key"], repo=open_repo(git_repo.path))
    assert not check.ok and check.change_ids == ()
    assert check.suggested_message is not None
    again = check_message(check.suggested_message, repo=open_repo(git_repo.path))
    assert again.change_ids == ("CR-2026-0010", "CR-2026-0011")
    assert "需求编号" in check.suggested_message  # the prose is kept, not lost


@pytest.mark.parametrize("name", ["not_last_paragraph", "prose_no_sob", "sob_under_25", "indented"])
def test_suggestions_fix_the_message(git_repo: GitRepo, name: str) -> None:
    """Each suggested message is parsed by git with the mentioned id and nothing unparsed."""
    repo = open_repo(git_repo.path)
    check = check_message(TRICKY_MESSAGES[name], repo=repo)
    assert check.suggested_message is not None
    again = check_message(check.suggested_message, repo=repo)
    assert set(again.change_ids) >= {m.change_id for m in check.unparsed_mentions}
    assert again.unparsed_mentions == ()


def test_missing_id_suggests_the_shape(git_repo: GitRepo) -> None:
    """A message without any id is not ok and the suggestion shows the trailer shape."""
    check = check_message("门诊挂号: 增加医保电子凭证支付\n", repo=open_repo(git_repo.path))
    assert not check.ok
    assert check.suggested_message == (
        "门诊挂号: 增加医保电子凭证支付\n\nHIS-Change: CR-YYYY-NNNN\n"
    )


def test_signed_off_by_moves_into_the_new_block(git_repo: GitRepo) -> None:
    """Existing trailers of the last paragraph stay trailers in the suggestion."""
    message = "Fix\n\nprose\nhis-change: CR-2026-0001\n需求编号: CR-2026-0002\n"
    message += "Signed-off-by: A <a@x>\n"
    check = check_message(message, repo=open_repo(git_repo.path))
    assert check.suggested_message is not None
    again = check_message(check.suggested_message, repo=open_repo(git_repo.path))
    assert [t.key for t in again.trailers] == ["HIS-Change", "HIS-Change", "Signed-off-by"]


def test_works_outside_a_repository(
    tmp_path: Path, git_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check_message without a repository uses git's default settings."""
    monkeypatch.chdir(tmp_path)
    assert check_message("Fix\n\nHIS-Change: CR-2026-0001\n").ok


@pytest.mark.parametrize(
    "text",
    ["a \x0b\n\n\n b\x0c\n", "\n\n# c\nx\r\n\r\n\r\ny\t\n# z\n", "", "#only\n", " \n\tq \n\n"],
)
def test_cleanup_matches_git_stripspace(text: str) -> None:
    """cleanup_message equals `git stripspace` with and without -s."""
    for strip in (True, False):
        args = ["git", "stripspace", *(["-s"] if strip else [])]
        git_out = subprocess.run(args, input=text.encode(), capture_output=True, check=True)
        assert cleanup_message(text, strip_comments=strip) == git_out.stdout.decode()
