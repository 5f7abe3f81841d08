"""The rule reference: docs/sql-rules.md is generated from the rule classes and never drifts."""

from __future__ import annotations

from pathlib import Path

import pytest

from hischange.sqlreview.registry import BUILTIN_RULES
from hischange.sqlreview.ruledocs import FAMILIES, render_rule_docs, rule_doc_sections
from hischange.sqlreview.rules.base import Rule

DOC = Path(__file__).parents[3] / "docs" / "sql-rules.md"


def test_docs_match_the_rule_classes() -> None:
    """docs/sql-rules.md equals render_rule_docs(); regenerate it when a rule changes."""
    assert DOC.read_text(encoding="utf-8") == render_rule_docs(), (
        "docs/sql-rules.md is stale: run python -m hischange.sqlreview.ruledocs > docs/sql-rules.md"
    )


@pytest.mark.parametrize("rule", BUILTIN_RULES, ids=lambda r: r.code)
def test_rule_metadata_and_docstring(rule: type[Rule]) -> None:
    """Every rule has metadata, a known family and Anti-pattern / Best practice examples."""
    summary, _body, anti, best = rule_doc_sections(rule)
    assert summary and anti and best, rule.code
    assert rule.family in FAMILIES
    assert rule.severity in {"error", "warning", "info"}
    assert rule.code in render_rule_docs()
