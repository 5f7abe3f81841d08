"""Text hazards the splitter cannot settle: what a human must look at before any rule counts.

* A block comment or quoted string that never closes swallows the rest of the file: the rules
  see nothing after it (an unterminated ``/*`` at the top used to give 0 statements and exit
  0). HC000, error.
* A NUL character is not SQL; databases and clients disagree on it (some truncate the
  statement there). HC000, error. The rules read it as a separator, so ``DROP\\0TABLE`` and
  ``DELETE\\0FROM`` are judged alike.
* MySQL: the splitter follows the server, for which ``delimiter`` inside an open statement
  is an ordinary word (a column called ``delimiter``). The ``mysql`` client would instead
  send the statement so far and change the delimiter, so such a line is HC003, a warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hischange.sqlreview.lexer import COMMENT, Lexer
from hischange.sqlreview.model import Dialect, Severity, Statement

__all__ = ["TextHazard", "line_col", "text_hazards"]

_DELIMITER_IN_STATEMENT = re.compile(r"(?im)(?<=\n)[ \t]*delimiter[ \t]+\S+[ \t\r]*$")


@dataclass(frozen=True)
class TextHazard:
    """One hazard: the engine turns it into a finding at ``offset``."""

    code: str
    name: str
    severity: Severity
    message: str
    offset: int
    statement_index: int | None = None


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of character ``offset`` in ``text``."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _where(text: str, offset: int) -> str:
    line, col = line_col(text, offset)
    return f"line {line}, column {col}"


def _unclosed(text: str, dialect: Dialect, at: int, statements: Sequence[Statement]) -> TextHazard:
    lexer = Lexer(text, dialect)
    lexer.pos = at
    kind, _, _ = lexer.next_token()
    what = "block comment" if kind == COMMENT else "quoted string or identifier"
    # A token that never closes runs to the end of the text: it is in the last statement or
    # after every statement.
    inside = bool(statements) and at >= statements[-1].start
    return TextHazard(
        "HC000",
        "unterminated",
        "error",
        f"unterminated {what} at {_where(text, at)}: everything after it is read as part of it"
        " — not analysable as written; close it or remove it",
        at,
        statements[-1].index if inside else None,
    )


def _nul(text: str) -> TextHazard | None:
    at = text.find("\x00")
    if at < 0:
        return None
    count = text.count("\x00")
    return TextHazard(
        "HC000",
        "nul-character",
        "error",
        f"NUL character (\\0) at {_where(text, at)} ({count} in the file) — not SQL, and"
        " clients disagree on it; not analysable as written, remove it",
        at,
    )


def _mysql_delimiter_lines(text: str, statements: Sequence[Statement]) -> list[TextHazard]:
    out = []
    for st in statements:
        for m in _DELIMITER_IN_STATEMENT.finditer(st.text):
            line = m.group().strip()
            out.append(
                TextHazard(
                    "HC003",
                    "client-differs",
                    "warning",
                    f"'{line}' inside an open statement: the server reads it as part of the"
                    " statement, but the mysql client would end the statement here and change"
                    " the delimiter — end the statement first, or rename the column",
                    st.start + m.start() + len(m.group()) - len(m.group().lstrip()),
                    st.index,
                )
            )
    return out


def text_hazards(
    text: str, dialect: Dialect, statements: Sequence[Statement], unclosed: int
) -> list[TextHazard]:
    """Hazards of ``text`` as split into ``statements``; ``unclosed`` is where the splitter met
    a comment or quote that never closes (-1 if none). See the module docstring."""
    found = [] if unclosed < 0 else [_unclosed(text, dialect, unclosed, statements)]
    nul = _nul(text)
    if nul is not None:
        found.append(nul)
    if dialect == "mysql":
        found += _mysql_delimiter_lines(text, statements)
    return found
