"""The test-run configuration description and the report models' invariants."""

from __future__ import annotations

import platform
from dataclasses import FrozenInstanceError

import pytest
from pydantic import TypeAdapter

from hischange.testing import TestCaseResult, TestEnvironmentInfo, describe_environment
from hischange.testing.models import trusted_case


def test_describe_environment_has_python_platform_and_plugins() -> None:
    """The configuration names this Python, this platform and the sorted plugin list."""
    config = describe_environment(["xdist-3.5", "hischange-0.1", "xdist-3.5"])
    assert config["python"] == platform.python_version()
    assert config["platform"] == platform.platform()
    assert config["plugins"] == "hischange-0.1, xdist-3.5"
    assert all(isinstance(value, str) for value in config.values())


def test_environment_info_is_frozen_json() -> None:
    """TestEnvironmentInfo round-trips through JSON."""
    info = TestEnvironmentInfo.current(["a"])
    assert TestEnvironmentInfo.model_validate_json(info.model_dump_json()) == info


def test_trusted_case_equals_a_validated_case() -> None:
    """The unvalidated fast constructor builds exactly what validation would."""
    fast = trusted_case("测试", "c", "failed", 12, "m", True, "Timeout")
    slow = TestCaseResult(
        name="测试",
        classname="c",
        outcome="failed",
        time_ms=12,
        message="m",
        flaky=True,
        raw_outcome="Timeout",
    )
    adapter = TypeAdapter(TestCaseResult)
    assert fast == slow
    assert hash(fast) == hash(slow)
    assert adapter.dump_python(fast) == adapter.dump_python(slow)
    assert adapter.dump_json(fast) == adapter.dump_json(slow)
    assert adapter.validate_python(adapter.dump_python(fast)) == fast


def test_cases_are_frozen() -> None:
    """A case cannot be changed after import."""
    case = trusted_case("a", "c", "passed", 1, None)
    with pytest.raises(FrozenInstanceError):
        case.outcome = "failed"  # type: ignore[misc]
