"""What a format handler is: a streaming parser target that yields a ``ParsedReport``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from hischange.testing.models import TestCaseResult, Tool, Totals

__all__ = ["FormatHandler", "ParsedReport"]


@dataclass
class ParsedReport:
    """What a handler found; the file facts (hash, size) are added by the importer."""

    tool: Tool
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
        """An element starts."""

    def end(self, tag: str) -> None:
        """An element ends."""

    def data(self, text: str) -> None:
        """Character data, in pieces of any size."""

    def close(self) -> ParsedReport:
        """The document ended; return what was found."""
