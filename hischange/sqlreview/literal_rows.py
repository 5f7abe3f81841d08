"""A fast path for ``INSERT ... VALUES`` statements whose rows are all literals.

A data script often carries one INSERT with thousands of rows of literals. Lexing every row
with sqlparse and walking the rows in every rule costs most of a review, yet such rows can
give no rule anything to see: they hold no keyword, name or operator a rule reacts to. So when
our own scanner PROVES that everything after the first row is more rows of plain literals, the
rules are given the words of the statement's head and first row, plus its final ``;`` at its
true offset. Findings are identical to the general path's; tests compare both on the shared
corpus and on generated statements (``tests/sqlreview/test_sql_literal_rows.py``).

What counts as proven, deliberately narrow (anything else takes the general path):

- the head is ``INSERT [INTO] name[.name...] [(column, ...)] VALUES`` with unquoted or
  double-quoted names; table name parts must lex as plain names and columns may not be words
  that begin statements or clauses, so no rule can start reading at one of them;
- each row is ``(literal, ...)`` where a literal is a number (optionally signed), a single-quoted
  string without backslashes (after the lexer mask of ``analysis``, which turns Oracle
  ``q'[...]'`` literals and non-escaping backslashes into plain strings) or ``NULL``;
- rows are separated by commas, and whitespace or complete comments may stand between tokens;
- the statement ends after the last row, with or without ``;``.

The scanner is a single compiled regular expression with possessive quantifiers, so it runs at
C speed and never backtracks across rows. Whatever it accepts is lexed by sqlparse as numbers,
strings, ``NULL``, signs, parentheses, commas, whitespace and comments, and nothing else.

Plugin rules may read anything (the raw tokens, the grouped tree), so the engine takes this
path only when every enabled statement rule is a builtin one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from hischange.sqlreview.model import Dialect
from hischange.sqlreview.rules._tokens import _STARTERS, Word, lex_tokens, to_words

__all__ = ["ENABLED", "literal_rows_words"]

#: Tests switch this off to run the general path on the same input and compare the findings.
ENABLED = True

_NAME = r'(?:[^\W\d]\w*|"[^"\n]*")'
# Whitespace and complete comments. ``--`` comments end at \r as well as \n, as sqlparse's do.
_SP = r"(?:\s++|--[^\r\n]*+|/\*.*?\*/)*+"
# Only a pre-check of the head's shape: the head itself is lexed by sqlparse and checked again.
_HEAD = (
    rf"INSERT\b{_SP}(?:INTO\b{_SP})?{_NAME}(?:{_SP}\.{_SP}{_NAME})*{_SP}"
    rf"(?:\({_SP}{_NAME}(?:{_SP},{_SP}{_NAME})*{_SP}\){_SP})?VALUES\b{_SP}"
)
_LIT = (
    r"(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE]-?\d+)?(?![\w$#.'\"])"
    r"|'[^'\\]*+(?:''[^'\\]*+)*+'"
    r"|(?i:NULL)(?![\w$#]))"
)
_ROW = rf"\({_SP}{_LIT}(?:{_SP},{_SP}{_LIT})*+{_SP}\)"


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Head, first row and further rows, compiled on first use (not at import: a review that
    meets no INSERT never needs them)."""
    return (
        re.compile(_HEAD, re.IGNORECASE | re.DOTALL),
        re.compile(_ROW, re.DOTALL),
        re.compile(rf"(?:{_SP},{_SP}{_ROW})++{_SP}(?:(?P<semi>;){_SP})?", re.DOTALL),
    )


#: Words that may not name a column on this path: each begins a statement or a clause.
_NOT_COLUMNS = _STARTERS | {
    "SELECT",
    "WITH",
    "FROM",
    "WHERE",
    "SET",
    "VALUES",
    "VALUE",
    "INTO",
    "TABLE",
    "PREPARE",
    "SP_EXECUTESQL",
}


def literal_rows_words(masked: str, dialect: Dialect) -> tuple[Sequence[Any], list[Word]] | None:
    """Tokens and words of the head and first row when the rest is proven literal rows.

    ``masked`` is the statement text after ``analysis.mask_for_lexer`` (same length as the
    statement). None means "not proven": the caller takes the general path.
    """
    if not masked[:6].upper().startswith("INSERT"):
        return None  # what the head pattern would say, without compiling it
    head_re, first_re, more_re = _patterns()
    head = head_re.match(masked)
    if head is None:
        return None
    first = first_re.match(masked, head.end())
    if first is None:
        return None
    cut = first.end()
    rest = more_re.fullmatch(masked, cut)
    if rest is None:
        return None
    tokens = lex_tokens(masked[:cut])
    ws = to_words(tokens, dialect)
    if not _head_is_plain(ws):
        return None
    if rest.group("semi"):
        # The general path's last word: the terminator, at depth 0 since every row is closed.
        ws.append(Word("punct", ";", ";", rest.start("semi"), 0))
    return tokens, ws


def _head_is_plain(ws: list[Word]) -> bool:
    """The lexed head has the shape the regex promised, with harmless names."""
    # The last VALUES: the first row holds only literals, so it is the one before that row, and
    # every word before it (a column named VALUES included) is checked below.
    values = max((k for k, w in enumerate(ws) if w.up == "VALUES" and w.kind == "kw"), default=-1)
    if values < 2 or ws[0].up != "INSERT":
        return False
    depth_one = False
    for w in ws[1:values]:
        if w.kind == "punct":
            depth_one = depth_one or w.value == "("
            continue
        if w.up == "INTO" and not depth_one:
            continue
        if not depth_one and w.kind != "name":
            return False  # a table name part that sqlparse reads as a keyword
        if w.kind not in ("name", "kw") or w.up in _NOT_COLUMNS:
            return False
    return True
