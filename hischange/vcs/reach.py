"""Rewritten history: which recorded commits are gone or no longer reachable.

Two git processes regardless of how many commits are checked: ``git cat-file
--batch-check`` for existence, then one ``git rev-list --stdin`` walking from the recorded
commits down to the protected ref tips. A recorded commit is unreachable exactly when
``rev-list <commit> --not <tips>`` lists it, and that walk only visits the commits the tips
do not already cover, so it stays cheap on a 100k-commit history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from hischange.errors import NotFoundError, UsageError
from hischange.vcs.models import MissingCommit
from hischange.vcs.repo import GitRepository

__all__ = [
    "default_protected_refs",
    "gone_commits",
    "missing_commits",
    "patch_ids",
    "protected_tips",
]

#: Every ref a commit can live on (``refs/replace`` and ``refs/stash`` are not history).
_ALL_HISTORY = ("refs/heads", "refs/tags", "refs/remotes")

_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def default_protected_refs(repo: GitRepository) -> tuple[str, ...]:
    """All tags plus the main branch: ``refs/heads/main`` or, failing that, ``master``."""
    for branch in ("main", "master"):
        if repo.run("for-each-ref", "--count=1", f"refs/heads/{branch}"):
            return ("refs/tags/*", f"refs/heads/{branch}")
    return ("refs/tags/*", "refs/heads/main")


def protected_tips(repo: GitRepository, protected_refs: Sequence[str]) -> list[str]:
    """The commit-ish object ids of every ref matching ``protected_refs`` (for-each-ref
    patterns: ``refs/tags/*``, ``refs/heads/main``, ``refs/remotes/origin``)."""
    if not protected_refs:
        raise UsageError("no protected refs given", hint="use e.g. refs/tags/* and refs/heads/main")
    for pattern in protected_refs:
        if not pattern or pattern.startswith("-"):
            raise UsageError(f"{pattern!r} is not a ref pattern", hint="use e.g. refs/tags/*")
    out = repo.run(
        "for-each-ref", "--format=%(objectname) %(objecttype) %(*objecttype)", *protected_refs
    )
    tips = []
    for line in out.splitlines():
        name, kind, peeled = [*line.split(" "), "", ""][:3]
        if kind == "commit" or (kind == "tag" and peeled in ("commit", "tag")):
            tips.append(name)
    if not tips:
        raise NotFoundError(
            f"no ref in {repo.info.root} matches the protected refs {list(protected_refs)}",
            hint="configure protected refs that exist, e.g. refs/tags/* and refs/heads/main",
        )
    return tips


def missing_commits(
    repo: GitRepository,
    shas: Iterable[str],
    protected_refs: Sequence[str] | None = None,
) -> list[MissingCommit]:
    """The recorded ``shas`` that no longer exist ("absent") or that no protected ref
    reaches any more ("unreachable"), in input order."""
    wanted = list(dict.fromkeys(s.strip().lower() for s in shas))
    for sha in wanted:
        if not _SHA.fullmatch(sha):
            raise UsageError(
                f"{sha!r} is not a full commit id", hint="record commits by their full hash"
            )
    if not wanted:
        return []
    refs = protected_refs if protected_refs is not None else default_protected_refs(repo)
    tips = protected_tips(repo, refs)
    check = repo.run_bytes(
        "cat-file", "--batch-check", stdin="".join(f"{s}\n" for s in wanted).encode()
    )
    present = set()
    for line in check.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] == "commit":
            present.add(parts[0])
    feed = [f"{s}\n" for s in wanted if s in present] + [f"^{t}\n" for t in tips]
    listed: set[str] = set()
    if len(feed) > len(tips):
        out = repo.run_bytes("rev-list", "--stdin", stdin="".join(feed).encode())
        listed = set(out.decode("ascii").split())
    missing = []
    for sha in wanted:
        if sha not in present:
            missing.append(MissingCommit(sha=sha, reason="absent"))
        elif sha in listed:
            missing.append(MissingCommit(sha=sha, reason="unreachable"))
    return missing


def gone_commits(repo: GitRepository, shas: Iterable[str]) -> set[str]:
    """The ``shas`` that no branch, tag or remote-tracking ref reaches (absent, or kept only
    by the reflog until the next gc): what a force-push dropped."""
    return {m.sha for m in missing_commits(repo, shas, _ALL_HISTORY)}


def patch_ids(repo: GitRepository, shas: Sequence[str]) -> dict[str, str]:
    """``git patch-id --stable`` of each commit that exists and is no merge (two git
    processes for all of them): equal ids mean the same change to the files, as after a
    rebase or a cherry-pick."""
    check = repo.run_bytes(
        "cat-file", "--batch-check", stdin="".join(f"{s}\n" for s in shas).encode()
    )
    present = [
        parts[0]
        for parts in (line.split() for line in check.decode("ascii", "replace").splitlines())
        if len(parts) >= 2 and parts[1] == "commit"
    ]
    if not present:
        return {}
    diffs = repo.run_bytes(
        "log", "-p", "--no-walk=unsorted", "--no-merges", "--no-color", "--no-ext-diff",
        "--format=commit %H", "--stdin",
        stdin="".join(f"{s}\n" for s in present).encode(),
    )  # fmt: skip
    out = repo.run_bytes("patch-id", "--stable", stdin=diffs)
    found: dict[str, str] = {}
    for line in out.decode("ascii", "replace").splitlines():
        pid, _, sha = line.partition(" ")
        if sha:
            found[sha.strip()] = pid
    return found
