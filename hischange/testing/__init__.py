"""Test evidence adapters: report importers, the attachment store, manual test records.

Pure functions over files and plain values; the core turns their models into events.
Report formats form a registry that plugins extend (``formats.py``, docs/evidence-formats.md).
"""

from hischange.testing.attachments import (
    ATTACHMENTS_DIR,
    MAX_ATTACHMENT_BYTES_KEY,
    Attachment,
    attachment_path,
    attachment_state,
    display_name,
    store_attachment,
    store_written,
    verify_attachment,
)
from hischange.testing.cases import (
    CASES_ENCODING,
    FAILURES_KEPT,
    CasesRef,
    cases_by_reference,
    iter_cases,
    read_cases,
    store_cases,
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
    "ATTACHMENTS_DIR",
    "CASES_ENCODING",
    "DEFAULT_ENVIRONMENTS",
    "DEFAULT_MAX_MESSAGE_CHARS",
    "ENTRY_POINT_GROUP",
    "FAILURES_KEPT",
    "MAX_ATTACHMENT_BYTES_KEY",
    "RESULTS",
    "Attachment",
    "CasesRef",
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
    "attachment_state",
    "build_manual_record",
    "cases_by_reference",
    "describe_environment",
    "display_name",
    "import_report",
    "installed_formats",
    "iter_cases",
    "load_formats",
    "read_cases",
    "read_steps",
    "store_attachment",
    "store_cases",
    "store_written",
    "verify_attachment",
]
