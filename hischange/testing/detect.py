"""Recognise a report before parsing it: its encoding from the first bytes, its format
from the root element (the first parser event, so a non-report is refused at once) through
the format registry (``formats.py``).
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from hischange.testing.errors import EmptyReport, UnsupportedReport
from hischange.testing.formats import FormatRegistry, RegisteredFormat, show_tag
from hischange.testing.handler import FormatHandler, ParsedReport

__all__ = ["RootDispatcher", "sniff_decoder"]

_DECLARATION = re.compile(
    rb"^\s*<\?xml[^>]{0,200}?\bencoding\s*=\s*[\"']([A-Za-z][A-Za-z0-9._:-]{0,39})[\"']"
)
# Encodings expat reads itself; everything else is decoded by Python and fed as text
# (pyexpat refuses multi-byte encodings such as GBK: "multi-byte encodings are not supported").
_NATIVE = frozenset({"utf-8", "utf-16", "ascii", "latin-1", "iso8859-1"})
# Files declared GBK/GB2312 are decoded as GB18030, its superset, as Windows tools do.
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030"}


def sniff_decoder(first: bytes, file_name: str) -> codecs.IncrementalDecoder | None:
    """Return a decoder when the bytes must be decoded by Python, None when expat can.

    Raises a ReportError for an empty, binary, or unknown-encoding file.
    """
    if not first.strip():
        raise EmptyReport(
            f"{file_name}: the report is empty",
            hint="check that the test run finished and wrote its report",
        )
    if first.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return codecs.getincrementaldecoder("utf-32")(errors="strict")
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return None
    if b"\x00" in first:
        raise UnsupportedReport(
            f"{file_name}: this is a binary file, not an XML test report",
            hint="pass the XML report the test tool wrote",
        )
    match = _DECLARATION.match(first)
    if match is None:
        return None
    declared = match.group(1).decode("ascii")
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        raise UnsupportedReport(
            f"{file_name}: the report declares the unknown encoding {declared!r}",
            hint="re-save the report as UTF-8",
        ) from None
    if name in _NATIVE:
        return None
    return codecs.getincrementaldecoder(_SUPERSETS.get(name, name))(errors="strict")


class RootDispatcher:
    """Parser target: picks the format at the root element, then forwards to its handler."""

    def __init__(self, file_name: str, max_message_chars: int, formats: FormatRegistry) -> None:
        self._file_name = file_name
        self._cap = max_message_chars
        self._formats = formats
        self._handler: FormatHandler | None = None
        #: The format the root element chose (None before the root element).
        self.chosen: RegisteredFormat | None = None
        self._expat: Any = None

    def attach(self, xml_parser: Any) -> None:
        """Take expat's element and text callbacks from a defusedxml ``DefusedXMLParser``.

        The XMLParser wrappers (name fixing, attribute dicts) cost a Python call per event;
        the handlers take expat's raw form instead. defusedxml's DTD/entity guards are other
        callbacks on the same expat object and stay in place; ``close()`` still reaches us.
        """
        self._expat = xml_parser.parser
        self._expat.StartElementHandler = self.start
        self._expat.EndElementHandler = self.end
        self._expat.CharacterDataHandler = self.data

    @property
    def started(self) -> bool:
        """Whether the root element has been seen."""
        return self._handler is not None

    def start(self, tag: str, raw_attrs: list[str]) -> None:
        """Choose the handler on the first element and point expat straight at it."""
        if self._handler is None:
            self._handler = self._choose(tag, raw_attrs)
            if self._expat is not None:
                self._expat.StartElementHandler = self._handler.start
                self._expat.EndElementHandler = self._handler.end
                self._expat.CharacterDataHandler = self._handler.data
        self._handler.start(tag, raw_attrs)

    def _choose(self, tag: str, raw_attrs: list[str]) -> FormatHandler:
        chosen = self._formats.for_root(tag)
        if chosen is None:
            raise UnsupportedReport(
                f"{self._file_name}: root element {show_tag(tag)} is not one of the known "
                f"test report formats: {self._formats.known()}",
                hint="pass a report in one of these formats (pytest --junitxml, Surefire, "
                "Gradle, .trx), or install a plugin for yours (docs/evidence-formats.md)",
            )
        self.chosen = chosen
        pairs = iter(raw_attrs)
        return chosen.format.handler(tag, dict(zip(pairs, pairs, strict=False)), self._cap)

    def end(self, tag: str) -> None:
        """Forward the end of an element."""
        if self._handler is not None:
            self._handler.end(tag)

    def data(self, text: str) -> None:
        """Forward character data."""
        if self._handler is not None:
            self._handler.data(text)

    def close(self) -> ParsedReport | None:
        """Called by the parser at the end; None when the document had no element."""
        return self._handler.close() if self._handler is not None else None
