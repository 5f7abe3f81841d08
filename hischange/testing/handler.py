"""What an evidence format is: a name, the XML root elements that identify it, and a
streaming parser target (a ``FormatHandler``) that yields a ``ParsedReport``.

The shared importer (``report.import_report``) does the rest for every format: hashing,
encoding detection, defusedxml's refusals, bounded memory, and the ``TestReport`` it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from hischange.testing.models import TestCaseResult, Totals

__all__ = ["EvidenceFormat", "FormatHandler", "ParsedReport"]


@dataclass
class ParsedReport:
    """What a handler found; the file facts (hash, size) are added by the importer.

    ``tool`` is the format's name or a finer one it recognised (JUnit: "pytest", "gradle").
    """

    tool: str
    cases: list[TestCaseResult] = field(default_factory=list)
    tool_version: str | None = None
    timestamp: str | None = None
    declared: Totals | None = None


class FormatHandler(Protocol):
    """Receives expat's events directly once the root element has chosen it.

    Tags are ``local`` or ``<uri>}<local>``; attributes a flat ``[name, value, ...]`` list
    (expat's ``ordered_attributes``), as defusedxml's parser configures expat.
    """

    def start(self, tag: str, raw_attrs: list[str]) -> None:
        """An element starts (the root element included)."""

    def end(self, tag: str) -> None:
        """An element ends."""

    def data(self, text: str) -> None:
        """Character data, in pieces of any size."""

    def close(self) -> ParsedReport:
        """The document ended; return what was found."""


class EvidenceFormat(Protocol):
    """One test report format; built-ins and entry-point plugins alike (docs/evidence-formats.md).

    A file is recognised by its root element alone, so a file that is not a report is
    refused after its first element, before anything else is read.
    """

    @property
    def name(self) -> str:
        """Short stable name (``junit``, ``trx``); a plugin's entry point has this name."""

    @property
    def title(self) -> str:
        """What people call the format, for messages and docs (``JUnit XML``)."""

    @property
    def roots(self) -> frozenset[str]:
        """Root element tags that identify the format, as expat writes them (see above)."""

    def handler(self, root: str, attrs: dict[str, str], max_message_chars: int) -> FormatHandler:
        """A fresh handler for one file whose root element is ``root`` with ``attrs``.

        Messages the handler keeps must be cut to ``max_message_chars`` (``text.BoundedText``).
        """
