"""The commit-msg hook's view of a message, computed with git's own trailer parser.

``git interpret-trailers --parse --no-divider`` runs the same trailer code as
``git log --format=%(trailers:only,unfold)`` (``--no-divider`` because ``git log`` does not
stop at a ``---`` line either). The commit-msg hook receives the message *before* git's
cleanup, with comment lines and possibly a scissors line; git's trailer parser skips those
itself, and the cleaned text is used only for mentions and the suggested message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import git

from hischange.vcs.links import DEFAULT_TRAILER_KEYS, find_links
from hischange.vcs.models import MessageCheck, SubjectPattern, Trailer, UnparsedMention
from hischange.vcs.repo import GitRepository, execute_bytes

__all__ = ["check_message", "cleanup_message", "parse_message_trailers"]

_SCISSORS = " ------------------------ >8 ------------------------"
_PLACEHOLDER_ID = "CR-YYYY-NNNN"
_GIT_KEY = re.compile(r"[A-Za-z0-9-]+")


def cleanup_message(message: str, comment_char: str = "#", *, strip_comments: bool = True) -> str:
    """What ``git commit`` stores of a message: like ``git stripspace`` (with ``-s`` when
    ``strip_comments``), and cut at the scissors line ``git commit -v`` adds."""
    kept: list[str] = []
    blank = False
    # str.splitlines would also split on \v, \f and U+2028, which git keeps inside a line
    for raw in message.split("\n"):
        if raw.rstrip("\r") == comment_char + _SCISSORS:
            break
        if strip_comments and raw.startswith(comment_char):
            continue
        line = raw.rstrip(" \t\r")  # git's isspace: no \v or \f
        if not line:
            blank = bool(kept)
            continue
        if blank:
            kept.append("")
            blank = False
        kept.append(line)
    return "".join(line + "\n" for line in kept)


def _git(repo: GitRepository | None) -> git.Git:
    return repo.git_repo.git if repo is not None else git.Git(str(Path.cwd()))


def parse_message_trailers(message: str, repo: GitRepository | None = None) -> tuple[Trailer, ...]:
    """The trailers git will parse from ``message`` (in ``repo`` to honour its config)."""
    where = repo.info.root if repo is not None else str(Path.cwd())
    out = execute_bytes(
        _git(repo),
        ["interpret-trailers", "--parse", "--no-divider"],
        stdin=message.encode("utf-8"),
        where=where,
    )
    trailers = []
    for line in out.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            trailers.append(Trailer(key=key.strip(), value=value.strip()))
    return tuple(trailers)


def _comment_char(repo: GitRepository | None) -> str:
    if repo is None:
        return "#"
    try:
        value = str(repo.git_repo.git.config("--get", "core.commentChar")).strip()
    except git.GitCommandError:
        return "#"
    return value if len(value) == 1 else "#"  # "auto" picks per message; '#' is its default


def _suggest(
    cleaned: str, ids: Sequence[str], mentions: Sequence[UnparsedMention], keys: Sequence[str]
) -> str:
    primary = keys[0] if keys else DEFAULT_TRAILER_KEYS[0]
    lower_keys = {k.lower() for k in keys}
    drop = {m.line for m in mentions if m.reason != "invalid_key"}
    lines = cleaned.splitlines()
    end = len(lines)
    start = end
    while start and lines[start - 1].strip():
        start -= 1
    moved: list[str] = []
    body: list[str] = []
    for index, line in enumerate(lines):
        key, sep, _ = line.partition(":")
        is_change_trailer = bool(sep) and key.strip().lower() in lower_keys
        if is_change_trailer or line in drop:
            continue
        if start > 0 and index >= start and sep and _GIT_KEY.fullmatch(key.rstrip()):
            moved.append(line)  # keep Signed-off-by & co. in the new trailer block
            continue
        body.append(line)
    text = "\n".join(body).rstrip() or "<summary of the change>"
    block = [f"{primary}: {i}" for i in (ids or [_PLACEHOLDER_ID])] + moved
    return text + "\n\n" + "\n".join(block) + "\n"


def check_message(
    message: str,
    trailer_keys: Sequence[str] = DEFAULT_TRAILER_KEYS,
    *,
    repo: GitRepository | None = None,
    subject_patterns: Sequence[SubjectPattern] = (),
) -> MessageCheck:
    """Which change ids git will parse from ``message``, what it will miss, and the fix.

    ``message`` is the commit-msg hook's file content (comments and scissors included).
    Pass ``repo`` so git's trailer and comment settings of that repository apply.
    """
    comment_char = _comment_char(repo)
    # git cleans the message after the hook ran. Comment lines come from the editor
    # template, whose cleanup mode (strip) removes them before git records the message;
    # keeping them would break a folded trailer that a comment line interrupts.
    cleaned = cleanup_message(message, comment_char)
    trailers = parse_message_trailers(cleaned, repo)
    subject = cleaned.split("\n\n", 1)[0].replace("\n", " ").strip()
    links, mentions, bad = find_links(
        trailers=trailers,
        subject=subject,
        message=cleaned,
        trailer_keys=trailer_keys,
        subject_patterns=subject_patterns,
    )
    change_ids = tuple(dict.fromkeys(link.change_id for link in links))
    suggested = None
    if not change_ids or mentions or bad:
        wanted = list(dict.fromkeys([*change_ids, *(m.change_id for m in mentions)]))
        suggested = _suggest(cleaned, wanted, mentions, trailer_keys)
    return MessageCheck(
        trailers=trailers,
        change_ids=change_ids,
        unparsed_mentions=mentions,
        invalid_values=bad,
        suggested_message=suggested,
    )
