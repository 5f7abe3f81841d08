"""Opening a repository and running git in it, with git's failures turned into our errors."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import git
from git.exc import GitCommandError, GitCommandNotFound, InvalidGitRepositoryError, NoSuchPathError

from hischange.errors import HischangeError, IntegrityError, NotFoundError
from hischange.vcs.models import RepoInfo
from hischange.vcs.plain import (
    HISTORY_ENV,
    OUTSIDE_HINT,
    failure,
    main_worktree,
    refuse_grafts,
)

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

    @property
    def git_dir(self) -> Path:
        """This worktree's git directory (``.git/worktrees/NAME`` in a linked one)."""
        return Path(self.git_repo.git_dir)

    @property
    def common_dir(self) -> Path:
        """The git directory shared by every worktree."""
        return Path(self.git_repo.common_dir)

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

    def config_value(self, key: str) -> str | None:
        """What ``git config --get KEY`` prints, None when unset or empty."""
        try:
            out = self.run_bytes("config", "--get", key)
        except HischangeError:
            return None  # not set (git config exits 1)
        return out.decode("utf-8", "replace").strip() or None

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
        error = GitCommandError(command, proc.returncode, err, out)
        raise git_failure(error, " ".join(args[:2]), where)
    return bytes(out)


def git_failure(exc: Exception, action: str, where: str) -> HischangeError:
    """Turn a failed git command into the hischange error that says what to do."""
    stderr = getattr(exc, "stderr", "")
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    return failure(str(stderr or exc), action, where, no_git=isinstance(exc, GitCommandNotFound))


def open_repo(path: str | Path = ".") -> GitRepository:
    """Open the repository containing ``path``; report shallow clones and detached HEAD."""
    target = Path(path)
    try:
        repo = git.Repo(target, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError) as exc:
        raise NotFoundError(
            f"{target} is not inside a git repository",
            hint=OUTSIDE_HINT,
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
