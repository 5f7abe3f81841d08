"""File contents and changed paths at revisions (for SQL review and view comparison)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

from hischange.errors import NotFoundError
from hischange.vcs.history import resolve_range
from hischange.vcs.repo import GitRepository

__all__ = ["changed_files", "commit_changes", "file_at", "first_changed_paths"]


def _commit(repo: GitRepository, rev: str) -> str:
    rng = resolve_range(repo, rev)
    if rng.base is not None:
        raise NotFoundError(f"{rev!r} names a range, not one revision", hint="give one commit")
    return rng.tip


def file_at(repo: GitRepository, rev: str, path: str) -> bytes | None:
    """The content of ``path`` at ``rev``, or None when no such file exists there."""
    sha = _commit(repo, rev)
    clean = PurePosixPath(path.replace("\\", "/").removeprefix("./")).as_posix()
    tree = repo.git_repo.commit(sha).tree
    try:
        entry = tree / clean
    except KeyError:
        return None
    if entry.type != "blob":
        return None  # a directory or a submodule is not a file
    data: bytes = entry.data_stream.read()
    return data


def _empty_tree(repo: GitRepository) -> str:
    # hashed rather than hard-coded so SHA-256 repositories work too
    return repo.run_bytes("hash-object", "-t", "tree", "--stdin", stdin=b"").decode().strip()


def changed_files(repo: GitRepository, rev_range: str, pattern: str | None = None) -> list[str]:
    """Paths added or modified between the ends of ``rev_range`` (net effect, sorted).

    ``pattern`` is a git pathspec such as ``*.sql`` (``*`` also matches ``/``). A rename
    counts as an added file. A single revision compares against the empty tree.
    """
    rng = resolve_range(repo, rev_range)
    if rng.base is None:
        base = _empty_tree(repo)
    elif rng.symmetric:
        base = repo.run("merge-base", rng.base, rng.tip)
    else:
        base = rng.base
    out = repo.run_bytes(
        "diff-tree",
        "-r",
        "-z",
        "--name-only",
        "--no-renames",
        "--diff-filter=AM",
        base,
        rng.tip,
        "--",
        *([pattern] if pattern else []),
    )
    names = [p.decode("utf-8", "replace") for p in out.split(b"\0") if p]
    return sorted(names)


def first_changed_paths(repo: GitRepository, shas: Sequence[str]) -> dict[str, str]:
    """For each commit, the first path it changed against its first parent (one ``git
    diff-tree --stdin`` for all of them); commits that change no file, and merges, are left
    out. For tools that anchor a finding about a commit to a file (SARIF)."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    out = repo.run_bytes(
        "diff-tree", "--stdin", "-r", "-z", "--name-only", "--no-renames", "--root",
        stdin="".join(f"{sha}\n" for sha in wanted).encode(),
    )  # fmt: skip
    heads = set(wanted)
    found: dict[str, str] = {}
    current: str | None = None
    for token in out.split(b"\0"):
        text = token.decode("utf-8", "replace")
        if text in heads and current != text:
            current = text
        elif current is not None and text and current not in found:
            found[current] = text
    return found


def commit_changes(
    repo: GitRepository, shas: Sequence[str]
) -> dict[str, tuple[tuple[str, str], ...]]:
    """For each commit, the paths it changed against its first parent (the empty tree for a
    root commit) with their status letter (A, M, D, T), from one ``git diff-tree --stdin``;
    merges are left out."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    out = repo.run_bytes(
        "diff-tree", "--stdin", "-r", "-z", "--name-status", "--no-renames", "--root",
        stdin="".join(f"{sha}\n" for sha in wanted).encode(),
    )  # fmt: skip
    heads = set(wanted)
    found: dict[str, list[tuple[str, str]]] = {}
    tokens = [t.decode("utf-8", "replace") for t in out.split(b"\0")]
    current: list[tuple[str, str]] | None = None
    i = 0
    while i < len(tokens):
        text = tokens[i]
        if text in heads:
            current = found.setdefault(text, [])
            i += 1
        elif current is not None and text and i + 1 < len(tokens):
            current.append((text[:1], tokens[i + 1]))
            i += 2
        else:
            i += 1
    return {sha: tuple(items) for sha, items in found.items()}
