"""Every rule against its pass/fail cases in cases/*.json (one file per rule family)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlrule_support import hits

from hischange.sqlreview.registry import BUILTIN_RULES, rule_by_code
from hischange.sqlreview.rules.base import StatementRule

CASES_DIR = Path(__file__).parent / "cases"


def _load() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for n, case in enumerate(data["cases"]):
            outcome = "fire" if case["expect"] else "pass"
            label = f"{path.stem}-{n}-{case['rule']}-{case['dialect']}-{outcome}"
            params.append(pytest.param(case, id=label))
    return params


CASES = _load()


@pytest.mark.parametrize("case", CASES)
def test_rule_case(case: dict[str, Any]) -> None:
    """The rule fires on the case's SQL exactly when the case expects it to."""
    rule_cls = rule_by_code(case["rule"])
    assert rule_cls is not None and issubclass(rule_cls, StatementRule)
    assert case["dialect"] in rule_cls.dialects
    found = hits(rule_cls(), case["sql"], case["dialect"], **case.get("settings", {}))
    assert bool(found) is case["expect"], [h.message for h in found]
    for hit in found:
        assert 0 <= hit.offset < len(case["sql"])
        assert hit.message


def _statement_rules() -> list[type[StatementRule]]:
    return [r for r in BUILTIN_RULES if issubclass(r, StatementRule) and r.code != "HC140"]


@pytest.mark.parametrize("rule", _statement_rules(), ids=lambda r: r.code)
def test_every_claimed_dialect_has_a_fire_and_a_pass_case(rule: type[StatementRule]) -> None:
    """Each statement rule has at least one firing and one passing case per claimed dialect."""
    seen = {
        (c.values[0]["dialect"], c.values[0]["expect"])
        for c in CASES
        if c.values[0]["rule"] == rule.code
    }
    missing = [(d, e) for d in sorted(rule.dialects) for e in (True, False) if (d, e) not in seen]
    assert not missing, f"{rule.code} lacks cases for {missing}"
