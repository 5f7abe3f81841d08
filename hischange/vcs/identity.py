"""Who is acting, as git knows it: ``git config user.email``."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["git_user_email"]


def git_user_email(cwd: Path) -> str | None:
    """git's configured e-mail for ``cwd`` (repository, global or system), or None.

    A plain ``git config`` call rather than GitPython: it must also work outside a
    repository, and it runs on every write command without ``--as``, so it stays cheap.
    """
    try:
        done = subprocess.run(
            ["git", "config", "user.email"], cwd=cwd, capture_output=True, text=True,
            check=False, timeout=10,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None
