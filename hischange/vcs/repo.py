"""Opening a repository and running git in it, with git's failures turned into our errors."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

import git
from git.exc import GitCommandError, GitCommandNotFound, InvalidGitRepositoryError, NoSuchPathError

from hischange.errors import HischangeError, IntegrityError, NotFoundError, UsageError
from hischange.vcs.models import RepoInfo

__all__ = [
    "HISTORY_ENV",
    "GitRepository",
    "execute_bytes",
    "git_failure",
    "head_sha",
    "is_dirty",
    "main_worktree",
    "open_repo",
    "refuse_grafts",
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


_OUTSIDE_HINT = (
    "run inside a clone, or give `hischange --project DIR` (or HISCHANGE_PROJECT) a project "
    "folder inside one"
)


class GitRepository:
    """An open repository: GitPython's handle plus what was learned when opening it.

    Only ``hischange.vcs`` touches ``.git_repo``; everyone else passes the handle around.
    """

    __slots__ = ("git_repo", "info")

    def __init__(self, git_repo: git.Repo, info: RepoInfo) -> None:
        self.git_repo = git_repo
        self.info = info

    @property
    def root(self) -> Path:
        """The working tree root (the git directory for a bare repository)."""
        return Path(self.info.root)

    def run(self, *args: str, strip: bool = True) -> str:
        """Run one git command and return its output, raising our errors on failure."""
        try:
            out: str = self.git_repo.git.execute(
                ["git", *args], strip_newline_in_stdout=strip, with_extended_output=False
            )
        except (GitCommandError, GitCommandNotFound) as exc:
            raise git_failure(exc, " ".join(args[:2]), self.info.root) from exc
        return out

    def run_bytes(self, *args: str, stdin: bytes | None = None) -> bytes:
        """Run one git command, feeding ``stdin``, and return its raw stdout."""
        return execute_bytes(self.git_repo.git, list(args), stdin=stdin, where=self.info.root)

    def __repr__(self) -> str:
        return f"GitRepository({self.info.root!r})"


def execute_bytes(
    gitcmd: git.Git, args: Sequence[str], *, stdin: bytes | None = None, where: str
) -> bytes:
    """Run ``git <args>`` through GitPython, feeding ``stdin``; return raw stdout."""
    command = ["git", *args]
    try:
        proc = gitcmd.execute(
            command, as_process=True, istream=subprocess.PIPE if stdin is not None else None
        )
    except GitCommandNotFound as exc:
        raise git_failure(exc, " ".join(args[:2]), where) from exc
    out, err = proc.communicate(stdin)
    if proc.returncode != 0:
        failure = GitCommandError(command, proc.returncode, err, out)
        raise git_failure(failure, " ".join(args[:2]), where)
    return bytes(out)


def git_failure(exc: Exception, action: str, where: str) -> HischangeError:
    """Turn a failed git command into the hischange error that says what to do."""
    stderr = getattr(exc, "stderr", "")
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    detail = " ".join(str(stderr or exc).split()).replace("stderr: ", "")[:600]
    lowered = detail.lower()
    if isinstance(exc, GitCommandNotFound):
        return UsageError(
            f"git was not found while running `git {action}`: {detail}",
            hint="install git and make sure it is on PATH",
        )
    if "not a git repository" in lowered:
        return NotFoundError(f"{where} is not a git repository", hint=_OUTSIDE_HINT)
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


def open_repo(path: str | Path = ".") -> GitRepository:
    """Open the repository containing ``path``; report shallow clones and detached HEAD."""
    target = Path(path)
    try:
        repo = git.Repo(target, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError) as exc:
        raise NotFoundError(
            f"{target} is not inside a git repository",
            hint=_OUTSIDE_HINT,
        ) from exc
    except (git.GitError, OSError, ValueError) as exc:
        raise IntegrityError(
            f"the git repository at {target} cannot be opened: {exc}",
            hint="run `git fsck` and restore the repository from a good clone",
        ) from exc
    repo.git.update_environment(**HISTORY_ENV)
    bare = bool(repo.bare)
    root = repo.git_dir if bare or repo.working_tree_dir is None else repo.working_tree_dir
    handle = GitRepository(
        repo,
        RepoInfo(
            root=str(root),
            git_dir=str(repo.git_dir),
            bare=bare,
            shallow=False,
            detached=False,
            branch=None,
            head_sha=None,
        ),
    )
    refuse_grafts(handle)
    shallow = handle.run("rev-parse", "--is-shallow-repository") == "true"
    branch = _current_branch(handle)
    handle.info = handle.info.model_copy(
        update={
            "shallow": shallow,
            "branch": branch,
            "detached": branch is None,
            "head_sha": _head_or_none(handle),
        }
    )
    return handle


def refuse_grafts(repo: GitRepository) -> None:
    """Refuse a repository whose history a graft file rewrites.

    Grafts (``.git/info/grafts`` or ``GIT_GRAFT_FILE``) give commits other parents than
    the ones they were made with, and unlike replace refs git has no switch to ignore them:
    custody and releases would read a history nobody committed.
    """
    named = os.environ.get("GIT_GRAFT_FILE")
    grafts = Path(named) if named else Path(repo.git_repo.common_dir) / "info" / "grafts"
    if grafts.is_file() and grafts.read_bytes().strip():
        raise IntegrityError(
            f"the git repository at {repo.info.root} has a graft file ({grafts}): grafts "
            "rewrite which parents commits have, so hischange will not read its history",
            hint="remove the graft file (a replace ref made by `git replace "
            "--convert-graft-file` keeps it for browsing: hischange ignores replace refs)",
        )


def _current_branch(repo: GitRepository) -> str | None:
    try:
        out: str = repo.git_repo.git.symbolic_ref("-q", "--short", "HEAD")
    except GitCommandError:
        return None  # detached: symbolic-ref exits 1 without a message
    return out.strip() or None


def _head_or_none(repo: GitRepository) -> str | None:
    try:
        out: str = repo.git_repo.git.rev_parse("-q", "--verify", "HEAD^{commit}")
    except GitCommandError:
        return None  # unborn branch: no commits yet
    return out.strip() or None


def head_sha(repo: GitRepository) -> str:
    """The commit HEAD points at; NotFoundError in a repository without commits."""
    sha = _head_or_none(repo)
    if sha is None:
        raise NotFoundError(
            f"the repository at {repo.info.root} has no commits yet (HEAD is unborn)",
            hint="commit something first",
        )
    return sha


def is_dirty(repo: GitRepository, *, include_untracked: bool = False) -> bool:
    """True when the working tree or index differs from HEAD."""
    args: Sequence[str] = ("status", "--porcelain", "-z")
    if not include_untracked:
        args = (*args, "--untracked-files=no")
    return bool(repo.run_bytes(*args))


def main_worktree(repo: GitRepository) -> Path | None:
    """The main worktree's root when ``repo`` is a linked worktree (``git worktree add``),
    else None (also when the main repository is bare)."""
    git_dir = Path(repo.git_repo.git_dir).resolve()
    common = Path(repo.git_repo.common_dir).resolve()
    if git_dir == common or common.name != ".git":
        return None
    return common.parent
