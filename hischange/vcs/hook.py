"""Installing the commit-msg hook that calls ``hischange hook check-msg``."""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

from hischange.errors import UsageError
from hischange.files import read_regular
from hischange.vcs.repo import GitRepository

__all__ = ["HOOK_MARKER", "hook_path", "hook_script", "install_hook"]

#: The line that marks a hook as ours, so reinstalling never needs --force.
HOOK_MARKER = "# hischange-managed-hook: commit-msg"
#: Where ``--force`` keeps a hook that was there before; ours runs it first.
BACKUP_NAME = "commit-msg.hischange-backup"


def hook_path(repo: GitRepository) -> Path:
    """Where git runs the commit-msg hook from (honours ``core.hooksPath``)."""
    hooks = repo.run("rev-parse", "--git-path", "hooks")
    # rev-parse answers relative to the directory git ran in: GitPython's working dir.
    return Path(repo.git_repo.working_dir, hooks) / "commit-msg"


def hook_script(command: str, fallback_python: str | None = None) -> str:
    """The POSIX sh hook text; ``command`` is a shell command that runs hischange.

    With ``fallback_python`` (the interpreter of the installation that wrote the hook), the
    hook finds hischange as pre-commit's hooks do: ``command`` on ``PATH`` first, then that
    recorded interpreter; when neither exists it says how to fix it, instead of failing on a
    virtualenv that was moved or recreated."""
    for value in (command, fallback_python or ""):
        if any(ch in value for ch in "\r\n\0"):
            raise UsageError(
                f"hook command {value!r} must be one non-empty line",
                hint="pass the command that runs hischange, e.g. 'hischange'",
            )
    if not command.strip():
        raise UsageError(
            "hook command '' must be one non-empty line",
            hint="pass the command that runs hischange, e.g. 'hischange'",
        )
    head = (
        "#!/bin/sh\n"
        f"{HOOK_MARKER}\n"
        "# Written by `hischange hook install`; run it again with --force to replace it.\n"
        "# Refuses a message whose change id is missing, unknown, not approved, or not\n"
        "# parsed by git as a trailer. `git commit --no-verify` skips it; the gate does not.\n"
        f"# The hook that was here before (kept as {BACKUP_NAME}) runs first, and its\n"
        "# exit status counts: it may still add a trailer (e.g. Gerrit's Change-Id).\n"
        f'chained="$(dirname -- "$0")/{BACKUP_NAME}"\n'
        'if [ -f "$chained" ] && [ -x "$chained" ]; then\n'
        '    "$chained" "$@" || exit $?\n'
        "fi\n"
    )
    if fallback_python is None:
        return head + f'exec {command.strip()} hook check-msg "$1"\n'
    quoted = shlex.quote(fallback_python)
    return head + (
        f"if command -v {command.strip()} >/dev/null 2>&1; then\n"
        f'    exec {command.strip()} hook check-msg "$1"\n'
        "fi\n"
        f"HISCHANGE_PYTHON={quoted}  # the installation that wrote this hook\n"
        'if [ -x "$HISCHANGE_PYTHON" ]; then\n'
        '    exec "$HISCHANGE_PYTHON" -m hischange hook check-msg "$1"\n'
        "fi\n"
        f"echo 'hischange commit-msg hook: cannot find hischange: {command.strip()} is not on "
        'PATH and the Python that installed the hook is gone:\' "$HISCHANGE_PYTHON" >&2\n'
        "echo '  fix: activate the virtualenv that has hischange (or put hischange on PATH),"
        " then run `hischange hook install` again; `git commit --no-verify` skips the hook'"
        " >&2\n"
        "exit 1\n"
    )


#: The largest existing hook read (to look for our marker and keep a backup): 64 MiB.
MAX_HOOK_BYTES = 64 * 1024 * 1024


def install_hook(
    repo: GitRepository,
    *,
    command: str = "hischange",
    force: bool = False,
    fallback_python: str | None = None,
    outside: bool = False,
) -> Path:
    """Write the commit-msg hook; refuse to replace a hook hischange did not write.

    With ``force`` a foreign hook is kept next to ours as ``commit-msg.hischange-backup``
    (mode and all), and ours runs it first: its exit status counts.
    A ``core.hooksPath`` outside the repository (shared by every repository that uses it)
    is refused unless ``outside``.
    """
    script = hook_script(command, fallback_python)
    path = hook_path(repo)
    if not outside:
        hooks = path.parent.resolve()
        homes = (Path(repo.info.root).resolve(), Path(repo.git_repo.common_dir).resolve())
        if not any(hooks == home or home in hooks.parents for home in homes):
            raise UsageError(
                f"core.hooksPath points at {hooks}, outside this repository: a hook there "
                "runs for every repository that uses it",
                hint="pass --global to install it there anyway, or unset core.hooksPath "
                "for this repository (git config --unset core.hooksPath)",
            )
    if os.path.lexists(path):
        data = read_regular(path, "existing commit-msg hook", max_bytes=MAX_HOOK_BYTES)
        existing = data.decode("utf-8", "replace")
        if HOOK_MARKER not in existing:
            if not force:
                raise UsageError(
                    f"{path} exists and was not written by hischange",
                    hint="pass --force to install ours and keep it as "
                    f"{BACKUP_NAME} (ours runs it first), or call hischange from it yourself",
                )
            backup = path.with_name(BACKUP_NAME)
            backup.write_bytes(data)
            os.chmod(backup, stat.S_IMODE(os.stat(path).st_mode))
    path.parent.mkdir(parents=True, exist_ok=True)
    # newline="\n": Git for Windows runs hooks with sh, which chokes on CRLF.
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(script)
    mode = path.stat().st_mode
    os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_IRUSR)
    return path
