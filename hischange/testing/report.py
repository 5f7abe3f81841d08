"""``import_report``: one streaming pass over a report file that hashes, decodes and parses it.

The file is read in chunks; each chunk is hashed and fed to defusedxml's expat parser with a
target that keeps only what the report model needs, so memory stays bounded by the size of
the result (one small record per case), not by the size of the file.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser
from pydantic import ValidationError

from hischange.errors import ConfigError, HischangeError, NotFoundError, UsageError
from hischange.files import open_regular, refuse_non_file
from hischange.testing.detect import RootDispatcher, sniff_decoder
from hischange.testing.errors import (
    EmptyReport,
    MalformedReport,
    ReportRefused,
    UnsupportedReport,
)
from hischange.testing.formats import FormatRegistry, RegisteredFormat, installed_formats
from hischange.testing.handler import ParsedReport
from hischange.testing.models import TestReport, Totals

__all__ = ["DEFAULT_MAX_MESSAGE_CHARS", "import_report"]

DEFAULT_MAX_MESSAGE_CHARS = 2000
_CHUNK = 1 << 16


def import_report(
    path: Path,
    *,
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
    formats: FormatRegistry | None = None,
) -> TestReport:
    """Read a report in any registered format and return what it says, with its SHA-256.

    ``formats`` defaults to the built-in formats plus the installed plugins. Raises
    NotFoundError for a missing file and a ReportError subclass (exit code 2) for anything
    that is not a safe, well-formed report in a known format; a ConfigError (exit 6) when a
    plugin format is broken. Nothing is returned half-built.
    """
    if max_message_chars < 1:
        raise UsageError(
            f"max_message_chars must be at least 1, got {max_message_chars}",
            hint="set evidence.max_message_chars to a positive number",
        )
    name = path.name
    if not os.path.lexists(path):
        raise NotFoundError(
            f"test report not found: {path}", hint="check the path; globs must match files"
        )
    refuse_non_file(path, "test report")
    registry = formats if formats is not None else installed_formats()
    hasher = hashlib.sha256()
    size = 0
    chunk_start = 0
    target = RootDispatcher(name, max_message_chars, registry)
    # forbid_dtd on top of defusedxml's defaults: no test tool writes a DTD.
    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    target.attach(parser)
    try:
        with open_regular(path, "test report") as stream:
            chunk = stream.read(_CHUNK)
            decoder = sniff_decoder(chunk, name)
            while chunk:
                chunk_start = size
                hasher.update(chunk)
                size += len(chunk)
                parser.feed(decoder.decode(chunk) if decoder is not None else chunk)
                chunk = stream.read(_CHUNK)
            if decoder is not None:
                parser.feed(decoder.decode(b"", True))
            parsed: ParsedReport | None = parser.close()
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise ReportRefused(
            f"{name}: refused: the report declares a DTD/entities "
            f"(XXE/billion laughs protection): {type(exc).__name__}",
            hint="test tools do not write DTDs or entities; regenerate the report",
        ) from None
    except ParseError as exc:
        raise _malformed(name, exc, started=target.started) from None
    except UnicodeDecodeError as exc:
        raise MalformedReport(
            f"{name}: bytes near offset {chunk_start + exc.start} are not valid {exc.encoding}",
            hint="re-save the report as UTF-8 or fix its encoding declaration",
        ) from None
    except (ValueError, LookupError) as exc:
        # pyexpat's own refusals (e.g. an encoding it cannot handle) arrive as ValueError.
        raise UnsupportedReport(
            f"{name}: cannot read the report: {exc}", hint="re-save the report as UTF-8"
        ) from None
    except OSError as exc:
        raise UsageError(f"{name}: cannot read the report: {exc.strerror or exc}") from None
    except Exception as exc:
        if isinstance(exc, HischangeError) or target.chosen is None or not target.chosen.plugin:
            raise
        raise _plugin_failed(target.chosen, name, exc) from exc
    if parsed is None:
        raise EmptyReport(f"{name}: the report has no root element")
    try:
        return _build(name, hasher.hexdigest(), size, parsed)
    except (ValidationError, KeyError, TypeError) as exc:
        # Built-in handlers produce only checked values; a plugin may not.
        if target.chosen is None or not target.chosen.plugin:
            raise
        raise _plugin_failed(target.chosen, name, exc) from exc


def _plugin_failed(chosen: RegisteredFormat, name: str, exc: Exception) -> ConfigError:
    return ConfigError(
        f"{chosen} failed on {name}: {type(exc).__name__}: {exc}",
        hint="report it to the plugin's authors, or uninstall its package",
    )


def _malformed(name: str, exc: ParseError, *, started: bool) -> Exception:
    line, column = getattr(exc, "position", (0, 0))
    reason = str(exc).split(":", 1)[0]
    if not started and reason == "no element found":
        return EmptyReport(
            f"{name}: the report has no root element",
            hint="check that the test run finished and wrote its report",
        )
    return MalformedReport(
        f"{name}: malformed XML at line {line}, column {column + 1}: {reason}",
        hint="the report is damaged or truncated; regenerate it",
    )


def _build(name: str, sha256: str, size: int, parsed: ParsedReport) -> TestReport:
    counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
    duration = 0
    for case in parsed.cases:
        counts[case.outcome] += 1
        duration += case.time_ms or 0
    totals = Totals(
        tests=len(parsed.cases),
        passed=counts["passed"],
        failures=counts["failed"],
        errors=counts["error"],
        skipped=counts["skipped"],
        duration_ms=duration,
    )
    return TestReport(
        file_name=name,
        sha256=sha256,
        size=size,
        tool=parsed.tool,
        tool_version=parsed.tool_version,
        timestamp=parsed.timestamp,
        totals=totals,
        declared_totals=parsed.declared,
        cases=tuple(parsed.cases),
    )
