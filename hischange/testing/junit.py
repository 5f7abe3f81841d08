"""JUnit XML (pytest, Maven Surefire, Gradle, Jenkins-style aggregates) as parser events.

The JUnit "format" is a family: a ``<testsuites>`` or ``<testsuite>`` root, suites that may
nest (Jenkins aggregates), ``<testcase>`` elements whose children ``<failure>``, ``<error>``
and ``<skipped>`` give the outcome, and Surefire's ``flakyFailure``/``rerunFailure`` extras.
The tool is recognised from hints in the file; anything else is reported as generic "junit".
"""

from __future__ import annotations

from hischange.testing.handler import ParsedReport
from hischange.testing.models import Outcome, TestCaseResult, Tool, Totals, trusted_case
from hischange.testing.text import BoundedText, bounded, parse_count, seconds_to_ms

__all__ = ["JUNIT", "JUNIT_ROOTS", "JUnitFormat", "JUnitHandler"]

JUNIT_ROOTS = frozenset({"testsuites", "testsuite"})

_SUITES = JUNIT_ROOTS
_OUTCOME_TAGS: dict[str, Outcome] = {"failure": "failed", "error": "error", "skipped": "skipped"}
# When one case carries several outcome elements (pytest: a failure and a teardown error),
# the worst one wins.
_RANK: dict[str, int] = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
_FLAKY = frozenset({"flakyFailure", "flakyError"})
_TIME_MEMO = 10_000
_SCHEMA_LOCATION = "http://www.w3.org/2001/XMLSchema-instance}noNamespaceSchemaLocation"


