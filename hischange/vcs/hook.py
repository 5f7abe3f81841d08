"""Installing the commit-msg hook that calls ``hischange hook check-msg``."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hischange.errors import UsageError
from hischange.vcs.repo import GitRepository

__all__ = ["HOOK_MARKER", "hook_path", "hook_script", "install_hook"]

#: The line that marks a hook as ours, so reinstalling never needs --force.
HOOK_MARKER = "# hischange-managed-hook: commit-msg"


def hook_path(repo: GitRepository) -> Path:
    """Where git runs the commit-msg hook from (honours ``core.hooksPath``)."""
    hooks = repo.run("rev-parse", "--git-path", "hooks")
    # rev-parse answers relative to the directory git ran in: GitPython's working dir.
    return Path(repo.git_repo.working_dir, hooks) / "commit-msg"


def hook_script(command: str) -> str:
    """The POSIX sh hook text; ``command`` is a shell command that runs hischange."""
    if not command.strip() or any(ch in command for ch in "\r\n\0"):
        raise UsageError(
            f"hook command {command!r} must be one non-empty line",
            hint="pass the command that runs hischange, e.g. 'hischange'",
        )
    return (
        "#!/bin/sh\n"
        f"{HOOK_MARKER}\n"
        "# Written by `hischange hook install`; run it again with --force to replace it.\n"
        "# Refuses a message whose change id is missing, unknown, not approved, or not\n"
        "# parsed by git as a trailer. `git commit --no-verify` skips it; the gate does not.\n"
        f'exec {command.strip()} hook check-msg "$1"\n'
    )


def install_hook(repo: GitRepository, *, command: str = "hischange", force: bool = False) -> Path:
    """Write the commit-msg hook; refuse to replace a hook hischange did not write.

    With ``force`` a foreign hook is kept next to ours as ``commit-msg.hischange-backup``.
    """
    script = hook_script(command)
    path = hook_path(repo)
    if path.exists():
        existing = path.read_bytes().decode("utf-8", "replace")
        if HOOK_MARKER not in existing:
            if not force:
                raise UsageError(
                    f"{path} exists and was not written by hischange",
                    hint="pass --force to replace it (a copy is kept as "
                    "commit-msg.hischange-backup), or call hischange from that hook yourself",
                )
            path.with_name("commit-msg.hischange-backup").write_bytes(path.read_bytes())
    path.parent.mkdir(parents=True, exist_ok=True)
    # newline="\n": Git for Windows runs hooks with sh, which chokes on CRLF.
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(script)
    mode = path.stat().st_mode
    os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_IRUSR)
    return path
