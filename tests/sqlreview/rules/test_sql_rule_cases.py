"""Every rule against its named cases in cases/HCnnn.yml, through the public case runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from hischange.sqlreview.cases import RuleCase, check_rule_case, load_rule_cases
from hischange.sqlreview.model import Dialect
from hischange.sqlreview.registry import BUILTIN_RULES
from hischange.sqlreview.rules.base import StatementRule

CASES_DIR = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.yml"))
CASES = [case for path in CASE_FILES for case in load_rule_cases(path)]


@pytest.mark.parametrize(
    ("case", "dialect"),
    [pytest.param(c, d, id=c.case_id(d)) for c in CASES for d in c.dialects],
)
def test_rule_case(case: RuleCase, dialect: Dialect) -> None:
    """The case reports exactly its expected codes (or nothing) in each dialect it lists."""
    check_rule_case(case, dialect)


def test_case_files_are_named_after_their_rule() -> None:
    """HC101.yml holds HC101's cases and nothing else, so a rule's cases are in one place."""
    for path in CASE_FILES:
        assert {c.rule for c in load_rule_cases(path)} == {path.stem}, path.name


def test_no_case_is_written_twice() -> None:
    """No two cases of a rule share SQL and config (a duplicate adds a name, not a check)."""
    keys = [(c.rule, c.sql, repr(sorted(c.config.items()))) for c in CASES]
    assert len(keys) == len(set(keys))


def _statement_rules() -> list[type[StatementRule]]:
    return [r for r in BUILTIN_RULES if issubclass(r, StatementRule) and r.code != "HC140"]


@pytest.mark.parametrize("rule", _statement_rules(), ids=lambda r: r.code)
def test_every_claimed_dialect_has_a_fire_and_a_pass_case(rule: type[StatementRule]) -> None:
    """Each statement rule has at least one firing and one passing case per claimed dialect."""
    seen = {(d, bool(c.expect)) for c in CASES if c.rule == rule.code for d in c.dialects}
    missing = [(d, e) for d in sorted(rule.dialects) for e in (True, False) if (d, e) not in seen]
    assert not missing, f"{rule.code} lacks cases for {missing}"
    assert all(d in rule.dialects for c in CASES if c.rule == rule.code for d in c.dialects)
