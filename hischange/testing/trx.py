"""Visual Studio TRX (``vstest``/``dotnet test --logger trx``) as parser events.

A TRX file lists results (``Results/UnitTestResult``: name, outcome, duration, error
message) separately from definitions (``TestDefinitions/UnitTest/TestMethod``: the class);
they are joined on the test id once the whole file has been read.
"""

from __future__ import annotations

from hischange.testing.handler import ParsedReport
from hischange.testing.models import Outcome, Totals, trusted_case
from hischange.testing.text import BoundedText, bounded, parse_count, timespan_to_ms

__all__ = ["TRX", "TRX_NAMESPACE", "TRX_ROOT", "TrxFormat", "TrxHandler"]

TRX_NAMESPACE = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"
# Tags arrive as expat writes them with "}" as namespace separator: "<uri>}<local>".
_PREFIX = TRX_NAMESPACE + "}"
TRX_ROOT = _PREFIX + "TestRun"

# TRX has fourteen outcomes; map each to ours. "Inconclusive" did not pass, but it did not
# fail either; it becomes "skipped" with the raw word kept so a reviewer can see it.
_OUTCOMES: dict[str, Outcome] = {
    "Passed": "passed",
    "PassedButRunAborted": "passed",
    "Completed": "passed",
    "Warning": "passed",
    "Failed": "failed",
    "Timeout": "failed",
    "Aborted": "failed",
    "Error": "error",
    "Disconnected": "error",
    "NotExecuted": "skipped",
    "NotRunnable": "skipped",
    "Inconclusive": "skipped",
    "Pending": "skipped",
    "InProgress": "skipped",
}
_PLAIN = frozenset({"Passed", "Failed", "Error", "NotExecuted"})
_COUNTER_GROUPS = {
    "failures": ("failed", "timeout", "aborted"),
    "errors": ("error", "disconnected"),
    "skipped": ("notExecuted", "notRunnable", "inconclusive", "pending", "inProgress"),
}


class _Pending:
    __slots__ = ("message", "name", "outcome", "test_id", "time_ms")

    def __init__(self, attrs: dict[str, str]) -> None:
        self.test_id = attrs.get("testId", "")
        self.name = bounded(attrs.get("testName")) or ""
        self.outcome = attrs.get("outcome", "")
        self.time_ms = timespan_to_ms(attrs.get("duration"))
        self.message: BoundedText | None = None


class TrxHandler:
    """Streaming target for TRX; ignores everything but results, definitions and counters."""

    def __init__(self, max_message_chars: int) -> None:
        self._cap = max_message_chars
        self._path: list[str] = []
        self._pending: list[_Pending] = []
        self._current: _Pending | None = None
        self._result_depth = 0
        self._capturing = False
        self._classes: dict[str, str] = {}
        self._definition_id: str | None = None
        self._timestamp: str | None = None
        self._declared: Totals | None = None

    def start(self, tag: str, raw_attrs: list[str]) -> None:
        """Follow the few paths that matter; everything else is skipped cheaply."""
        pairs = iter(raw_attrs)
        attrs = dict(zip(pairs, pairs, strict=False))
        local = tag[len(_PREFIX) :] if tag.startswith(_PREFIX) else tag
        parent = self._path[-1] if self._path else ""
        self._path.append(local)
        if self._current is not None:
            # Message and StackTrace of the result's own ErrorInfo (not of inner results).
            if (
                local in ("Message", "StackTrace")
                and parent == "ErrorInfo"
                and len(self._path) == self._result_depth + 3
            ):
                message = self._current.message or BoundedText(self._cap)
                self._current.message = message
                if message.total:
                    message.add("\n")
                self._capturing = True
        elif parent == "Results" and local.endswith("Result"):
            self._current = _Pending(attrs)
            self._result_depth = len(self._path)
        elif local == "UnitTest" and parent == "TestDefinitions":
            self._definition_id = attrs.get("id")
        elif local == "TestMethod" and self._definition_id is not None:
            # Older MSTest writes an assembly-qualified name: "Ns.Class, Assembly, Version=...".
            class_name = attrs.get("className", "").split(",", 1)[0].strip()
            self._classes[self._definition_id] = bounded(class_name) or ""
        elif local == "Times" and parent == "TestRun":
            self._timestamp = bounded(attrs.get("start"), 64)
        elif local == "Counters" and parent == "ResultSummary":
            self._declared = _declared(attrs)

    def end(self, tag: str) -> None:
        """Close whatever ``start`` opened."""
        depth = len(self._path)
        local = self._path.pop()
        if self._current is not None:
            if depth == self._result_depth:
                self._pending.append(self._current)
                self._current = None
            elif local in ("Message", "StackTrace"):
                self._capturing = False
        elif local == "UnitTest":
            self._definition_id = None

    def data(self, text: str) -> None:
        """Keep the error message and stack trace of the current result, bounded."""
        if self._capturing and self._current is not None and self._current.message is not None:
            self._current.message.add(text)

    def close(self) -> ParsedReport:
        """Join results with their definitions and return them."""
        cases = []
        for pending in self._pending:
            outcome = _OUTCOMES.get(pending.outcome, "error")
            raw = None if pending.outcome in _PLAIN else bounded(pending.outcome, 64) or "(none)"
            cases.append(
                trusted_case(
                    pending.name,
                    self._classes.get(pending.test_id, ""),
                    outcome,
                    pending.time_ms,
                    pending.message.value() if pending.message else None,
                    raw_outcome=raw,
                )
            )
        return ParsedReport(
            tool="trx", cases=cases, timestamp=self._timestamp, declared=self._declared
        )


def _declared(attrs: dict[str, str]) -> Totals | None:
    total = parse_count(attrs.get("total"))
    if total is None:
        return None

    def group(keys: tuple[str, ...]) -> int:
        return sum(parse_count(attrs.get(key)) or 0 for key in keys)

    failures = group(_COUNTER_GROUPS["failures"])
    errors = group(_COUNTER_GROUPS["errors"])
    skipped = group(_COUNTER_GROUPS["skipped"])
    return Totals(
        tests=total,
        passed=max(0, total - failures - errors - skipped),
        failures=failures,
        errors=errors,
        skipped=skipped,
        # TRX states no run duration among its counters.
        duration_ms=0,
    )


class TrxFormat:
    """The built-in ``trx`` evidence format."""

    name = "trx"
    title = "Visual Studio TRX (vstest, dotnet test)"
    roots = frozenset({TRX_ROOT})

    def handler(self, root: str, attrs: dict[str, str], max_message_chars: int) -> TrxHandler:
        """A handler for one TRX file (the root's attributes carry nothing it needs)."""
        return TrxHandler(max_message_chars)


TRX = TrxFormat()
