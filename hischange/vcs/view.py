"""What, besides the commits themselves, decides what the history reader reads.

A commit id names immutable content, but ``git log`` can still show a different history
for it: replace refs and a graft file substitute commits, ``trailer.*`` configuration
changes what ``%(trailers)`` parses, a shallow boundary hides parents, and another git
version may parse trailers differently. ``history_view`` condenses all of that into one
digest, so a caller that remembers what it read can tell whether git would still read the
same.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from git.exc import GitCommandError

from hischange.vcs.repo import GitRepository

__all__ = ["history_view"]

# Environment variables git consults for replace refs and grafts.
_ENV = ("GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE", "GIT_GRAFT_FILE")


def _quiet(repo: GitRepository, *args: str) -> str:
    try:
        out: str = repo.git_repo.git.execute(["git", *args], with_extended_output=False)
    except GitCommandError as exc:
        if exc.status == 1:  # `git config --get-regexp` with no match
            return ""
        raise
    return out


def history_view(repo: GitRepository) -> str:
    """A SHA-256 hex digest of everything outside the commits that shapes ``git log``."""
    digest = hashlib.sha256()

    def part(label: str, value: str | bytes) -> None:
        data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    part("version", _quiet(repo, "version"))
    part("shallow", str(repo.info.shallow))
    part("config", _quiet(repo, "config", "--null", "--get-regexp", r"^trailer\."))
    replace_base = os.environ.get("GIT_REPLACE_REF_BASE") or "refs/replace/"
    refs = {"refs/replace/", replace_base}
    part("replace", _quiet(repo, "for-each-ref", "--format=%(refname) %(objectname)", *refs))
    for name in _ENV:
        part(name, os.environ.get(name, "\0unset"))
    common = Path(repo.git_repo.common_dir)
    grafts = Path(os.environ.get("GIT_GRAFT_FILE") or common / "info" / "grafts")
    part("grafts", grafts.read_bytes() if grafts.is_file() else b"\0none")
    return digest.hexdigest()
