"""The literal-rows fast path gives exactly the general path's review (``review_sql``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_corpus import corpus_files

from hischange.sqlreview import SqlReviewSettings, engine, literal_rows, review_sql
from hischange.sqlreview.model import DIALECTS, Dialect, SqlReview
from hischange.sqlreview.registry import load_rules
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

#: Settings that let the table-name rules (HC115 protected, HC120 schema) fire too.
SETTINGS = SqlReviewSettings(protected_tables=("pat_master",), allowed_schemas=("his",))


def _both(text: str, dialect: Dialect, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """The review with the fast path disabled, then enabled (statements and findings)."""

    def dump(review: SqlReview) -> Any:
        fr = review.files[0]
        return (fr.statements, fr.findings, fr.suppressions)

    with monkeypatch.context() as m:
        m.setattr(literal_rows, "ENABLED", False)
        general = dump(review_sql(text, dialect=dialect, settings=SETTINGS))
    fast = dump(review_sql(text, dialect=dialect, settings=SETTINGS))
    return general, fast


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the statements for which the fast path was actually taken."""
    hits: list[int] = []
    real = literal_rows.literal_rows_words

    def spy(masked: str, dialect: Dialect) -> Any:
        out = real(masked, dialect)
        if out is not None:
            hits.append(1)
        return out

    monkeypatch.setattr(literal_rows, "literal_rows_words", spy)
    return hits


def test_corpus_reviews_are_identical(monkeypatch: pytest.MonkeyPatch, taken: list[int]) -> None:
    """Every corpus file gives the same statements and findings on both paths."""
    for key, dialect, text in corpus_files():
        general, fast = _both(text, dialect, monkeypatch)  # type: ignore[arg-type]
        assert general == fast, key
    assert taken, "the corpus has multi-row INSERTs; the fast path should have been taken"


#: Plain pieces keep the fast path possible; one tricky piece (drawn half of the time) may or
#: may not push the statement onto the general path. Either way the reviews must agree.
_SEPS = [" ", "", "\n", "\r\n", "  ", "\t", "\u3000", "/* c; ) */", "-- 注释; (\n"]
_TRICKY_SEPS = ["-- x\r", "# h\n", "/* a /* b */", "/*+ hint */", "-- DELETE FROM t\r\n"]
_LITERALS = [
    "0",
    "-1",
    "+2.5",
    "1e3",
    ".5",
    "1.",
    "007",
    "-.5",
    "NULL",
    "null",
    "'plain'",
    "'it''s'",
    "''",
    "'中文；分号;'",
    "'--'",
    "'/*'",
    "'$$'",
    "'D:\\dump\\'",
]
_TRICKY_LITERALS = [
    "1e+3",
    "1.2.3",
    "12abc",
    "'a\\b'",
    "'x\\'",
    "q'[it's]'",
    "Q'{a'b}'",
    "nq'<x>'",
    "N'n'",
    "E'\\n'",
    "$$x$$",
    "$t$ DELETE FROM pat_master $t$",
    "SYSDATE",
    "to_date('2026-01-01', 'yyyy-mm-dd')",
    "1=1",
    "(SELECT 1 FROM dual)",
    "'x' || 'y'",
    "@v",
    ":b",
    "?",
    "TRUE",
    "DEFAULT",
    '"quoted"',
    "[br]",
    "`bt`",
    "- 3",
    "(1)",
    "1 2",
]
_TABLES = ["t", "his.t", "other.pat_master", "pat_master", '"Quoted T"', "中文表"]
_TRICKY_TABLES = ["user", "update", "t$x", "[b r]", "`bt`", "delete from t where 1=1 or"]
_COLUMNS = ["", "(a)", "(a, b)", "(id, name, visit_date)", "(date)"]
_TRICKY_COLUMNS = ["(select)", "(a b)", "()", "(a,)", "(exec)", "(a.b)", "(values)", "(a, value)"]


@st.composite
def _insert(draw: st.DrawFn) -> str:
    """A multi-row INSERT; with one tricky piece in one place half of the time."""
    tricky = draw(st.sampled_from(["", "", "", "", "sep", "literal", "table", "columns"]))

    def pick(plain: list[str], odd: list[str], kind: str) -> str:
        if tricky == kind and draw(st.integers(0, 3)) == 0:
            return draw(st.sampled_from(odd))
        return draw(st.sampled_from(plain))

    def sep() -> str:
        return pick(_SEPS, _TRICKY_SEPS, "sep")

    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=5))
    rows = [
        "("
        + f"{sep()},{sep()}".join(pick(_LITERALS, _TRICKY_LITERALS, "literal") for _ in range(n))
        + sep()
        + ")"
        for n in shape
    ]
    into = draw(st.sampled_from(["INSERT INTO ", "insert into ", "INSERT ", "INSERT\nINTO\t"]))
    table = pick(_TABLES, _TRICKY_TABLES, "table")
    columns = pick(_COLUMNS, _TRICKY_COLUMNS, "columns")
    body = f"{into}{table} {columns}{sep()}VALUES{sep()}" + f"{sep()},{sep()}".join(rows)
    end = draw(st.sampled_from([";", "", " ;", "\n;", "; -- after", ";\n/\n"]))
    before = draw(st.sampled_from(["", "DELETE FROM t;\n", "-- hischange: disable=HC112 ok\n"]))
    after = draw(st.sampled_from(["", "\nUPDATE t SET a = 1;", "\nCOMMIT;"]))
    return before + body + end + after


@settings(max_examples=400)
@given(_insert(), st.sampled_from(DIALECTS))
def test_generated_inserts_review_identically(text: str, dialect: Dialect) -> None:
    """Generated INSERTs with tricky literals and separators: identical reviews."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        general, fast = _both(text, dialect, monkeypatch)
    assert general == fast


def test_fast_path_is_taken_on_plain_rows(taken: list[int]) -> None:
    """A plain multi-row INSERT takes the fast path in every dialect, with the same findings."""
    rows = ",\n".join(f"({i}, 'n{i}', NULL, -{i}.5) /* {i} */" for i in range(50))
    for dialect in DIALECTS:
        review = review_sql(f"INSERT INTO his.pat_master VALUES\n{rows};", dialect=dialect)
        codes = [f.code for f in review.files[0].findings]
        assert "HC112" in codes
    assert len(taken) == len(DIALECTS)


class _CountWords(StatementRule):
    """A plugin-style rule that records how many words it was shown."""

    code: ClassVar[str] = "HC901"
    name: ClassVar[str] = "count-words"
    severity: ClassVar[Any] = "info"
    family: ClassVar[str] = "test"
    seen: ClassVar[list[int]] = []

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        self.seen.append(len(ctx.words))
        return ()


def test_plugin_rules_see_every_row(monkeypatch: pytest.MonkeyPatch, taken: list[int]) -> None:
    """With a non-builtin rule in the review the fast path is not taken: it sees all rows."""
    statement_rules, file_rules = load_rules(SqlReviewSettings())
    monkeypatch.setattr(
        engine, "load_rules", lambda _s: ([*statement_rules, _CountWords()], file_rules)
    )
    rows = ", ".join(f"({i}, 'x')" for i in range(100))
    review_sql(f"INSERT INTO t (a, b) VALUES {rows};")
    assert not taken
    assert _CountWords.seen[-1] > 500
