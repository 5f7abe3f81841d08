"""Property: the splitter's record of an unclosed comment or quote agrees with plain lexing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hischange.sqlreview import DIALECTS
from hischange.sqlreview.lexer import COMMENT, STRING, Lexer
from hischange.sqlreview.model import Dialect
from hischange.sqlreview.splitter import split_sql_unclosed

_PIECES = [
    "SELECT", "a", "FROM", "t", "BEGIN", "END;", "CREATE PROCEDURE p AS", ";", "\n", " ",
    "'x;y'", "'it''s'", '"q"', "/* c */", "-- c\n", "\n/\n", "\ngo\n", "\nDELIMITER $$\n",
    "$$", "\nDELIMITER ;\n", "# c\n", "q'[a]'", "[b]", "`c`", "$f$ x $f$",
    # openers that may never close
    "'", '"', "/*", "q'[", "[", "`", "$g$", "E'",
]  # fmt: skip


_PAIRS = {"[": "]", "{": "}", "(": ")", "<": ">"}


def _closed(token: str, dialect: Dialect) -> bool:
    """Whether a comment or quoted token, read to the end of the text, has its closing mark."""
    if token.startswith("/*"):
        return len(token) >= 4 and token.endswith("*/")
    if token.startswith("$"):
        tag = token[: token.index("$", 1) + 1]
        return len(token) >= 2 * len(tag) and token.endswith(tag)
    if token[:2].lower() in ("q'", "nq") and dialect == "oracle" and "'" in token[:3]:
        body = token[token.index("'") + 1 :]
        return len(body) >= 3 and body.endswith(_PAIRS.get(body[0], body[0]) + "'")
    body = token[1:] if token[0] in "nNeE" and len(token) > 1 and token[1] == "'" else token
    close = {"[": "]"}.get(body[0], body[0])
    if len(body) < 2 or not body.endswith(close):
        return False
    escapes = dialect == "mysql" or (body is not token and token[0] in "eE")
    trailing = len(body[:-1]) - len(body[:-1].rstrip("\\"))
    return not (escapes and close != "]" and trailing % 2)


def _reference(text: str, dialect: Dialect, start: int, end: int) -> int:
    """Where a comment or quote in [start, end) fails to close, judged from its own text."""
    lexer = Lexer(text, dialect)
    lexer.pos = start
    while lexer.pos < end:
        kind, s, e = lexer.next_token()
        if kind in (COMMENT, STRING) and e == len(text) and not _closed(text[s:e], dialect):
            return s
    return -1


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30), st.sampled_from(DIALECTS))
def test_unclosed_offset_matches_a_plain_lex(pieces: list[str], dialect: Dialect) -> None:
    """No statement hides an unclosed token the splitter missed; a reported one runs to EOF."""
    text = " ".join(pieces)
    statements, unclosed = split_sql_unclosed(text, dialect)
    if unclosed < 0:
        for s in statements:
            if s.kind != "sqlplus":  # client commands are not lexed as SQL
                assert _reference(text, dialect, s.start, s.end) < 0, (text, s.text)
    else:
        assert not statements or unclosed >= statements[-1].start
        assert _reference(text, dialect, statements[-1].start if statements else 0, len(text)) in (
            unclosed,
        )
