"""The rule registry: builtin rules, disabled rules, dialect filter and entry-point plugins."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from types import MappingProxyType
from typing import Any

import pytest

from hischange.errors import ConfigError
from hischange.sqlreview import registry
from hischange.sqlreview.model import SqlReviewSettings
from hischange.sqlreview.registry import all_rules, load_rules, rule_by_code
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule


class SiteRule(StatementRule):
    """A plugin rule used by the tests."""

    code = "HC901"
    name = "site-rule"
    severity = "info"
    family = "style"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Report nothing."""
        return ()


class FakeEntryPoint:
    """Stands in for importlib.metadata.EntryPoint."""

    def __init__(self, name: str, target: Any, error: Exception | None = None) -> None:
        self.name = name
        self.value = f"site_rules:{name}"
        self._target = target
        self._error = error

    def load(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._target


def _install(monkeypatch: pytest.MonkeyPatch, *eps: FakeEntryPoint) -> None:
    def fake(**kwargs: Any) -> list[FakeEntryPoint]:
        assert kwargs == {"group": "hischange.sqlreview.rules"}
        return list(eps)

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)


def _codes(settings: SqlReviewSettings) -> set[str]:
    statement_rules, file_rules = load_rules(settings)
    return {r.code for r in [*statement_rules, *file_rules]}


def test_builtin_rules_load_for_every_dialect() -> None:
    """Every statement and file rule loads by default; engine-only codes do not."""
    codes = _codes(SqlReviewSettings(dialect="tsql"))
    assert {"HC101", "HC116", "HC117", "HC130"} <= codes
    assert not codes & {"HC000", "HC001", "HC002"}


def test_disabled_rules_are_dropped() -> None:
    """Codes in settings.disabled (any case) are not loaded."""
    codes = _codes(SqlReviewSettings(disabled=frozenset({"HC101", "hc116"})))
    assert "HC101" not in codes and "HC116" not in codes and "HC102" in codes


def test_dialect_filter() -> None:
    """HC117 (dirty reads) does not claim Oracle, so an Oracle review does not load it."""
    assert "HC117" not in _codes(SqlReviewSettings(dialect="oracle"))
    assert "HC117" in _codes(SqlReviewSettings(dialect="mysql"))


def test_all_rules_sorted_with_unique_codes() -> None:
    """all_rules lists every rule once, sorted by code, engine metadata included."""
    codes = [r.code for r in all_rules()]
    assert codes == sorted(set(codes))
    assert {"HC000", "HC001", "HC002", "HC140"} <= set(codes)


def test_rule_by_code() -> None:
    """rule_by_code is case-insensitive and returns None for unknown codes."""
    found = rule_by_code("hc101")
    assert found is not None and found.code == "HC101"
    assert rule_by_code("HC999") is None


def test_entry_point_rule_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A class registered in the entry-point group is loaded like a builtin."""
    _install(monkeypatch, FakeEntryPoint("HC901", SiteRule))
    assert "HC901" in _codes(SqlReviewSettings())
    assert "HC901" not in _codes(SqlReviewSettings(disabled=frozenset({"HC901"})))
    assert rule_by_code("HC901") is SiteRule


def test_broken_entry_point_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry point that fails to import raises ConfigError naming it."""
    _install(monkeypatch, FakeEntryPoint("HC902", None, ImportError("no module site_rules")))
    with pytest.raises(ConfigError, match=r"HC902 = site_rules:HC902.*no module site_rules"):
        load_rules(SqlReviewSettings())


def test_entry_point_that_is_not_a_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry point pointing at something other than a rule class is refused by name."""
    _install(monkeypatch, FakeEntryPoint("HC903", object))
    with pytest.raises(ConfigError, match="HC903"):
        load_rules(SqlReviewSettings())


def test_entry_point_with_bad_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule class with a malformed code or severity is refused with what is wrong."""

    class Bad(SiteRule):
        code = "X1"

    _install(monkeypatch, FakeEntryPoint("bad", Bad))
    with pytest.raises(ConfigError, match="code 'X1'"):
        load_rules(SqlReviewSettings())


def test_entry_point_reusing_a_builtin_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plugin may not take a builtin rule's code."""

    class Clash(SiteRule):
        code = "HC101"

    _install(monkeypatch, FakeEntryPoint("clash", Clash))
    with pytest.raises(ConfigError, match="reuses code HC101"):
        registry.all_rules()


def test_entry_point_with_bad_dialect_severity(monkeypatch: pytest.MonkeyPatch) -> None:
    """A per-dialect severity must map known dialects to known severities."""

    class Bad(SiteRule):
        dialect_severity = MappingProxyType({"db2": "fatal"})

    _install(monkeypatch, FakeEntryPoint("bad", Bad))
    with pytest.raises(ConfigError, match="dialect_severity"):
        load_rules(SqlReviewSettings())
