"""Running git without GitPython: ``subprocess`` calls for the paths that only ask git
for facts (config values, ``git var``, ``git interpret-trailers``, the staged paths, where
the repository is), above all the commit-msg hook, which runs on every ``git commit`` and
must not pay for importing GitPython (issue 17). This module must not import ``git``
(``tests/cli/test_read_imports.py`` checks the hook's ``sys.modules``).

Every git process gets the environment GitPython gives its own (``LANGUAGE=C``,
``LC_ALL=C``: git's messages in English, which ``failure`` reads) plus ``HISTORY_ENV``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from hischange.errors import HischangeError, IntegrityError, NotFoundError, UsageError
from hischange.vcs.models import RepoInfo

__all__ = [
    "HISTORY_ENV",
    "GitRunner",
    "PlainRepo",
    "failure",
    "git_env",
    "open_plain",
    "run_git",
]

#: The environment of every git process hischange runs: replace refs (``git replace``)
#: substitute one commit for another in everything git shows, so history is read without
#: them: the gate and the ledger see the commits as they were recorded.
HISTORY_ENV = {"GIT_NO_REPLACE_OBJECTS": "1"}

_CORRUPT_MARKERS = (
    "corrupt",
    "bad object",
    "invalid object",
    "unable to read",
    "inflate",
    "missing blob",
    "missing tree",
    "missing commit",
    "bad tree object",
)
_UNKNOWN_REV_MARKERS = (
    "unknown revision",
    "bad revision",
    "ambiguous argument",
    "needed a single revision",
    "not a valid object name",
    "invalid symmetric difference",
)

OUTSIDE_HINT = (
    "run inside a clone, or give `hischange --project DIR` (or HISCHANGE_PROJECT) a project "
    "folder inside one"
)


class GitRunner(Protocol):
    """What the fact-reading functions need of an opened repository: ``GitRepository``
    (GitPython) and ``PlainRepo`` (subprocess) both are one."""

    @property
    def info(self) -> RepoInfo: ...

    @property
    def root(self) -> Path: ...

    @property
    def git_dir(self) -> Path: ...

    @property
    def common_dir(self) -> Path: ...

    def run(self, *args: str, strip: bool = True) -> str: ...

    def run_bytes(self, *args: str, stdin: bytes | None = None) -> bytes: ...

    def config_value(self, key: str) -> str | None: ...


def git_env() -> dict[str, str]:
    """The environment of a git process: ours, in the C locale, without replace refs."""
    env = dict(os.environ)
    env.update(LANGUAGE="C", LC_ALL="C", **HISTORY_ENV)
    return env


def failure(detail: str, action: str, where: str, *, no_git: bool = False) -> HischangeError:
    """The hischange error for a failed ``git ACTION`` whose stderr is ``detail``."""
    detail = " ".join(detail.split()).replace("stderr: ", "")[:600]
    lowered = detail.lower()
    if no_git:
        return UsageError(
            f"git was not found while running `git {action}`: {detail}",
            hint="install git and make sure it is on PATH",
        )
    if "not a git repository" in lowered:
        return NotFoundError(f"{where} is not a git repository", hint=OUTSIDE_HINT)
    if any(marker in lowered for marker in _UNKNOWN_REV_MARKERS):
        return NotFoundError(
            f"git does not know a revision used by `git {action}` in {where}: {detail}",
            hint="check the name with `git tag` / `git branch -a`, or fetch it first",
        )
    if any(marker in lowered for marker in _CORRUPT_MARKERS):
        return IntegrityError(
            f"the git repository at {where} looks corrupt (`git {action}` failed): {detail}",
            hint="run `git fsck` and restore the repository from a good clone",
        )
    return UsageError(f"`git {action}` failed in {where}: {detail}")


def _spawn(
    args: Sequence[str], cwd: str, stdin: bytes | None
) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=git_env(),
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        raise failure(str(exc), " ".join(args[:2]), cwd, no_git=True) from exc


def run_git(args: Sequence[str], *, cwd: str, stdin: bytes | None = None) -> bytes:
    """Run ``git ARGS`` in ``cwd``, feeding ``stdin``; its raw stdout, or our error."""
    proc = _spawn(args, cwd, stdin)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace") or f"exit code {proc.returncode}"
        raise failure(detail, " ".join(args[:2]), cwd)
    return proc.stdout


class PlainRepo:
    """An opened repository that runs git through ``subprocess`` (no GitPython)."""

    __slots__ = ("_common_dir", "_config", "info")

    def __init__(self, info: RepoInfo, common_dir: Path) -> None:
        self.info = info
        self._common_dir = common_dir
        self._config: dict[str, str] | None = None

    @property
    def root(self) -> Path:
        """The working tree root (the git directory for a bare repository)."""
        return Path(self.info.root)

    @property
    def git_dir(self) -> Path:
        """This worktree's git directory (``.git/worktrees/NAME`` in a linked one)."""
        return Path(self.info.git_dir)

    @property
    def common_dir(self) -> Path:
        """The git directory shared by every worktree."""
        return self._common_dir

    def run(self, *args: str, strip: bool = True) -> str:
        """Run one git command and return its output (one trailing newline removed)."""
        out = self.run_bytes(*args).decode("utf-8", "replace")
        return out[:-1] if strip and out.endswith("\n") else out

    def run_bytes(self, *args: str, stdin: bytes | None = None) -> bytes:
        """Run one git command, feeding ``stdin``, and return its raw stdout."""
        return run_git(args, cwd=self.info.root, stdin=stdin)

    def config_value(self, key: str) -> str | None:
        """What ``git config --get KEY`` prints (the last value; None when unset or empty),
        for a key without a subsection. The whole configuration is read once (one
        ``git config --list``, includes followed as ``--get`` follows them)."""
        if self._config is None:
            try:
                out = self.run_bytes("config", "-z", "--list")
            except HischangeError:
                out = b""  # an unreadable config: every key unset, as --get would say
            values: dict[str, str] = {}
            for entry in out.split(b"\0"):
                raw_key, _, raw_value = entry.partition(b"\n")
                if raw_key:
                    values[raw_key.decode("utf-8", "replace")] = raw_value.decode(
                        "utf-8", "replace"
                    )
            self._config = values
        section, _, name = key.rpartition(".")
        return self._config.get(f"{section.lower()}.{name.lower()}", "").strip() or None

    def __repr__(self) -> str:
        return f"PlainRepo({self.info.root!r})"


