"""How the hook learns git's cleanup mode from git's command line, and git's cleanup itself
(checked against `git stripspace`)."""

from __future__ import annotations

import subprocess

import pytest

from hischange.vcs.pending import cleanup_option, cleanup_text, git_command_line


@pytest.mark.parametrize(
    ("argv", "mode"),
    [
        (["git", "commit", "-m", "x"], None),
        (["git", "commit", "--cleanup=verbatim", "-m", "x"], "verbatim"),
        (["git", "commit", "--cleanup", "whitespace", "-F", "f"], "whitespace"),
        (["git", "commit", "--clean=strip"], "strip"),
        (
            ["git", "-c", "commit.cleanup=strip", "-C", "dir", "commit", "--cleanup=scissors"],
            "scissors",
        ),
        # values of options are never read as options
        (["git", "commit", "-m", "--cleanup=strip"], None),
        (["git", "commit", "-am", "--cleanup=strip"], None),
        (["git", "commit", "--message", "--cleanup=strip", "--cleanup=verbatim"], "verbatim"),
        (["git", "commit", "--", "--cleanup=strip"], None),
        (["git", "commit", "--cleanup=nonsense"], None),
        (["git", "merge", "--cleanup=verbatim", "side"], "verbatim"),
    ],
)
def test_cleanup_option(argv: list[str], mode: str | None) -> None:
    assert cleanup_option(argv) == mode


MESSAGE = "\n\n#123 修复挂号  \r\n\n\n正文\t\n# 注释\n\nHIS-Change: CR-2026-0001   \n\n"


@pytest.mark.parametrize(("mode", "strip"), [("strip", True), ("whitespace", False)])
def test_cleanup_text_is_git_stripspace(mode: str, strip: bool) -> None:
    """strip and whitespace are what `git stripspace` (with and without -s) gives."""
    args = ["git", "stripspace", *(["-s"] if strip else [])]
    oracle = subprocess.run(args, input=MESSAGE.encode(), capture_output=True, check=True)
    assert cleanup_text(MESSAGE, mode).encode() == oracle.stdout


def test_cleanup_modes_by_editor() -> None:
    """default is strip when edited and whitespace otherwise; scissors cuts only when
    edited; verbatim keeps everything."""
    text = "#1 subject\n\nbody\n# ------------------------ >8 ------------------------\ndiff\n"
    assert cleanup_text(text, "default", editor=False).startswith("#1 subject")
    assert cleanup_text(text, "default", editor=True) == "body\n"
    assert cleanup_text(text, "scissors", editor=True) == "#1 subject\n\nbody\n"
    assert "diff" in cleanup_text(text, "scissors", editor=False)
    assert cleanup_text(text, "verbatim", editor=False) == text


def test_no_git_parent_gives_no_command_line() -> None:
    """Run outside a hook (here under pytest), no git process is found above."""
    assert git_command_line() is None
