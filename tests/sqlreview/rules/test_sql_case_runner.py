"""The public YAML rule-case runner, as a plugin author uses it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from hischange.errors import ConfigError
from hischange.sqlreview.cases import (
    RuleCaseFailure,
    check_rule_case,
    check_rule_cases,
    load_rule_cases,
)
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule


class NoDbLink(StatementRule):
    """A site rule: Oracle database links (``@name`` after a table) are not allowed."""

    code = "HC901"
    name = "no-dblink"
    severity = "warning"
    family = "site"
    dialects = frozenset({"oracle"})

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Report each ``@`` outside strings and comments."""
        for word in ctx.words:
            if word.kind != "str" and "@" in word.value:
                yield Hit(f"database link {word.value} in a deployment script", word.offset)


CASES = """\
rule: HC901
cases:
  - name: dblink_in_select
    sql: SELECT a FROM t@remote
    dialects: [oracle]
    expect: [HC901]
  - name: at_sign_in_string
    sql: SELECT 'a@b' FROM t
    dialects: [oracle]
    expect: pass
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "HC901.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_plugin_rule_passes_its_own_case_file(tmp_path: Path) -> None:
    """check_rule_cases runs an unregistered rule class given explicitly and counts the runs."""
    assert check_rule_cases(_write(tmp_path, CASES), rule=NoDbLink) == 2


def test_a_failing_case_names_rule_case_dialect_expected_and_got(tmp_path: Path) -> None:
    """The failure message says which case in which dialect, what was expected and what came."""
    path = _write(tmp_path, CASES.replace("expect: pass", "expect: [HC901]"))
    with pytest.raises(RuleCaseFailure) as info:
        check_rule_cases(path, rule=NoDbLink)
    message = str(info.value)
    assert "1 of 2 rule case runs failed" in message
    assert "HC901 case 'at_sign_in_string' (oracle)" in message
    assert "expected: HC901" in message
    assert "got:      pass (no finding)" in message


def test_an_unexpected_finding_is_shown_with_its_message(tmp_path: Path) -> None:
    """When a pass case fires, the got line carries the finding's code, line and message."""
    case = load_rule_cases(_write(tmp_path, CASES.replace("[HC901]", "pass")))[0]
    with pytest.raises(RuleCaseFailure, match=r"got:      HC901 at line 1: database link"):
        check_rule_case(case, "oracle", rule=NoDbLink)


def test_the_code_count_matters(tmp_path: Path) -> None:
    """Two findings where one is expected is a failure: expect lists one code per finding."""
    path = _write(tmp_path, CASES.replace("t@remote", "t@remote JOIN u@remote ON 1 = 1"))
    with pytest.raises(RuleCaseFailure, match="dblink_in_select"):
        check_rule_cases(path, rule=NoDbLink)


def test_config_reaches_the_rule(tmp_path: Path) -> None:
    """A case's config becomes SqlReviewSettings, so a builtin rule's options can be tested."""
    text = (
        "rule: HC115\ncases:\n  - name: protected\n    sql: DELETE FROM pmi WHERE id = 1\n"
        "    dialects: [postgres, mysql]\n    config: {protected_tables: [pmi]}\n"
        "    expect: [HC115]\n"
    )
    assert check_rule_cases(_write(tmp_path, text)) == 2


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- a\n", "expected a mapping with 'rule: HCnnn'"),
        ("rule: HC901\ncases: []\n", "'cases' must be a non-empty list"),
        (CASES.replace("expect: pass", "expect: none"), "expect must be 'pass'"),
        (CASES.replace("[oracle]\n    expect: pass", "[db2]\n    expect: pass"), "dialects must"),
        (CASES.replace("    expect: pass", "    expected: pass"), "unknown keys ['expected']"),
        (CASES.replace("at_sign_in_string", "dblink_in_select"), "the name is used twice"),
    ],
)
def test_a_malformed_case_file_is_a_config_error_naming_file_and_case(
    tmp_path: Path, text: str, problem: str
) -> None:
    """Loading rejects a malformed file with the file name and what is wrong."""
    with pytest.raises(ConfigError, match=r"rule case file .*HC901\.yml") as info:
        load_rule_cases(_write(tmp_path, text))
    assert problem in str(info.value)


def test_a_rule_class_for_another_code_is_refused(tmp_path: Path) -> None:
    """Running HC901's cases with a different rule class is a mistake, reported as such."""
    text = CASES.replace("HC901", "HC902")
    with pytest.raises(ConfigError, match="file is for HC902, rule given is HC901"):
        check_rule_cases(_write(tmp_path, text), rule=NoDbLink)


def test_an_unknown_code_without_a_rule_class_is_refused(tmp_path: Path) -> None:
    """Without ``rule=``, the code must belong to an installed rule."""
    with pytest.raises(ConfigError, match="no installed rule has code HC901"):
        check_rule_cases(_write(tmp_path, CASES))


def test_a_dialect_the_rule_does_not_check_is_refused(tmp_path: Path) -> None:
    """A case listing a dialect the rule skips could only pass, so loading it is an error."""
    text = CASES.replace("[oracle]\n    expect: pass", "[oracle, mysql]\n    expect: pass")
    with pytest.raises(ConfigError, match="HC901 does not check mysql"):
        check_rule_cases(_write(tmp_path, text), rule=NoDbLink)
