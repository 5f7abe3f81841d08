"""Inline suppressions: ``-- hischange: disable=HC101,HC103 reason`` and ``disable-file=``.

``disable=`` applies to the next statement; when the comment sits inside a statement (for
instance inside a PL/SQL block, just before the inner UPDATE it excuses) it applies to that
enclosing statement. ``disable-file=`` applies to the whole file. A suppression must give a
reason: one without a reason suppresses nothing and is itself reported (HC002), so an approver
always sees why a finding was silenced.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from hischange.sqlreview.lexer import COMMENT, Lexer
from hischange.sqlreview.model import Dialect, Statement, Statements, Suppression

__all__ = ["ParsedSuppression", "find_suppressions"]

_MARK = "hischange:"
_DIRECTIVE = re.compile(
    r"^\s*hischange:\s*(?P<scope>disable-file|disable)\s*=\s*(?P<codes>[A-Za-z0-9_]+"
    r"(?:\s*,\s*[A-Za-z0-9_]+)*)(?P<reason>.*)$",
    re.DOTALL,
)


@dataclass(frozen=True)
class ParsedSuppression:
    """A suppression plus where it applies: a statement index (-1: none follows), None: file."""

    suppression: Suppression
    statement_index: int | None
    #: 0-based character offset of the comment, for the HC002 finding's span.
    offset: int


def _comment_body(raw: str) -> str:
    if raw.startswith("/*"):
        return raw[2:-2] if raw.endswith("*/") else raw[2:]
    return raw[2:] if raw.startswith("--") else raw[1:]


def find_suppressions(
    text: str, dialect: Dialect, statements: Sequence[Statement]
) -> list[ParsedSuppression]:
    """Every suppression comment in ``text``, resolved to the statement it applies to."""
    if _MARK not in text:  # fast path: most files have none, and lexing twice costs time
        return []
    starts = (
        statements.starts if isinstance(statements, Statements) else [s.start for s in statements]
    )
    found: list[ParsedSuppression] = []
    lexer = Lexer(text, dialect)
    size = len(text)
    while lexer.pos < size:
        kind, start, end = lexer.next_token()
        if kind != COMMENT or _MARK not in text[start:end]:
            continue
        m = _DIRECTIVE.match(_comment_body(text[start:end]))
        if m is None:
            continue
        codes = tuple(c.strip().upper() for c in m.group("codes").split(","))
        reason = m.group("reason").strip() or None
        scope: Literal["statement", "file"] = (
            "file" if m.group("scope") == "disable-file" else "statement"
        )
        index: int | None = None
        if scope == "statement":
            inside = bisect_right(starts, start) - 1
            if inside >= 0 and statements[inside].end > start:
                index = inside
            else:
                following = bisect_left(starts, end)
                index = following if following < len(statements) else -1
        line = text.count("\n", 0, start) + 1
        found.append(
            ParsedSuppression(
                Suppression(codes=codes, scope=scope, reason=reason, line=line),
                index if scope == "statement" else None,
                start,
            )
        )
    return found
