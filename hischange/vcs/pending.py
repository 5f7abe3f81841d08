"""The commit git is about to make, as a commit-msg hook sees it: the message as git will
store it, its author, whether it is a merge, the branch it lands on and the paths it changes.

How a hook can tell what git will do with the message file (git 2.39, ``builtin/commit.c``):

* git runs the hook *before* its final cleanup, and sets ``GIT_EDITOR=:`` in the hook's
  environment when no editor was (or will be) used: ``-m``, ``-F``, ``-C`` without ``-e``.
* the cleanup mode is ``--cleanup=<mode>`` on git's command line, else ``commit.cleanup``
  (``git -c commit.cleanup=…`` reaches the hook through ``GIT_CONFIG_PARAMETERS``), else
  ``default``. ``default`` is ``strip`` (comment lines removed) when the message is edited
  and ``whitespace`` (comment lines kept) otherwise; ``scissors`` is ``whitespace`` when
  not edited. So ``git commit -m "#123 修复挂号"`` keeps its ``#`` subject.
* the command line is read from the parent process (``/proc/<ppid>/cmdline``, Linux); where
  that is not available, or ``hook check-msg`` is run by hand, ``--cleanup`` says it.
* the file is in ``i18n.commitEncoding`` (UTF-8 by default).
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from hischange.vcs.plain import GitRunner

__all__ = [
    "CleanupMode",
    "PendingCommit",
    "cleanup_text",
    "commit_encoding",
    "git_command_line",
    "pending_commit",
    "staged_changes",
]

CleanupMode = Literal["strip", "whitespace", "verbatim", "scissors", "default"]
_MODES = ("strip", "whitespace", "verbatim", "scissors", "default")
SCISSORS = " ------------------------ >8 ------------------------"
#: git's candidates for ``core.commentChar=auto``, in its order
_AUTO_CHARS = "#;@!$%^&|:"

# options of git itself (before the subcommand) and of commit/merge that take a value in
# the next argument; a value is never read as an option
_GLOBAL_VALUED = {"-c", "-C", "--git-dir", "--work-tree", "--namespace", "--config-env"}
_VALUED_SHORT = set("mFCctS")
_VALUED_LONG = {
    "--message", "--file", "--reuse-message", "--reedit-message", "--template", "--author",
    "--date", "--fixup", "--squash", "--trailer", "--pathspec-from-file", "--strategy",
    "--strategy-option", "--into-name",
}  # fmt: skip


class PendingCommit(BaseModel):
    """What git will record for the commit whose message a commit-msg hook checks."""

    model_config = ConfigDict(frozen=True)

    #: the message exactly as git will store it (after its cleanup)
    message: str
    #: the cleanup git applies: strip, whitespace, verbatim or scissors
    cleanup: str
    #: whether the message was edited in an editor
    editor: bool
    #: the commit encoding (``i18n.commitEncoding``), which the file is written in
    encoding: str
    author_email: str
    is_merge: bool
    #: the full name of the branch HEAD is on (``refs/heads/…``), None when detached
    branch: str | None
    #: the staged changes (status letter, path), as ``git diff --cached --name-status``
    changes: tuple[tuple[str, str], ...]


def git_command_line(pid: int | None = None) -> list[str] | None:
    """The argv of the ``git`` process that runs this hook: the parent (the hook script
    ``exec``s hischange), or up to two generations above; None where /proc is missing."""
    current = os.getppid() if pid is None else pid
    for _ in range(3):
        try:
            raw = Path(f"/proc/{current}/cmdline").read_bytes()
            stat = Path(f"/proc/{current}/stat").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        argv = [a.decode("utf-8", "replace") for a in raw.split(b"\0")[:-1]]
        if argv and Path(argv[0]).name in ("git", "git.exe"):
            return argv
        try:
            current = int(stat.rsplit(")", 1)[1].split()[1])
        except (IndexError, ValueError):
            return None
        if current <= 1:
            return None
    return None


def cleanup_option(argv: Sequence[str]) -> str | None:
    """The ``--cleanup`` mode on a git command line (the last one wins), or None."""
    found: str | None = None
    args = list(argv[1:])
    i = 0
    while i < len(args) and args[i].startswith("-"):  # git's own options
        i += 2 if args[i] in _GLOBAL_VALUED else 1
    i += 1  # the subcommand
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            break
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if len(name) >= 4 and "--cleanup".startswith(name):  # git takes unique prefixes
                if not eq:
                    value = args[i] if i < len(args) else ""
                    i += 1
                found = value
            elif not eq and name in _VALUED_LONG:
                i += 1
        elif arg.startswith("-") and len(arg) > 1:
            for pos, letter in enumerate(arg[1:], start=1):
                if letter in _VALUED_SHORT:
                    if pos == len(arg) - 1 and letter != "S":  # -S takes its value attached
                        i += 1
                    break
    return found if found in _MODES else None


def _config(repo: GitRunner, key: str) -> str | None:
    return repo.config_value(key)


def commit_encoding(repo: GitRunner | None) -> str:
    """``i18n.commitEncoding`` as a Python codec name (UTF-8 when unset or unknown)."""
    value = _config(repo, "i18n.commitEncoding") if repo is not None else None
    if value:
        try:
            return codecs.lookup(value).name
        except LookupError:
            pass
    return "utf-8"


def _comment_char(repo: GitRunner, text: str) -> str:
    value = _config(repo, "core.commentChar")
    if value is None or value == "#":
        return "#"
    if value == "auto":
        # git picks the first candidate no line of the initial message starts with, and
        # writes its help text with it: the last non-empty line of the file starts with it
        lines = [line for line in text.split("\n") if line.strip()]
        if lines and lines[-1][0] in _AUTO_CHARS:
            return lines[-1][0]
        return "#"
    return value[0] if len(value) == 1 else "#"


def cleanup_text(text: str, mode: str, comment_char: str = "#", *, editor: bool = True) -> str:
    """What git stores of ``text`` under cleanup ``mode`` (after the hook ran): git's
    ``stripspace`` (comment lines removed in ``strip`` mode), cut at the scissors line in
    ``scissors`` mode and when an editor showed the diff (``-v``)."""
    if mode == "default":
        mode = "strip" if editor else "whitespace"
    if mode == "scissors" and not editor:
        mode = "whitespace"
    if editor:
        lines = text.split("\n")
        for index, line in enumerate(lines):
            if line.rstrip("\r") == comment_char + SCISSORS:
                text = "".join(f"{x}\n" for x in lines[:index])
                break
    if mode == "verbatim":
        return text
    kept: list[str] = []
    blank = False
    # str.splitlines would also split on \v, \f and U+2028, which git keeps inside a line
    for raw in text.split("\n"):
        if mode == "strip" and raw.startswith(comment_char):
            continue
        line = raw.rstrip(" \t\r\n")  # git's isspace: no \v or \f
        if not line:
            blank = bool(kept)
            continue
        if blank:
            kept.append("")
            blank = False
        kept.append(line)
    return "".join(line + "\n" for line in kept)


def staged_changes(repo: GitRunner) -> tuple[tuple[str, str], ...]:
    """The changes the commit being made records (the index git commits from:
    ``GIT_INDEX_FILE`` in a hook), as (status letter, path) against HEAD."""
    base = repo.info.head_sha
    if base is None:
        base = repo.run_bytes("hash-object", "-t", "tree", "--stdin", stdin=b"").decode().strip()
    out = repo.run_bytes("diff", "--cached", "--name-status", "-z", "--no-renames", base)
    parts = [p.decode("utf-8", "replace") for p in out.split(b"\0")]
    return tuple((parts[i][:1], parts[i + 1]) for i in range(0, len(parts) - 1, 2) if parts[i])


_EMAIL = re.compile(r"<([^>]*)>")


def pending_commit(
    repo: GitRunner,
    raw: bytes,
    *,
    cleanup: str | None = None,
    argv: Sequence[str] | None = None,
) -> PendingCommit:
    """The commit git is making with the message file ``raw`` (read by a commit-msg hook).

    ``cleanup`` overrides the detected cleanup mode; ``argv`` the git command line (read
    from the parent process by default)."""
    editor = os.environ.get("GIT_EDITOR") != ":"
    encoding = commit_encoding(repo)
    text = raw.decode(encoding, "replace")
    if cleanup is None:
        line = git_command_line() if argv is None else list(argv)
        cleanup = cleanup_option(line) if line else None
    if cleanup is None:
        configured = _config(repo, "commit.cleanup")
        cleanup = configured if configured in _MODES else "default"
    mode = cleanup
    if mode == "default":
        mode = "strip" if editor else "whitespace"
    if mode == "scissors" and not editor:
        mode = "whitespace"
    message = cleanup_text(text, mode, _comment_char(repo, text), editor=editor)
    ident = repo.run_bytes("var", "GIT_AUTHOR_IDENT").decode("utf-8", "replace")
    email = _EMAIL.search(ident)
    merge_head = repo.git_dir / "MERGE_HEAD"  # per worktree: what `--git-path` names
    return PendingCommit(
        message=message,
        cleanup=mode,
        editor=editor,
        encoding=encoding,
        author_email=email.group(1) if email else "",
        is_merge=merge_head.is_file(),
        branch=f"refs/heads/{repo.info.branch}" if repo.info.branch else None,
        changes=staged_changes(repo),
    )
