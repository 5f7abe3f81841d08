"""Models of an imported test report: totals, one result per test case, the report itself.

Everything here may end up in a ledger event, so there are no floats: durations are int
milliseconds and timestamps are kept as the text the tool wrote.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field
from pydantic.dataclasses import dataclass

__all__ = [
    "TOOL_PATTERN",
    "Outcome",
    "TestCaseResult",
    "TestReport",
    "Tool",
    "Totals",
    "trusted_case",
]

Outcome = Literal["passed", "failed", "error", "skipped"]
#: The tools the built-in formats report; a plugin format reports its own (``TOOL_PATTERN``).
Tool = Literal["pytest", "surefire", "gradle", "junit", "trx"]
#: What a report's ``tool`` (and an evidence format's name) may look like.
TOOL_PATTERN = r"^[a-z][a-z0-9_.-]{0,31}$"

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Totals(BaseModel):
    """Counts of a run; ``passed`` = tests - failures - errors - skipped."""

    model_config = _FROZEN

    tests: int = Field(ge=0)
    passed: int = Field(ge=0)
    failures: int = Field(ge=0)
    errors: int = Field(ge=0)
    skipped: int = Field(ge=0)
    duration_ms: int = Field(ge=0)

    def same_counts(self, other: Totals) -> bool:
        """True when both agree on every count (durations legitimately differ)."""
        return (self.tests, self.failures, self.errors, self.skipped) == (
            other.tests,
            other.failures,
            other.errors,
            other.skipped,
        )


@dataclass(frozen=True, slots=True, config=ConfigDict(extra="forbid"))
class TestCaseResult:
    """One test case as the report states it; ``message`` is already truncated.

    A pydantic dataclass with slots, not a BaseModel: a report can hold hundreds of
    thousands of cases, and this costs ~100 bytes per case instead of ~360.
    """

    # Keep pytest from trying to collect this class when a test module imports it.
    __test__: ClassVar[bool] = False

    name: str
    classname: str
    outcome: Outcome
    #: None when the report gives no (readable) time.
    time_ms: int | None = Field(default=None, ge=0)
    message: str | None = None
    #: Surefire ``flakyFailure``/``flakyError``: failed at first, passed on a rerun.
    flaky: bool = False
    #: The tool's own outcome word when it is not one of ours (TRX ``Inconclusive``, ...).
    raw_outcome: str | None = None


_new_case = object.__new__
_set = object.__setattr__


def trusted_case(
    name: str,
    classname: str,
    outcome: Outcome,
    time_ms: int | None,
    message: str | None,
    flaky: bool = False,
    raw_outcome: str | None = None,
) -> TestCaseResult:
    """Build a case from values the importers already checked, skipping validation.

    Validating each case costs more than parsing it (a 100 MB report holds hundreds of
    thousands). The importers produce only checked values (bounded strings, outcomes from
    fixed maps, non-negative ints), so the slots are set directly. A test compares the
    result with a validated instance so a pydantic change that breaks this is caught.
    """
    case = _new_case(TestCaseResult)
    _set(case, "name", name)
    _set(case, "classname", classname)
    _set(case, "outcome", outcome)
    _set(case, "time_ms", time_ms)
    _set(case, "message", message)
    _set(case, "flaky", flaky)
    _set(case, "raw_outcome", raw_outcome)
    return case


class TestReport(BaseModel):
    """One imported report file: what it is (hash, size, tool) and what it says."""

    __test__: ClassVar[bool] = False
    # Computed fields appear in JSON output; ignoring unknown keys lets a dump load back.
    model_config = ConfigDict(frozen=True, extra="ignore")

    file_name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    #: One of ``Tool`` for the built-in formats; a plugin format's own name otherwise.
    tool: str = Field(pattern=TOOL_PATTERN)
    #: A version stated in the file, if any (for Surefire: the report schema version).
    tool_version: str | None = None
    #: The run's start time exactly as written in the file (not parsed: zones vary by tool).
    timestamp: str | None = None
    #: Computed from the cases; authoritative.
    totals: Totals
    #: What the file's own attributes/counters claim, when it states them.
    declared_totals: Totals | None = None
    cases: tuple[TestCaseResult, ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def empty(self) -> bool:
        """A report with no test cases is evidence of nothing."""
        return self.totals.tests == 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        """At least one test ran and nothing failed or errored."""
        t = self.totals
        return t.tests > 0 and t.failures == 0 and t.errors == 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def totals_consistent(self) -> bool:
        """False when the file's declared counts disagree with its test cases."""
        return self.declared_totals is None or self.declared_totals.same_counts(self.totals)