class JUnitHandler:
    """Streaming target for JUnit XML; keeps one small record per test case."""

    def __init__(self, root_tag: str, root_attrs: dict[str, str], max_message_chars: int) -> None:
        self._cap = max_message_chars
        self._cases: list[TestCaseResult] = []
        self._classnames: dict[str, str] = {}
        self._times: dict[str, int | None] = {}
        self._depth = 0
        # Current test case (None outside one) and the state gathered inside it.
        self._case: dict[str, str] | None = None
        self._case_depth = 0
        self._outcome: Outcome = "passed"
        self._flaky = False
        self._message: BoundedText | None = None
        self._capture_at = -1
        # Declared totals: the outermost suites that state counts (nested ones repeat them).
        self._declared_stack: list[bool] = []
        self._declared = [0, 0, 0, 0, 0]
        self._has_declared = False
        self._timestamp: str | None = None
        # Hints for recognising the tool.
        self._root_tag = root_tag
        self._root_attrs = root_attrs
        self._pytest = root_attrs.get("name", "").startswith("pytest")
        self._surefire = False
        self._gradle = False
        self._version: str | None = None
        self._properties = 0
        self._in_suite_properties = False

    def start(self, tag: str, raw_attrs: list[str]) -> None:
        """Track suites, cases and the outcome elements inside a case."""
        self._depth += 1
        pairs = iter(raw_attrs)
        attrs = dict(zip(pairs, pairs, strict=False))
        if self._case is not None:
            outcome = _OUTCOME_TAGS.get(tag)
            if outcome is not None and self._depth == self._case_depth + 1:
                if _RANK[outcome] > _RANK[self._outcome]:
                    self._outcome = outcome
                message = self._message or BoundedText(self._cap)
                self._message = message
                if message.total:
                    message.add("\n")
                head = attrs.get("message") or attrs.get("type")
                if head:
                    message.add(head)
                    message.add("\n")
                self._capture_at = self._depth
            elif tag in _FLAKY:
                self._flaky = True
            return
        if tag == "testcase":
            self._case = attrs
            self._case_depth = self._depth
            self._outcome = "passed"
            self._flaky = False
            self._message = None
        elif tag in _SUITES:
            self._start_suite(attrs)
        elif tag == "properties":
            self._in_suite_properties = True
        elif tag == "property" and self._in_suite_properties:
            self._property(attrs.get("name", ""))

    def _start_suite(self, attrs: dict[str, str]) -> None:
        inherited = bool(self._declared_stack) and self._declared_stack[-1]
        counts = [parse_count(attrs.get(key)) for key in ("tests", "failures", "errors", "skipped")]
        here = not inherited and any(c is not None for c in counts)
        if here:
            self._has_declared = True
            for i, count in enumerate(counts):
                self._declared[i] += count or 0
            self._declared[4] += seconds_to_ms(attrs.get("time")) or 0
        self._declared_stack.append(inherited or here)
        if self._timestamp is None and attrs.get("timestamp"):
            self._timestamp = bounded(attrs["timestamp"], 64)
        if attrs.get("name") == "pytest":
            self._pytest = True
        if "surefire" in attrs.get(_SCHEMA_LOCATION, ""):
            self._surefire = True
            self._version = self._version or bounded(attrs.get("version"), 32)

    def _property(self, name: str) -> None:
        self._properties += 1
        if name.startswith(("surefire.", "maven.")):
            self._surefire = True
        elif name.startswith(("org.gradle.", "gradle.")):
            self._gradle = True

    def end(self, tag: str) -> None:
        """Close whatever ``start`` opened."""
        if self._case is not None:
            if self._depth == self._capture_at:
                self._capture_at = -1
            if self._depth == self._case_depth:
                self._finish_case(self._case)
        elif tag in _SUITES:
            if self._declared_stack:
                self._declared_stack.pop()
        elif tag == "properties":
            self._in_suite_properties = False
        self._depth -= 1

    def data(self, text: str) -> None:
        """Keep only the direct text of a failure/error/skipped element, bounded."""
        if self._depth == self._capture_at and self._message is not None:
            self._message.add(text)

    def _finish_case(self, attrs: dict[str, str]) -> None:
        classname = bounded(attrs.get("classname") or attrs.get("class")) or ""
        self._cases.append(
            trusted_case(
                bounded(attrs.get("name")) or "",
                # Many cases share a class: keep one copy of each class name.
                self._classnames.setdefault(classname, classname),
                self._outcome,
                self._time_ms(attrs.get("time")),
                self._message.value() if self._message is not None else None,
                self._flaky,
            )
        )
        self._case = None
        self._message = None

    def _time_ms(self, text: str | None) -> int | None:
        # Tools write times with a few decimals, so the same strings recur: memoise them
        # (bounded, so a hostile file cannot grow the memo without limit).
        if text is None:
            return None
        if text in self._times:
            return self._times[text]
        millis = seconds_to_ms(text)
        if len(self._times) < _TIME_MEMO:
            self._times[text] = millis
        return millis

    def _tool(self) -> Tool:
        if self._pytest:
            return "pytest"
        if self._surefire:
            return "surefire"
        root = self._root_attrs
        # Gradle writes one <testsuite> per class with timestamp, hostname and an empty
        # <properties/>; Ant/Surefire add id/package or fill the properties.
        gradle_shape = (
            self._root_tag == "testsuite"
            and "timestamp" in root
            and "hostname" in root
            and "id" not in root
            and "package" not in root
            and self._properties == 0
        )
        if self._gradle or gradle_shape:
            return "gradle"
        return "junit"

    def close(self) -> ParsedReport:
        """Return the cases and what the file declared."""
        declared = None
        if self._has_declared:
            tests, failures, errors, skipped, duration = self._declared
            declared = Totals(
                tests=tests,
                passed=max(0, tests - failures - errors - skipped),
                failures=failures,
                errors=errors,
                skipped=skipped,
                duration_ms=duration,
            )
        return ParsedReport(
            tool=self._tool(),
            cases=self._cases,
            tool_version=self._version,
            timestamp=self._timestamp,
            declared=declared,
        )


class JUnitFormat:
    """The built-in ``junit`` evidence format."""

    name = "junit"
    title = "JUnit XML (pytest, Surefire, Gradle, Jenkins)"
    roots = JUNIT_ROOTS

    def handler(self, root: str, attrs: dict[str, str], max_message_chars: int) -> JUnitHandler:
        """A handler that knows the root's attributes (they hint at the tool)."""
        return JUnitHandler(root, attrs, max_message_chars)


JUNIT = JUnitFormat()
