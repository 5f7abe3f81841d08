"""Small helpers for the rule tests: a Statement over a whole text, and running one rule."""

from __future__ import annotations

from hischange.sqlreview.analysis import build_context
from hischange.sqlreview.model import Dialect, Span, SqlReviewSettings, Statement
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule


def statement(text: str) -> Statement:
    """One statement spanning all of ``text`` (the tests do not depend on the splitter)."""
    lines = text.split("\n")
    return Statement(
        index=0,
        text=text,
        kind="sql",
        span=Span(start_line=1, start_col=1, end_line=len(lines), end_col=max(len(lines[-1]), 1)),
        start=0,
        end=len(text),
    )


def context(text: str, dialect: Dialect, settings: SqlReviewSettings | None = None) -> RuleContext:
    """build_context over ``text``; fails the test if the text cannot be analysed."""
    ctx = build_context(
        statement(text), dialect, settings or SqlReviewSettings(dialect=dialect), None
    )
    assert isinstance(ctx, RuleContext), ctx
    return ctx


def hits(rule: StatementRule, text: str, dialect: Dialect, **settings: object) -> list[Hit]:
    """What ``rule`` reports on ``text``."""
    s = SqlReviewSettings.model_validate({"dialect": dialect, **settings})
    return list(rule.check(context(text, dialect, s)))