def refuse_grafts(repo: GitRunner) -> None:
    """Refuse a repository whose history a graft file rewrites.

    Grafts (``.git/info/grafts`` or ``GIT_GRAFT_FILE``) give commits other parents than
    the ones they were made with, and unlike replace refs git has no switch to ignore them:
    custody and releases would read a history nobody committed.
    """
    named = os.environ.get("GIT_GRAFT_FILE")
    grafts = Path(named) if named else repo.common_dir / "info" / "grafts"
    if grafts.is_file() and grafts.read_bytes().strip():
        raise IntegrityError(
            f"the git repository at {repo.info.root} has a graft file ({grafts}): grafts "
            "rewrite which parents commits have, so hischange will not read its history",
            hint="remove the graft file (a replace ref made by `git replace "
            "--convert-graft-file` keeps it for browsing: hischange ignores replace refs)",
        )


def open_plain(path: str | Path = ".") -> PlainRepo:
    """Open the repository containing ``path`` as ``vcs.open_repo`` does (the same facts in
    ``info``, the same errors, grafts refused), with git's own ``rev-parse``."""
    target = Path(path)
    if not target.is_dir():
        if not target.exists():
            raise NotFoundError(f"{target} is not inside a git repository", hint=OUTSIDE_HINT)
        target = target.parent
    where = str(target)
    proc = _spawn(
        [
            "rev-parse",
            "--path-format=absolute",
            "--git-dir",
            "--git-common-dir",
            "--is-bare-repository",
            "--is-shallow-repository",
            "--show-toplevel",
        ],
        where,
        None,
    )
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) < 4:
        err = proc.stderr.decode("utf-8", "replace")
        if "not a git repository" in err.lower():
            raise NotFoundError(f"{target} is not inside a git repository", hint=OUTSIDE_HINT)
        raise IntegrityError(
            f"the git repository at {target} cannot be opened: {' '.join(err.split())[:600]}",
            hint="run `git fsck` and restore the repository from a good clone",
        )
    git_dir, common, bare_flag, shallow_flag = lines[:4]
    bare = bare_flag == "true"
    if len(lines) >= 5 and not bare:
        root = lines[4]
    elif bare:
        root = git_dir
    else:  # inside the git directory of a repository with a working tree
        root = str(Path(common).parent) if Path(common).name == ".git" else git_dir
    info = RepoInfo(
        root=root,
        git_dir=git_dir,
        bare=bare,
        shallow=False,
        detached=False,
        branch=None,
        head_sha=None,
    )
    handle = PlainRepo(info, Path(common))
    refuse_grafts(handle)
    branch = _current_branch(handle)
    handle.info = info.model_copy(
        update={
            "shallow": shallow_flag == "true",
            "branch": branch,
            "detached": branch is None,
            "head_sha": _head_or_none(handle),
        }
    )
    return handle


def _current_branch(repo: GitRunner) -> str | None:
    try:
        out = repo.run("symbolic-ref", "-q", "--short", "HEAD")
    except HischangeError:
        return None  # detached: symbolic-ref exits 1 without a message
    return out.strip() or None


def _head_or_none(repo: GitRunner) -> str | None:
    try:
        out = repo.run("rev-parse", "-q", "--verify", "HEAD^{commit}")
    except HischangeError:
        return None  # unborn branch: no commits yet
    return out.strip() or None


def main_worktree(repo: GitRunner) -> Path | None:
    """The main worktree's root when ``repo`` is a linked worktree (``git worktree add``),
    else None (also when the main repository is bare)."""
    git_dir = repo.git_dir.resolve()
    common = repo.common_dir.resolve()
    if git_dir == common or common.name != ".git":
        return None
    return common.parent
