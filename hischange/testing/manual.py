"""Manual and on-site test records (IEC 62304 §9.8; 等保 8.1.9.7 test and acceptance).

A record holds what §9.8 asks of a test record: the result, anomalies, the version tested,
the configuration and tools, the date and the tester, plus steps and expected/actual results.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from hischange.errors import UsageError
from hischange.files import read_regular
from hischange.testing.attachments import Attachment

__all__ = [
    "DEFAULT_ENVIRONMENTS",
    "MAX_STEPS_BYTES",
    "RESULTS",
    "ManualRecord",
    "ManualResult",
    "build_manual_record",
    "read_steps",
]

DEFAULT_ENVIRONMENTS: tuple[str, ...] = ("onsite-test", "test", "staging", "production")
ManualResult = Literal["pass", "fail", "blocked"]
RESULTS: tuple[str, ...] = ("pass", "fail", "blocked")
#: Steps files larger than this are refused: a test procedure, not a log dump.
MAX_STEPS_BYTES = 1_000_000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COMMIT = re.compile(r"^[0-9a-f]{7,64}$")


class ManualRecord(BaseModel):
    """One manual or on-site test, as the tester reports it.

    Validate with ``context={"environments": [...]}`` to check the environment against the
    project's list (default: DEFAULT_ENVIRONMENTS); ``{"environments": None}`` skips the
    check, e.g. when reading back a record made under an older configuration.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    tester: str = Field(min_length=1, max_length=200)
    environment: str = Field(min_length=1, max_length=100)
    #: A date, or a time with its zone (a bare local time would be ambiguous in the ledger).
    tested_at: datetime | date
    version: str | None = Field(default=None, max_length=100)
    commit: str | None = None
    steps: str = Field(min_length=1)
    expected_result: str = Field(min_length=1)
    actual_result: str = Field(min_length=1)
    result: ManualResult
    anomalies: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    configuration: dict[str, str] = Field(default_factory=dict)
    tools: dict[str, str] = Field(default_factory=dict)

    @field_validator("result", mode="before")
    @classmethod
    def _known_result(cls, value: Any) -> Any:
        if value not in RESULTS:
            raise ValueError(f"result {value!r} is not one of: {', '.join(RESULTS)}")
        return value

    @field_validator("environment")
    @classmethod
    def _known_environment(cls, value: str, info: ValidationInfo) -> str:
        context = info.context if isinstance(info.context, dict) else {}
        allowed = context.get("environments", DEFAULT_ENVIRONMENTS)
        if allowed is not None and value not in allowed:
            raise ValueError(
                f"environment {value!r} is not one of: {', '.join(allowed)} "
                "(the list comes from the project config)"
            )
        return value

    @field_validator("tested_at", mode="before")
    @classmethod
    def _plain_date(cls, value: Any) -> Any:
        # Pydantic would read "2026-03-02" as midnight of a naive datetime; keep it a date.
        if isinstance(value, str) and _DATE.match(value.strip()):
            return date.fromisoformat(value.strip())
        return value

    @field_validator("tested_at")
    @classmethod
    def _zoned(cls, value: datetime | date) -> datetime | date:
        if isinstance(value, datetime) and value.utcoffset() is None:
            raise ValueError(
                f"time {value.isoformat()} has no time zone; add one (e.g. +08:00) "
                "or give just the date"
            )
        return value

    @field_validator("commit")
    @classmethod
    def _commit_hex(cls, value: str | None) -> str | None:
        if value is not None and not _COMMIT.match(value.lower()):
            raise ValueError(f"commit {value!r} is not a hex commit id (7 to 64 characters)")
        return value.lower() if value is not None else None

    @field_validator("anomalies")
    @classmethod
    def _no_blank_anomalies(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(item.strip() for item in value if item.strip())

    @model_validator(mode="after")
    def _something_tested(self) -> ManualRecord:
        if not self.version and not self.commit:
            raise ValueError("give the version tested, the commit tested, or both")
        if self.result == "fail" and not self.anomalies:
            raise ValueError("a failed test must list at least one anomaly")
        return self


def build_manual_record(
    data: Mapping[str, Any], *, environments: Sequence[str] | None = DEFAULT_ENVIRONMENTS
) -> ManualRecord:
    """Validate ``data`` into a ManualRecord; problems become one UsageError listing each."""
    try:
        return ManualRecord.model_validate(
            dict(data), context={"environments": tuple(environments) if environments else None}
        )
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "record"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {message}")
        raise UsageError(
            "the test record is not valid: " + "; ".join(problems),
            hint="fix the values above and record it again",
        ) from None


def read_steps(path: Path, *, max_bytes: int = MAX_STEPS_BYTES) -> str:
    """Read a steps file as text: UTF-8 (with or without BOM), else GB18030."""
    raw = read_regular(path, "steps file", max_bytes=max_bytes)
    if b"\x00" in raw:
        raise UsageError(f"steps file {path.name} is binary", hint="give a text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise UsageError(
            f"steps file {path.name} is neither UTF-8 nor GB18030 text",
            hint="re-save it as UTF-8",
        ) from None
