"""Test evidence adapters: report importers, the attachment store, manual test records.

Pure functions over files and plain values; the core turns their models into events.
Report formats form a registry that plugins extend (``formats.py``, docs/evidence-formats.md).
"""

from hischange.testing.attachments import (
    MAX_ATTACHMENT_BYTES_KEY,
    Attachment,
    attachment_path,
    display_name,
    store_attachment,
    verify_attachment,
)
from hischange.testing.environment import TestEnvironmentInfo, describe_environment
from hischange.testing.errors import (
    EmptyReport,
    MalformedReport,
    ReportError,
    ReportRefused,
    UnsupportedReport,
)
from hischange.testing.formats import (
    ENTRY_POINT_GROUP,
    FormatRegistry,
    RegisteredFormat,
    installed_formats,
    load_formats,
)
from hischange.testing.handler import EvidenceFormat, FormatHandler, ParsedReport
from hischange.testing.manual import (
    DEFAULT_ENVIRONMENTS,
    RESULTS,
    ManualRecord,
    ManualResult,
    build_manual_record,
    read_steps,
)
from hischange.testing.models import Outcome, TestCaseResult, TestReport, Tool, Totals
from hischange.testing.report import DEFAULT_MAX_MESSAGE_CHARS, import_report

__all__ = [
    "DEFAULT_ENVIRONMENTS",
    "DEFAULT_MAX_MESSAGE_CHARS",
    "ENTRY_POINT_GROUP",
    "MAX_ATTACHMENT_BYTES_KEY",
    "RESULTS",
    "Attachment",
    "EmptyReport",
    "EvidenceFormat",
    "FormatHandler",
    "FormatRegistry",
    "MalformedReport",
    "ManualRecord",
    "ManualResult",
    "Outcome",
    "ParsedReport",
    "RegisteredFormat",
    "ReportError",
    "ReportRefused",
    "TestCaseResult",
    "TestEnvironmentInfo",
    "TestReport",
    "Tool",
    "Totals",
    "UnsupportedReport",
    "attachment_path",
    "build_manual_record",
    "describe_environment",
    "display_name",
    "import_report",
    "installed_formats",
    "load_formats",
    "read_steps",
    "store_attachment",
    "verify_attachment",
]
