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

from hischange.vcs.links import DEFAULT_TRAILER_KEYS, find_links
from hischange.vcs.models import MessageCheck, SubjectPattern, Trailer, UnparsedMention
from hischange.vcs.pending import cleanup_text
from hischange.vcs.plain import GitRunner, run_git

__all__ = ["check_message", "cleanup_message", "parse_message_trailers", "suggest_message"]

_PLACEHOLDER_ID = "CR-YYYY-NNNN"
_GIT_KEY = re.compile(r"[A-Za-z0-9-]+")


def cleanup_message(
    message: str,
    comment_char: str = "#",
    *,
    strip_comments: bool = True,
    mode: str | None = None,
    editor: bool = True,
) -> str:
    """What ``git commit`` stores of a message under cleanup ``mode`` (``strip`` by default,
    ``whitespace`` when not ``strip_comments``); see ``vcs.pending`` for how a hook learns
    the mode."""
    if mode is None:
        mode = "strip" if strip_comments else "whitespace"
    return cleanup_text(message, mode, comment_char, editor=editor)


def parse_message_trailers(message: str, repo: GitRunner | None = None) -> tuple[Trailer, ...]:
    """The trailers git will parse from ``message`` (in ``repo`` to honour its config)."""
    args = ("interpret-trailers", "--parse", "--no-divider")
    stdin = message.encode("utf-8")
    if repo is not None:
        out = repo.run_bytes(*args, stdin=stdin)
    else:
        out = run_git(args, cwd=str(Path.cwd()), stdin=stdin)
    trailers = []
    for line in out.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            trailers.append(Trailer(key=key.strip(), value=value.strip()))
    return tuple(trailers)


def _comment_char(repo: GitRunner | None) -> str:
    if repo is None:
        return "#"
    value = repo.config_value("core.commentChar") or ""
    return value if len(value) == 1 else "#"  # "auto" picks per message; '#' is its default


def suggest_message(
    cleaned: str, ids: Sequence[str], mentions: Sequence[UnparsedMention], keys: Sequence[str]
) -> str:
    """``cleaned`` rewritten so that git parses ``ids`` (the placeholder when none) as one
    trailer block under the first key: change trailers and the unparsed mentions are moved
    into the last paragraph with the other trailers already there (never a second one)."""
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
    repo: GitRunner | None = None,
    subject_patterns: Sequence[SubjectPattern] = (),
    cleanup: str = "strip",
    editor: bool = True,
) -> MessageCheck:
    """Which change ids git will parse from ``message``, what it will miss, and the fix.

    ``message`` is the commit-msg hook's file content (comments and scissors included),
    which git cleans up after the hook ran under ``cleanup`` (``strip`` for an edited
    message; ``vcs.pending_commit`` finds the mode; ``verbatim`` for a message already
    cleaned). Pass ``repo`` so git's trailer and comment settings of that repository apply.
    """
    comment_char = _comment_char(repo)
    cleaned = cleanup_text(message, cleanup, comment_char, editor=editor)
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
        suggested = suggest_message(cleaned, wanted, mentions, trailer_keys)
    return MessageCheck(
        trailers=trailers,
        change_ids=change_ids,
        unparsed_mentions=mentions,
        invalid_values=bad,
        suggested_message=suggested,
    )
