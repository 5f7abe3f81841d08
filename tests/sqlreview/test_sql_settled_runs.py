"""Skipping settled runs in the splitter changes nothing: same statements, same spans."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_corpus import corpus_files

from hischange.sqlreview import DIALECTS, review_sql, split_sql, splitter
from hischange.sqlreview.model import Dialect

_PIECES = [
    "SELECT", "a", "x1", "FROM", "t", "UPDATE", "SET", "=", "1", "-1", "1.5", ",", "(", ")",
    "CREATE", "TABLE", "OR", "REPLACE", "PROCEDURE", "PACKAGE", "BODY", "BEGIN", "END", "IF",
    "DECLARE", "IS", "AS", "CASE", "LOOP", ";", ";", " ", " ", "\n", "\n", "\r\n", "\t", "\u3000",
    "'a;b'", "'it''s;'", "'unterminated", "'\\';'", "'D:\\dump\\'", '"q;id"', '"un',
    "q'[a;b]'", "q'x;x'", "Q'{'}'", "nq'<;>'", "N'n;'", "q'", "n'", "E'\\';'", "e'x'",
    "$$a;b$$", "$t$;$t$", "$1", "$", "$$", "`a;b`", "`un", "[x;]", "@v", "#t", "@@GLOBAL",
    "/* ; */", "/* unterminated", "*/", "/", "\n/\n", "\n  /  \n", "\n/ 2\n", "/ 2", "--c;\n",
    "--c\r", "-- x", "--1", "#x;\n", "# x;\n", "-", "--", "\nDELIMITER $$\n", "\ndelimiter //\n",
    "\nDELIMITER ;\n", "$$", "//", "\nGO\n", "\ngo 2\n", "中文；", "注释", "\\", "?", ":b", "::",
    "\nSET serveroutput ON\n", "\nPROMPT x;\n", "\n@x.sql\n", "END$$", "\\N",
]  # fmt: skip


def _both(text: str, dialect: Dialect, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    with monkeypatch.context() as m:
        m.setattr(splitter, "SETTLED_RUNS", False)
        walked = split_sql(text, dialect)
    return walked, split_sql(text, dialect)


def test_corpus_splits_identically(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every corpus file splits into the same statements with and without skipping."""
    for key, dialect, text in corpus_files():
        for d in {dialect, "oracle", "mysql", "postgres"}:
            walked, skipped = _both(text, d, monkeypatch)  # type: ignore[arg-type]
            assert walked == skipped, (key, d)


@settings(max_examples=1500)
@given(
    st.lists(st.sampled_from(_PIECES), max_size=50).map(lambda xs: " ".join(xs)),
    st.lists(st.sampled_from(_PIECES), max_size=50).map("".join),
    st.sampled_from(DIALECTS),
)
def test_generated_text_splits_identically(spaced: str, fused: str, dialect: Dialect) -> None:
    """SQL-ish text, with pieces apart or fused together, splits identically."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        for text in (spaced, fused):
            walked, skipped = _both(text, dialect, monkeypatch)
            assert walked == skipped


@settings(max_examples=300)
@given(st.text(max_size=120), st.sampled_from(DIALECTS))
def test_arbitrary_text_splits_identically(text: str, dialect: Dialect) -> None:
    """Arbitrary text, control characters included, splits identically."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        walked, skipped = _both(text, dialect, monkeypatch)
    assert walked == skipped


def test_long_insert_review_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole review of a long script is the same either way (through ``review_sql``)."""
    rows = ",\n".join(f"({i}, 'n;{i}', q'[x'{i}]', NULL)" for i in range(300))
    text = f"DELETE FROM t;\nINSERT INTO t VALUES\n{rows};\n/\nUPDATE t SET a = 1;\n"
    with monkeypatch.context() as m:
        m.setattr(splitter, "SETTLED_RUNS", False)
        walked = review_sql(text, dialect="oracle")
    assert walked == review_sql(text, dialect="oracle")


@pytest.mark.parametrize(
    "text",
    [
        "SELECT=$Q'{'}'E'\\';'",  # found by the generated-text property
        "SELECT a FROM t WHERE $if x $then b $end = 1; SELECT 2;",
        "UPDATE t SET a = $$plsql_line, b = $q'[;]'; SELECT 2;",
    ],
)
def test_oracle_dollar_words_split_identically(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Oracle $-words ($IF, $END, $Q...) are one word to the run regex as to the lexer."""
    walked, skipped = _both(text, "oracle", monkeypatch)
    assert walked == skipped
