"""Rule cases in YAML, and the runner that checks a rule against them.

One YAML file per rule, named cases, each run in every dialect it lists::

    rule: HC901
    cases:
      - name: dblink_in_select
        sql: SELECT a FROM t@remote
        dialects: [oracle]
        expect: [HC901]          # the codes of the findings, one per finding, in order
      - name: local_table
        sql: SELECT a FROM t
        dialects: [oracle]
        expect: pass             # no finding at all
      - name: protected_table_configured
        sql: DELETE FROM pmi WHERE id = 1
        dialects: [oracle, postgres]
        config: {protected_tables: [pmi]}   # SqlReviewSettings fields
        expect: [HC115]

A case goes through the real pipeline (split, analyse, suppressions) with only the file's rule
enabled, so what a case asserts is what ``hischange sql review`` reports. Plugin authors call
``check_rule_cases`` (or ``load_rule_cases`` + ``check_rule_case`` for one pytest item per
case) from their own tests; docs/sql-rule-plugins.md shows how. PyYAML is needed only here,
and only when a file is loaded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hischange.errors import ConfigError
from hischange.sqlreview.engine import review_with_rules
from hischange.sqlreview.model import DIALECTS, Dialect, Finding, SqlReviewSettings
from hischange.sqlreview.registry import rule_by_code
from hischange.sqlreview.rules.base import FileRule, Rule, StatementRule

__all__ = [
    "RuleCase",
    "RuleCaseFailure",
    "check_rule_case",
    "check_rule_cases",
    "load_rule_cases",
    "run_rule_case",
]

_CASE_KEYS = frozenset({"name", "sql", "dialects", "expect", "config"})


@dataclass(frozen=True)
class RuleCase:
    """One named case of a rule: SQL, the dialects it runs in, and the expected codes."""

    rule: str
    name: str
    sql: str
    dialects: tuple[Dialect, ...]
    #: The codes of the expected findings in report order; empty means the case passes.
    expect: tuple[str, ...]
    config: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    def case_id(self, dialect: Dialect) -> str:
        """A stable test id: ``HC101-delete_without_where-oracle``."""
        return f"{self.rule}-{self.name}-{dialect}"


class RuleCaseFailure(AssertionError):
    """A case's findings differ from what it expects; the message names case and dialect."""


def _bad(source: str, where: str, problem: str) -> ConfigError:
    return ConfigError(
        f"rule case file {source}: {where}: {problem}",
        hint="see docs/sql-rule-plugins.md for the case file format",
    )


def _parse_expect(raw: object, source: str, where: str) -> tuple[str, ...]:
    if raw == "pass":
        return ()
    if isinstance(raw, list) and raw and all(isinstance(c, str) for c in raw):
        return tuple(c.upper() for c in raw)
    raise _bad(source, where, f"expect must be 'pass' or a non-empty list of codes, not {raw!r}")


def _parse_case(raw: object, rule: str, source: str, n: int) -> RuleCase:
    if not isinstance(raw, dict):
        raise _bad(source, f"case {n}", f"a case must be a mapping, not {raw!r}")
    where = f"case {n} ({raw.get('name', 'unnamed')})"
    unknown = sorted(set(raw) - _CASE_KEYS)
    missing = sorted({"name", "sql", "dialects", "expect"} - set(raw))
    if unknown or missing:
        raise _bad(source, where, f"unknown keys {unknown}, missing keys {missing}")
    name, sql, dialects = raw["name"], raw["sql"], raw["dialects"]
    if not isinstance(name, str) or not name.strip():
        raise _bad(source, where, "name must be a non-empty string")
    if not isinstance(sql, str):
        raise _bad(source, where, "sql must be a string")
    if not isinstance(dialects, list) or not dialects or not all(d in DIALECTS for d in dialects):
        raise _bad(source, where, f"dialects must be a non-empty list of {list(DIALECTS)}")
    config = raw.get("config") or {}
    if not isinstance(config, dict):
        raise _bad(source, where, "config must be a mapping of SqlReviewSettings fields")
    return RuleCase(
        rule=rule,
        name=name,
        sql=sql,
        dialects=tuple(dialects),
        expect=_parse_expect(raw["expect"], source, where),
        config=config,
        source=source,
    )


