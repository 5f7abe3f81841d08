"""A small, dialect-aware SQL lexer that only knows what the splitter needs.

It tells apart whitespace, comments, quoted strings and identifiers, words, ``;`` and
everything else, so the splitter never mistakes a ``;`` or a ``/`` inside a string or a
comment for a terminator. It never backtracks: each call to :func:`next_token` consumes at
least one character, and closing quotes are found with ``str.find``, so lexing is linear.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from hischange.sqlreview.model import Dialect

__all__ = [
    "COMMENT",
    "OTHER",
    "SEMI",
    "STRING",
    "WORD",
    "WS",
    "Lexer",
    "settled_run",
]

WS: Final = 0
COMMENT: Final = 1
STRING: Final = 2  # quoted strings and quoted identifiers alike
WORD: Final = 3
SEMI: Final = 4
OTHER: Final = 5

# Runs of characters that can never start a comment, a string or a terminator; matching them
# in one go keeps a 10,000-row INSERT from becoming a million single-character tokens.
_OTHER_RUN = r"[0-9.,()=<>+*%|:!?&^~{}\]]+"

_WORD_COMMON = r"(?:[^\W\d]|[@#])[\w@#$]*"
# Oracle conditional compilation ($IF ... $THEN ... $ELSE ... $END, $ERROR ... $END) lexes as
# one word, so its $END is never taken for the END of a block.
_WORD_ORACLE = r"(?:[^\W\d]|[@#]|\$(?=[^\W\d]))[\w@#$]*"
_WORD_MYSQL = r"(?:[^\W\d]|@)[\w@$]*"
_WORD_PG = r"[^\W\d][\w$]*"

# Each pattern's groups: ws, lcomment, bcomment_open, string_open, word, semi, other.
# String openers are matched here; the body is consumed by dedicated code so that the
# per-dialect escape rules live in one place.
_PATTERNS: dict[Dialect, str] = {
    "oracle": (
        r"(?P<ws>\s+)|(?P<lc>--[^\n]*)|(?P<bc>/\*)"
        r"|(?P<q>[nN]?[qQ]'|[nN]?'|\")"
        rf"|(?P<word>{_WORD_ORACLE})|(?P<semi>;)|(?P<other>{_OTHER_RUN})"
    ),
    "tsql": (
        r"(?P<ws>\s+)|(?P<lc>--[^\n]*)|(?P<bc>/\*)"
        r"|(?P<q>[nN]?'|\"|\[)"
        rf"|(?P<word>{_WORD_COMMON})|(?P<semi>;)|(?P<other>{_OTHER_RUN})"
    ),
    "mysql": (
        r"(?P<ws>\s+)|(?P<lc>(?:--(?=[\s]|$)|#)[^\n]*)|(?P<bc>/\*)"
        r"|(?P<q>[nN]?'|\"|`)"
        rf"|(?P<word>{_WORD_MYSQL})|(?P<semi>;)|(?P<other>{_OTHER_RUN})"
    ),
    "postgres": (
        r"(?P<ws>\s+)|(?P<lc>--[^\n]*)|(?P<bc>/\*)"
        r"|(?P<q>[eE]'|'|\"|\$(?:[^\W\d][\w]*)?\$)"
        rf"|(?P<word>{_WORD_PG})|(?P<semi>;)|(?P<other>{_OTHER_RUN})"
    ),
}


@cache
def _compiled(dialect: Dialect) -> re.Pattern[str]:
    """The token pattern of one dialect, compiled on first use (a review needs one)."""
    return re.compile(_PATTERNS[dialect])


_Q_CLOSE = {"[": "]", "{": "}", "(": ")", "<": ">"}
# Doubled-quote strings: no backslash escapes (Oracle, T-SQL, standard PG strings).
_DOUBLED = {"'": re.compile(r"[^']*(?:''[^']*)*'"), '"': re.compile(r'[^"]*(?:""[^"]*)*"')}
_BRACKET = re.compile(r"[^\]]*(?:\]\][^\]]*)*\]")
_BACKTICK = re.compile(r"[^`]*(?:``[^`]*)*`")
# Backslash-escaped strings: MySQL '...' and "...", PG E'...'.
_BACKSLASH = {
    "'": re.compile(r"[^'\\]*(?:(?:\\.|'')[^'\\]*)*'", re.DOTALL),
    '"': re.compile(r'[^"\\]*(?:(?:\\.|"")[^"\\]*)*"', re.DOTALL),
}


class Lexer:
    """Scan ``text`` one token at a time; the caller may move ``pos`` (to skip a line)."""

    def __init__(self, text: str, dialect: Dialect) -> None:
        self.text = text
        self.dialect = dialect
        self.pos = 0
        self._match = _compiled(dialect).match
        #: Start of the first block comment or quoted token that never closes (it runs to the
        #: end of the text), or -1.
        self.unclosed = -1

    def next_token(self) -> tuple[int, int, int]:
        """Return ``(kind, start, end)`` of the token at ``pos`` and advance past it."""
        text, start = self.text, self.pos
        m = self._match(text, start)
        if m is None:
            self.pos = start + 1
            return OTHER, start, start + 1
        group = m.lastgroup
        end = m.end()
        if group == "ws":
            kind = WS
        elif group == "lc":
            kind = COMMENT
        elif group == "bc":
            close = text.find("*/", end)
            end = close + 2 if close >= 0 else self._unclosed(start)
            kind = COMMENT
        elif group == "q":
            end = self._string_end(m.group("q"), end)
            if end < 0:
                end = self._unclosed(start)
            kind = STRING
        elif group == "word":
            kind = WORD
        elif group == "semi":
            kind = SEMI
        else:
            kind = OTHER
        self.pos = end
        return kind, start, end

    def _unclosed(self, start: int) -> int:
        """Record an unterminated token at ``start``; it runs to the end of the text."""
        if self.unclosed < 0:
            self.unclosed = start
        return len(self.text)

    def _string_end(self, opener: str, pos: int) -> int:
        """Find the end of a quoted token whose opener ends at ``pos``; -1 if it never closes."""
        text = self.text
        quote = opener[-1]
        if opener[0] == "$":  # PG dollar quote: the same tag closes it
            close = text.find(opener, pos)
            return -1 if close < 0 else close + len(opener)
        if quote == "'" and opener[-2:-1] in ("q", "Q"):
            if pos >= len(text):
                return -1
            delim = text[pos]
            closing = _Q_CLOSE.get(delim, delim) + "'"
            close = text.find(closing, pos + 1)
            return -1 if close < 0 else close + 2
        if quote == "[":
            m = _BRACKET.match(text, pos)
        elif quote == "`":
            m = _BACKTICK.match(text, pos)
        elif self.dialect == "mysql" or opener in ("e'", "E'"):
            m = _BACKSLASH[quote].match(text, pos)
        else:
            m = _DOUBLED[quote].match(text, pos)
        return -1 if m is None else m.end()


# --- Runs of tokens that cannot end a plain statement -------------------------------------
#
# Once the splitter knows a statement is plain SQL (not a block), only a ';', a separator line
# or a custom delimiter can end it; words no longer matter. ``settled_run`` matches, in ONE
# regex call, the longest run of "(whitespace | comment)* significant-token" units that the
# lexer above would read token by token, with the same alternatives in the same order, so it
# stops exactly where the lexer would meet a ';' (or anything it cannot prove harmless, such
# as an unterminated string, which the lexer then handles; a string prefix such as N or E is
# never read as a word before a quote, so an unterminated N'... starts where the lexer says).
# The run always ends on a significant token, so the statement's end offset is the run's end.
# Whitespace that contains a newline is taken only when the next line cannot start a separator
# (Oracle ``/`` line, MySQL ``DELIMITER``). Oracle ``q'[...]'`` literals and PostgreSQL dollar
# quotes end a run (the lexer reads them): their closing delimiter needs a back-reference, and
# CPython 3.11 raises SystemError on a capture group inside a possessive repeat. T-SQL has its
# own splitter.
_OTHER_CLASS = r"0-9.,()=<>+*%|:!?&^~{}\]"
_RUN_PARTS: dict[Dialect, tuple[str, str, str, str]] = {
    # dialect: (line guard, line comment, strings and quoted identifiers, word + fallback char)
    "oracle": (
        r"(?!/)",
        r"--[^\n]*+",
        r"[nN]?'[^']*+(?:''[^']*+)*+'|\"[^\"]*+(?:\"\"[^\"]*+)*+\"",
        rf"(?![nN]?[qQ]?')(?:[^\W\d]|[@#]|\$(?=[^\W\d]))[\w@#$]*+|[{_OTHER_CLASS}]++"
        rf"|[^\s\w;'\"@#{_OTHER_CLASS}\-/]|-(?!-)|/(?!\*)",
    ),
    "mysql": (
        r"(?![dD])",
        r"(?:--(?=[\s]|$)|#)[^\n]*+",
        r"[nN]?'[^'\\]*+(?:(?:\\.|'')[^'\\]*+)*+'"
        r"|\"[^\"\\]*+(?:(?:\\.|\"\")[^\"\\]*+)*+\"|`[^`]*+(?:``[^`]*+)*+`",
        rf"(?![nN]')(?:[^\W\d]|@)[\w@$]*+|[{_OTHER_CLASS}]++"
        rf"|[^\s\w;'\"`@#{_OTHER_CLASS}\-/]|-(?!-(?:[\s]|$))|/(?!\*)",
    ),
    "postgres": (
        "",
        r"--[^\n]*+",
        r"[eE]'[^'\\]*+(?:(?:\\.|'')[^'\\]*+)*+'|'[^']*+(?:''[^']*+)*+'"
        r"|\"[^\"]*+(?:\"\"[^\"]*+)*+\"",
        rf"(?![eE]')[^\W\d][\w$]*+|[{_OTHER_CLASS}]++"
        rf"|[^\s\w;'\"${_OTHER_CLASS}\-/]|-(?!-)|/(?!\*)|\$(?!(?:[^\W\d][\w]*)?\$)",
    ),
}


def _run_pattern(guard: str, line_comment: str, quoted: str, rest: str) -> re.Pattern[str]:
    space = rf"(?:(?=\s*\n)\s++{guard}|[^\S\n]++|{line_comment}|/\*.*?\*/)"
    return re.compile(rf"(?:{space}*+(?:{quoted}|{rest}))++", re.DOTALL)


@cache
def _run(dialect: Dialect) -> re.Pattern[str] | None:
    parts = _RUN_PARTS.get(dialect)
    return None if parts is None else _run_pattern(*parts)


def settled_run(text: str, pos: int, dialect: Dialect) -> int:
    """End of the longest run at ``pos`` that cannot end a plain statement (``pos`` if none)."""
    run = _run(dialect)
    if run is None:
        return pos
    m = run.match(text, pos)
    return pos if m is None else m.end()
