"""A third-party evidence format as a plugin package would ship it, for the registry tests.

The tests register these objects through real entry points (a dist-info directory on
sys.path); hischange never imports this module by name.

The "ACME checker" writes::

    <acme-results version="2.1" started="2026-11-02T08:00:00Z">
      <check suite="his.billing" name="refund" result="ok" ms="12"/>
      <check suite="his.billing" name="fee" result="fail" ms="7">amount 3 != 4</check>
    </acme-results>
"""

from __future__ import annotations

from hischange.testing import FormatHandler, Outcome, ParsedReport, TestCaseResult
from hischange.testing.text import BoundedText

_OUTCOMES: dict[str, Outcome] = {"ok": "passed", "fail": "failed", "skip": "skipped"}


class AcmeHandler:
    """Streaming target for ACME checker results."""

    def __init__(self, root_attrs: dict[str, str], max_message_chars: int) -> None:
        self._cap = max_message_chars
        self._root = root_attrs
        self._cases: list[TestCaseResult] = []
        self._check: dict[str, str] | None = None
        self._message: BoundedText | None = None

    def start(self, tag: str, raw_attrs: list[str]) -> None:
        """Open a check."""
        if tag == "check":
            self._check = dict(zip(raw_attrs[::2], raw_attrs[1::2], strict=True))
            self._message = BoundedText(self._cap)

    def end(self, tag: str) -> None:
        """Close a check: one validated case."""
        if tag == "check" and self._check is not None and self._message is not None:
            check = self._check
            self._cases.append(
                TestCaseResult(
                    name=check.get("name", ""),
                    classname=check.get("suite", ""),
                    outcome=_OUTCOMES.get(check.get("result", ""), "error"),
                    time_ms=int(check["ms"]) if check.get("ms", "").isdigit() else None,
                    message=self._message.value(),
                )
            )
            self._check = None

    def data(self, text: str) -> None:
        """A check's text is its message."""
        if self._message is not None and self._check is not None:
            self._message.add(text)

    def close(self) -> ParsedReport:
        """The cases, with the tool version and start time the root states."""
        return ParsedReport(
            tool="acme",
            cases=self._cases,
            tool_version=self._root.get("version"),
            timestamp=self._root.get("started"),
        )


class AcmeFormat:
    """The format object the entry point names."""

    name = "acme"
    title = "ACME checker"
    roots = frozenset({"acme-results"})

    def handler(self, root: str, attrs: dict[str, str], max_message_chars: int) -> FormatHandler:
        """A fresh handler per file."""
        return AcmeHandler(attrs, max_message_chars)


ACME = AcmeFormat()


class JunitImpostor(AcmeFormat):
    """Takes the built-in format's name."""

    name = "junit"


class RootThief(AcmeFormat):
    """Takes a root element the built-in JUnit format owns."""

    name = "thief"
    roots = frozenset({"acme-results", "testsuite"})


class Nameless:
    """Not an evidence format at all: no name, title, roots or handler."""


class LyingAcme(AcmeFormat):
    """A handler whose report says a tool name hischange cannot record."""

    name = "liar"
    roots = frozenset({"liar-results"})

    def handler(self, root: str, attrs: dict[str, str], max_message_chars: int) -> FormatHandler:
        """A handler whose close() returns an invalid tool name."""
        inner = AcmeHandler(attrs, max_message_chars)
        inner.close = lambda: ParsedReport(tool="Not A Tool!")  # type: ignore[method-assign]
        return inner


class CrashingAcme(AcmeFormat):
    """A plugin whose handler cannot even be made."""

    name = "crash"
    roots = frozenset({"crash-results"})

    def handler(self, root: str, attrs: dict[str, str], max_message_chars: int) -> FormatHandler:
        """Fails the way a plugin bug does."""
        raise RuntimeError("ACME handler not configured")