def load_rule_cases(path: str | os.PathLike[str]) -> list[RuleCase]:
    """The cases of one YAML rule-case file; ConfigError naming the file and case if malformed."""
    import yaml  # lazily: only tests and plugin authors load case files

    source = Path(path).as_posix()
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("rule"), str):
        raise _bad(source, "top level", "expected a mapping with 'rule: HCnnn' and 'cases:'")
    rule = data["rule"].strip().upper()
    raw_cases = data.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        raise _bad(source, "top level", "'cases' must be a non-empty list")
    cases = [_parse_case(raw, rule, source, n) for n, raw in enumerate(raw_cases, 1)]
    seen: set[str] = set()
    for case in cases:
        if case.name in seen:
            raise _bad(source, f"case {case.name}", "the name is used twice")
        seen.add(case.name)
    return cases


def _resolve(case: RuleCase, rule: type[Rule] | None) -> type[Rule]:
    if rule is None:
        found = rule_by_code(case.rule)
        if found is None:
            raise _bad(case.source, case.name, f"no installed rule has code {case.rule}")
        return found
    if rule.code != case.rule:
        raise _bad(case.source, case.name, f"file is for {case.rule}, rule given is {rule.code}")
    return rule


def run_rule_case(
    case: RuleCase, dialect: Dialect, rule: type[Rule] | None = None
) -> list[Finding]:
    """The findings of ``case`` in ``dialect`` with only its rule enabled (unsuppressed ones).

    ``rule`` is the class to run; by default the registered rule with the file's code.
    """
    cls = _resolve(case, rule)
    if dialect not in cls.dialects:
        raise _bad(
            case.source,
            case.name,
            f"{cls.code} does not check {dialect} (it checks {', '.join(sorted(cls.dialects))});"
            " a case there could only pass",
        )
    settings = SqlReviewSettings.model_validate({**case.config, "dialect": dialect})
    statement_rules = [cls()] if issubclass(cls, StatementRule) else []
    file_rules = [cls()] if issubclass(cls, FileRule) else []
    review = review_with_rules(case.sql, settings, statement_rules, file_rules)
    return [f for f in review.findings if not f.suppressed]


def _describe(findings: Sequence[Finding]) -> str:
    if not findings:
        return "pass (no finding)"
    return "; ".join(f"{f.code} at line {f.span.start_line}: {f.message}" for f in findings)


def check_rule_case(case: RuleCase, dialect: Dialect, rule: type[Rule] | None = None) -> None:
    """Raise RuleCaseFailure unless ``case`` in ``dialect`` reports exactly its expected codes."""
    if dialect not in case.dialects:
        raise _bad(case.source, case.name, f"dialect {dialect} is not among {case.dialects}")
    findings = run_rule_case(case, dialect, rule)
    got = tuple(f.code for f in findings)
    if got != case.expect:
        expected = ", ".join(case.expect) if case.expect else "pass"
        raise RuleCaseFailure(
            f"{case.rule} case {case.name!r} ({dialect}) in {case.source}:\n"
            f"  expected: {expected}\n"
            f"  got:      {_describe(findings)}\n"
            f"  sql:      {case.sql!r}"
        )


def check_rule_cases(path: str | os.PathLike[str], rule: type[Rule] | None = None) -> int:
    """Check every case of a file in every listed dialect; one RuleCaseFailure lists all misses.

    Returns the number of (case, dialect) runs that were checked.
    """
    failures: list[str] = []
    runs = 0
    for case in load_rule_cases(path):
        for dialect in case.dialects:
            runs += 1
            try:
                check_rule_case(case, dialect, rule)
            except RuleCaseFailure as exc:
                failures.append(str(exc))
    if failures:
        raise RuleCaseFailure(
            f"{len(failures)} of {runs} rule case runs failed:\n" + "\n".join(failures)
        )
    return runs
