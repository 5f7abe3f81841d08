"""Errors raised while reading a test report: each says which file and what to do."""

from __future__ import annotations

from hischange.errors import UsageError

__all__ = [
    "EmptyReport",
    "MalformedReport",
    "ReportError",
    "ReportRefused",
    "UnsupportedReport",
]


class ReportError(UsageError):
    """A test report file cannot be imported; nothing was recorded from it."""

    code = "bad_report"


class ReportRefused(ReportError):
    """The report uses XML features refused for safety (DTD, entities, external references)."""

    code = "report_refused"


class MalformedReport(ReportError):
    """The report is not well-formed XML, or its bytes do not match its declared encoding."""

    code = "report_malformed"


class UnsupportedReport(ReportError):
    """The file is XML (or text) but not a JUnit or TRX report, or uses an unknown encoding."""

    code = "report_unsupported"


class EmptyReport(ReportError):
    """The file has no content, or no root element."""

    code = "report_empty"
