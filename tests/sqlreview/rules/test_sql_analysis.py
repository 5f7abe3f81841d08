"""build_context: grouped parse where sqlparse can, the flat token stream where it refuses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlparse.lexer import tokenize
from sqlrule_support import context, statement

from hischange.sqlreview import analysis
from hischange.sqlreview.analysis import build_context, mask_for_lexer
from hischange.sqlreview.model import DIALECTS, Dialect, SqlReviewSettings
from hischange.sqlreview.rules._tokens import lex_tokens, to_words
from hischange.sqlreview.rules.base import RuleContext
from hischange.sqlreview.rules.hc101_update_delete_without_where import UpdateDeleteWithoutWhere
from hischange.sqlreview.rules.hc112_insert_without_columns import InsertWithoutColumns


def _big_insert(rows: int, columns: str = "") -> str:
    values = ",\n".join(f"({i}, '患者{i}', DATE '2026-01-01')" for i in range(rows))
    return f"INSERT INTO pat_import{columns} VALUES\n{values}"


def test_small_statement_is_grouped() -> None:
    """An ordinary statement comes with sqlparse's grouped parse and its flat tokens."""
    ctx = context("DELETE FROM t WHERE a = 1", "oracle")
    assert ctx.parsed is not None
    assert "".join(t.value for t in ctx.tokens) == "DELETE FROM t WHERE a = 1"


def test_huge_insert_falls_back_to_flat_tokens() -> None:
    """A 12,000-row INSERT exceeds sqlparse's token cap; rules still judge it on flat tokens."""
    text = _big_insert(12_000)
    ctx = context(text, "oracle")
    assert ctx.parsed is None
    assert len(ctx.tokens) > 10_000
    assert [h.message for h in InsertWithoutColumns().check(ctx)] == [
        "INSERT without a column list"
    ]
    with_columns = context(_big_insert(12_000, " (id, name, visit_date)"), "oracle")
    assert with_columns.parsed is None
    assert list(InsertWithoutColumns().check(with_columns)) == []


def test_huge_script_still_finds_delete_without_where() -> None:
    """HC101 fires on a DELETE that follows a statement too large to group."""
    text = _big_insert(12_000, " (id, name, visit_date)") + ";\nDELETE FROM pat_import"
    ctx = context(text, "tsql")
    assert ctx.parsed is None
    found = list(UpdateDeleteWithoutWhere().check(ctx))
    assert len(found) == 1
    assert text[found[0].offset :].startswith("DELETE")


@pytest.mark.parametrize("where", ["", " WHERE id = 1"])
def test_deep_nesting_falls_back_to_flat_tokens(where: str) -> None:
    """A 150-deep expression exceeds sqlparse's depth cap; HC101 still answers correctly."""
    text = "UPDATE t SET a = " + "(" * 150 + "1" + ")" * 150 + where
    ctx = context(text, "postgres")
    assert ctx.parsed is None
    assert bool(list(UpdateDeleteWithoutWhere().check(ctx))) is (where == "")


def test_lexer_failure_is_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """When even lexing fails, build_context returns a reason string instead of raising."""

    def broken(text: str) -> list[object]:
        raise RuntimeError("lexer exploded")

    monkeypatch.setattr(analysis, "lex_tokens", broken)
    result = build_context(statement("SELECT 1"), "mysql", SqlReviewSettings(), None)
    assert isinstance(result, str)
    assert "lexer exploded" in result


def test_oracle_q_quote_and_backslash_do_not_hide_statements() -> None:
    """Oracle q'[...]' and 'D:\\dump\\' are read as whole literals, keeping later code visible."""
    text = "INSERT INTO t (a, b) VALUES (q'[it's]', 'D:\\dump\\'); DELETE FROM t"
    found = list(UpdateDeleteWithoutWhere().check(context(text, "oracle")))
    assert len(found) == 1
    assert text[found[0].offset :].startswith("DELETE")


def test_mysql_backslash_escape_is_kept() -> None:
    """In MySQL a backslash escapes a quote, so the DELETE below is inside the string."""
    text = "SELECT 'it\\'s; DELETE FROM t' FROM dual"
    assert list(UpdateDeleteWithoutWhere().check(context(text, "mysql"))) == []


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab'\"\\qQ[]()$-*/\n 患;")), max_size=60))
def test_mask_keeps_length(text: str) -> None:
    """Masking never changes the text's length, so token offsets stay true."""
    for dialect in DIALECTS:
        assert len(mask_for_lexer(text, dialect)) == len(text)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=80), dialect=st.sampled_from(DIALECTS))
def test_build_context_never_raises(text: str, dialect: Dialect) -> None:
    """Any text gives a context (every rule runs on it without raising) or a reason."""
    from hischange.sqlreview.registry import load_rules

    result = build_context(statement(text), dialect, SqlReviewSettings(dialect=dialect), None)
    assert isinstance(result, RuleContext | str)
    if isinstance(result, RuleContext):
        rules, _ = load_rules(SqlReviewSettings(dialect=dialect))
        for rule in rules:
            for hit in rule.check(result):
                assert 0 <= hit.offset <= len(text)


def test_rules_work_on_a_context_without_precomputed_words() -> None:
    """A RuleContext built by hand (tokens only, no words) gives the same answers."""
    ctx = context("UPDATE t SET a = 1", "mysql")
    bare = RuleContext(
        statement=ctx.statement,
        dialect=ctx.dialect,
        settings=ctx.settings,
        tokens=ctx.tokens,
    )
    assert [h.message for h in UpdateDeleteWithoutWhere().check(bare)] == [
        h.message for h in UpdateDeleteWithoutWhere().check(ctx)
    ]
    assert list(UpdateDeleteWithoutWhere().check(bare))


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("ab'\"$@()-*/;\n 患1.,")), max_size=60),
    dialect=st.sampled_from(DIALECTS),
)
def test_lazy_tokens_match_eager_tokens(text: str, dialect: Dialect) -> None:
    """Words made from the lexer's pairs equal words made from sqlparse Token objects."""
    lazy = lex_tokens(text)
    eager = [(t.ttype, t.value) for t in lazy]
    assert eager == list(tokenize(text))
    assert len(lazy) == len(eager)
    assert to_words(lazy, dialect) == to_words(list(lex_tokens(text)), dialect)
