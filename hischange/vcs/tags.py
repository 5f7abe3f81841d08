"""Annotated release tags."""

from __future__ import annotations

import re

from git.exc import GitCommandError

from hischange.errors import UsageError
from hischange.vcs.history import resolve_range
from hischange.vcs.repo import GitRepository

__all__ = ["create_annotated_tag", "tag_exists", "tag_ledger_heads"]


def _check_name(repo: GitRepository, name: str) -> None:
    try:
        repo.git_repo.git.check_ref_format(f"refs/tags/{name}")
    except GitCommandError as exc:
        raise UsageError(
            f"{name!r} is not a valid git tag name",
            hint="use a name like v3.2.0 (no spaces, '..', '~', '^', ':' or '\\')",
        ) from exc


def tag_exists(repo: GitRepository, name: str) -> bool:
    """True when ``refs/tags/<name>`` exists."""
    _check_name(repo, name)
    return bool(repo.run("for-each-ref", "--count=1", f"refs/tags/{name}"))


def create_annotated_tag(
    repo: GitRepository,
    name: str,
    message: str,
    *,
    sign: bool = False,
    rev: str = "HEAD",
    signing_key: str | None = None,
    tagger: str | None = None,
) -> str:
    """Create annotated (optionally GPG-signed) tag ``name`` at ``rev``; return the tag's id.

    ``signing_key`` signs with that key (``git tag -u``); ``sign`` alone uses git's default.
    ``tagger`` (an identity such as ``release@vendor``) becomes the tag's tagger, so the tag
    names whoever the ledger says cut the release, and a machine without a git identity
    (a fresh intranet server) can still tag.

    The message is stored verbatim (``--cleanup=verbatim``) so a ledger head printed in it is
    not mangled. An existing tag is never moved.
    """
    if tag_exists(repo, name):
        raise UsageError(
            f"tag {name!r} already exists in {repo.info.root}",
            hint="choose another version; hischange never moves a tag",
        )
    target = resolve_range(repo, rev).tip
    mode = ["-u", signing_key] if signing_key else ["-s" if sign else "-a"]
    who = ["-c", f"user.email={tagger}", "-c", f"user.name={tagger}"] if tagger else []
    repo.run_bytes(
        *who,
        "tag",
        *mode,
        "--cleanup=verbatim",
        "-F",
        "-",
        name,
        target,
        stdin=message.encode("utf-8"),
    )
    return repo.run("rev-parse", "--verify", f"refs/tags/{name}")


_HEAD_LINE = re.compile(r"^ledger head: (\d{1,18}):([0-9a-f]{64})$", re.MULTILINE)


def tag_ledger_heads(repo: GitRepository, prefix: str) -> list[tuple[str, int, str]]:
    """``(tag, seq, hash)`` of every annotated tag named ``prefix…`` whose message carries a
    ``ledger head: SEQ:HASH`` line (as ``release cut`` writes it)."""
    out = repo.run_bytes(
        "for-each-ref", "--format=%(refname:strip=2)%00%(contents)%00", f"refs/tags/{prefix}*"
    ).decode("utf-8", "replace")
    parts = out.split("\0")
    found = []
    for name, message in zip(parts[0::2], parts[1::2], strict=False):
        head = _HEAD_LINE.search(message)
        if head:
            found.append((name.strip(), int(head.group(1)), head.group(2)))
    return found
