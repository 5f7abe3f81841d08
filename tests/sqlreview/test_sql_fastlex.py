"""The one-regex lexer yields exactly sqlparse's tokens."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_corpus import CORPUS
from sqlparse.lexer import tokenize as sqlparse_tokenize

from hischange.sqlreview.fastlex import tokenize

PIECES = st.sampled_from([
    "SELECT", " ", "\n", "\r\n",
    "'it''s'", "'a\\'", '"q"', "[id]", "`b`", "$$ x; $$", "$t$", "--c\n",
    "/* m */", "/*", "*/", "-- ", "# ", "1.5E3", ".5", "-7", "@v", "#t", "%(n)s", ":x", "?",
    "LEFT OUTER JOIN", "NOT LIKE", "END IF", "GO 3", "CREATE OR REPLACE", "中文", ";", "(", ")",
    "||", "->>", "::", "q'[x]'", "N'n'", "E'\\n'", "x", "_", "ñ",
])  # fmt: skip


def test_corpus_token_streams_are_identical() -> None:
    """Every corpus file lexes to the same (type, value) stream as sqlparse's lexer."""
    files = sorted(CORPUS.glob("*/*.sql"))
    if not files:
        pytest.skip(f"corpus not found at {CORPUS}")
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert list(tokenize(text)) == list(sqlparse_tokenize(text)), path.name


@settings(max_examples=300)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_generated_text_lexes_identically(text: str) -> None:
    """Generated SQL-ish text lexes identically (types and values), whatever it contains."""
    assert list(tokenize(text)) == list(sqlparse_tokenize(text))


@settings(max_examples=200)
@given(st.text(max_size=80))
def test_arbitrary_text_lexes_identically(text: str) -> None:
    """Arbitrary text, including lone quotes and control characters, lexes identically."""
    assert list(tokenize(text)) == list(sqlparse_tokenize(text))
