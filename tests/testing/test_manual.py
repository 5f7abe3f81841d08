"""Manual / on-site test records and reading their steps files."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hischange.errors import NotFoundError, UsageError
from hischange.testing import Attachment, ManualRecord, build_manual_record, read_steps


def _data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tester": "tester@vendor",
        "environment": "onsite-test",
        "tested_at": "2026-03-02",
        "version": "3.3.0-rc1",
        "steps": "1. 登录门诊医生站\n2. 开具处方",
        "expected_result": "处方保存成功",
        "actual_result": "处方保存成功",
        "result": "pass",
    }
    data.update(overrides)
    return data


def test_valid_record_is_built() -> None:
    """A complete record validates, with a plain date and defaults for the rest."""
    record = build_manual_record(_data())
    assert record.tested_at == date(2026, 3, 2)
    assert record.result == "pass"
    assert record.anomalies == ()
    assert ManualRecord.model_validate(record.model_dump(mode="json")) == record


def test_unknown_result_lists_the_valid_ones() -> None:
    """A result outside pass/fail/blocked is refused, listing the valid values."""
    with pytest.raises(UsageError, match="result 'passed' is not one of: pass, fail, blocked"):
        build_manual_record(_data(result="passed"))


def test_environment_is_checked_against_the_given_list() -> None:
    """The environment must be in the list passed in (the project's config)."""
    with pytest.raises(UsageError, match="environment 'uat' is not one of"):
        build_manual_record(_data(environment="uat"))
    record = build_manual_record(_data(environment="uat"), environments=["uat", "prod"])
    assert record.environment == "uat"
    with pytest.raises(UsageError, match="onsite-test"):
        build_manual_record(_data(), environments=["uat"])


def test_environment_check_can_be_skipped_when_reading_back() -> None:
    """Context environments=None skips the check (records made under an older config)."""
    data = _data(environment="uat")
    record = ManualRecord.model_validate(data, context={"environments": None})
    assert record.environment == "uat"


def test_version_or_commit_is_required() -> None:
    """A record must say what was tested: a version, a commit, or both."""
    with pytest.raises(UsageError, match="version tested, the commit tested"):
        build_manual_record(_data(version=None))
    record = build_manual_record(_data(version=None, commit="ABCDEF1"))
    assert record.commit == "abcdef1"
    with pytest.raises(UsageError, match="not a hex commit id"):
        build_manual_record(_data(commit="HEAD~1"))


def test_failed_test_needs_anomalies() -> None:
    """A failed record must list at least one anomaly (IEC 62304 §9.8)."""
    with pytest.raises(UsageError, match="at least one anomaly"):
        build_manual_record(_data(result="fail"))
    record = build_manual_record(_data(result="fail", anomalies=["处方金额未刷新", "  "]))
    assert record.anomalies == ("处方金额未刷新",)


def test_times_need_a_zone() -> None:
    """A bare local time is ambiguous and refused; a zoned time is kept."""
    with pytest.raises(UsageError, match="has no time zone"):
        build_manual_record(_data(tested_at="2026-03-02T14:30:00"))
    record = build_manual_record(_data(tested_at="2026-03-02T14:30:00+08:00"))
    assert record.tested_at == datetime(2026, 3, 2, 14, 30, tzinfo=timezone(timedelta(hours=8)))


def test_all_problems_are_listed_together() -> None:
    """Several invalid fields are reported in one message, each by name."""
    with pytest.raises(UsageError) as info:
        build_manual_record(_data(tester="", steps="", unknown="x"))
    message = str(info.value)
    for field in ("tester", "steps", "unknown"):
        assert field in message


def test_attachments_configuration_and_tools_are_kept() -> None:
    """Attachments, configuration and tools are part of the record."""
    attachment = Attachment(
        sha256="a" * 64, size=3, original_name="shot.png", media_type="image/png"
    )
    record = build_manual_record(
        _data(
            attachments=[attachment.model_dump()],
            configuration={"his": "3.3.0", "db": "Oracle 19c"},
            tools={"browser": "Chrome 120"},
        )
    )
    assert record.attachments == (attachment,)
    assert record.configuration["db"] == "Oracle 19c"
    assert record.tools == {"browser": "Chrome 120"}


def test_read_steps_utf8_bom_and_gb18030(tmp_path: Path) -> None:
    """Steps files are read as UTF-8 (BOM stripped) or, failing that, GB18030."""
    utf8 = tmp_path / "steps-utf8.md"
    utf8.write_bytes("\ufeff1. 打开住院护士站".encode())
    assert read_steps(utf8) == "1. 打开住院护士站"
    gbk = tmp_path / "steps-gbk.txt"
    gbk.write_bytes("1. 打开住院护士站".encode("gb18030"))
    assert read_steps(gbk) == "1. 打开住院护士站"


def test_read_steps_refuses_bad_files(tmp_path: Path) -> None:
    """Missing, directory, oversize and binary steps files are refused."""
    with pytest.raises(NotFoundError):
        read_steps(tmp_path / "missing.md")
    with pytest.raises(UsageError, match="directory"):
        read_steps(tmp_path)
    big = tmp_path / "big.md"
    big.write_text("x" * 101, encoding="utf-8")
    with pytest.raises(UsageError, match="101 bytes, over the limit of 100"):
        read_steps(big, max_bytes=100)
    binary = tmp_path / "shot.png"
    binary.write_bytes(b"\x89PNG\x00\x00")
    with pytest.raises(UsageError, match="binary"):
        read_steps(binary)
