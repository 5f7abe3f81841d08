"""Commit identity and ancestry: resolve a revision, the commit a tag names, "is A in B"."""

from __future__ import annotations

from git.exc import GitCommandError

from hischange.errors import NotFoundError, UsageError
from hischange.vcs.repo import GitRepository, git_failure

__all__ = ["is_ancestor", "resolve_commit", "tag_commit"]


def _check(rev: str) -> None:
    # A leading dash would be read by git as an option; NUL/newline cannot be a revision.
    if not rev or rev.startswith("-") or any(ch in rev for ch in "\0\n\r"):
        raise UsageError(f"{rev!r} is not a revision", hint="give a commit id, tag or branch")


def resolve_commit(repo: GitRepository, rev: str) -> str:
    """The full commit id ``rev`` names; NotFoundError when the repository lacks it."""
    _check(rev)
    try:
        return repo.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    except UsageError:
        # rev-parse --verify --quiet exits 1 without a message on an unknown name.
        raise NotFoundError(
            f"unknown commit {rev!r} in {repo.info.root}",
            hint="check the id with `git log`, or fetch the commit first",
        ) from None


def tag_commit(repo: GitRepository, name: str) -> str | None:
    """The commit tag ``name`` points at, or None when there is no such tag."""
    _check(name)
    if not repo.run("for-each-ref", "--count=1", f"refs/tags/{name}"):
        return None
    return repo.run("rev-parse", "--verify", "--quiet", f"refs/tags/{name}^{{commit}}") or None


def is_ancestor(repo: GitRepository, ancestor: str, descendant: str) -> bool:
    """True when ``ancestor`` is ``descendant`` or reachable from it (git merge-base)."""
    _check(ancestor)
    _check(descendant)
    try:
        repo.git_repo.git.merge_base("--is-ancestor", ancestor, descendant)
    except GitCommandError as exc:
        # Exit 1 is git's "no"; anything else (unknown commit, corruption) is an error.
        if exc.status == 1:
            return False
        raise git_failure(exc, "merge-base --is-ancestor", repo.info.root) from exc
    return True
