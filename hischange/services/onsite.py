"""Manual and on-site test records (现场测试记录, IEC 62304 §9.8) as evidence.

Attachments are copied into ``.hischange/attachments/`` under their SHA-256 *before* the
event is appended. The store is content-addressed, so if anything fails afterwards the only
trace is an unreferenced blob, which is harmless and reused if the same file is attached
again; a referenced attachment can never be missing or different from what was hashed.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hischange.errors import NotFoundError, UsageError, clip
from hischange.events import EvidenceRecorded
from hischange.files import refuse_non_file
from hischange.project import Project
from hischange.services.changes import get_change
from hischange.services.evidence import Recorded, bind_commit, open_repo_or_none, record_evidence
from hischange.testing import (
    MAX_ATTACHMENT_BYTES_KEY,
    build_manual_record,
    read_steps,
    store_attachment,
)
from hischange.vcs.ancestry import tag_commit
from hischange.workflow.evidence import counted

__all__ = ["ATTACHMENTS_DIR", "OnsiteForm", "record_onsite", "version_commit"]

ATTACHMENTS_DIR = "attachments"
# A value like "steps.md" that names no existing file is a mistyped path, not the steps.
_LOOKS_LIKE_FILE = re.compile(r"^[^\s]+\.[A-Za-z0-9]{1,5}$")


class OnsiteForm(BaseModel):
    """What the tester reports, as given on the command line."""

    model_config = ConfigDict(frozen=True)

    env: str = "onsite-test"
    tester: str
    result: str
    #: The steps as text, or the path of a text file holding them.
    steps: str
    expected: str
    actual: str
    anomalies: tuple[str, ...] = ()
    attachments: tuple[Path, ...] = ()
    version: str | None = None
    commit: str | None = None
    #: The test date (YYYY-MM-DD) or a zoned time; default: today by the store's clock.
    tested_at: str | None = None
    tools: dict[str, str] = Field(default_factory=dict)


def _steps_text(value: str) -> str:
    if not value.strip():
        raise UsageError("--steps is empty", hint="give the test steps, or a file holding them")
    path = Path(value)
    # A value naming something on disk is a path: a regular file is read, anything else
    # (a directory, a FIFO, /dev/zero, a dangling link) is refused, never taken as the text.
    if "\n" not in value and refuse_non_file(path, "steps file"):
        return read_steps(path)
    if _LOOKS_LIKE_FILE.match(value.strip()):
        raise NotFoundError(
            f"steps file not found: {value}",
            hint="give the path of an existing file, or the steps as text",
        )
    return value


#: The earliest test date taken: before it, a date is a typo (19 for 2019, a swapped field).
EARLIEST_TEST_DATE = date(2000, 1, 1)


def _parse_date(value: str) -> date | datetime:
    """``--date``: a day (YYYY-MM-DD) or a zoned time (ISO 8601); a usage error naming it."""
    text = value.strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--date {clip(value)} is not a date",
            hint="give the test date (测试日期) as YYYY-MM-DD, e.g. 2026-11-02",
        ) from None


def _site_today(proj: Project) -> date:
    """Today at the site (``[site] timezone``): a test run at 07:00 in Beijing is run on
    that day, though it is the day before in UTC."""
    return proj.store.clock().astimezone(proj.config.site.zone).date()


def _check_date(
    tested: date | datetime, today: date, given: str | None, zone: tzinfo = UTC
) -> None:
    """A test date is not in the future (a day of grace for time zones) nor before 2000."""
    day = tested.astimezone(zone).date() if isinstance(tested, datetime) else tested
    if day > today + timedelta(days=1) or day < EARLIEST_TEST_DATE:
        raise UsageError(
            f"--date {clip(given or day.isoformat())} is not a plausible test date "
            f"(from {EARLIEST_TEST_DATE.isoformat()} to today, {today.isoformat()})",
            hint="give the day the test was run (测试日期), YYYY-MM-DD",
        )


def _check_attachments(paths: tuple[Path, ...], max_bytes: int) -> None:
    """Refuse a missing or oversize attachment before any file is copied."""
    for path in paths:
        if not refuse_non_file(path, "attachment"):
            raise NotFoundError(f"attachment not found: {path}", hint="check the path")
        size = path.stat().st_size
        if size > max_bytes:
            raise UsageError(
                f"attachment {path.name!r} is {size} bytes, over the limit of {max_bytes} bytes",
                hint=f"attach a smaller file or raise {MAX_ATTACHMENT_BYTES_KEY} in the config",
            )


def version_commit(proj: Project, version: str) -> str | None:
    """The commit of the release tag of ``version`` (``<tag_prefix><version>`` or the bare
    version), or None when there is no repository or no such tag."""
    repo = open_repo_or_none(proj)
    if repo is None:
        return None
    for name in dict.fromkeys((proj.config.release.tag_prefix + version, version)):
        try:
            found = tag_commit(repo, name)
        except UsageError:  # not a valid tag name: then it is no tag
            found = None
        if found:
            return found
    return None


def record_onsite(proj: Project, actor: str, change_id: str, form: OnsiteForm) -> Recorded:
    """Record a manual / on-site test of one change, bound to the commit or version tested.

    With neither, it binds to ``HEAD`` (as ``evidence add`` does); outside a git repository
    one of them is required. A ``--version`` without ``--commit`` binds to the commit its
    release tag points at; with no such tag the record keeps only the version (commit None),
    and it counts as stale as soon as the change has linked commits.
    """
    state = get_change(proj, change_id)
    tested_at = form.tested_at
    if tested_at is not None:
        parsed = _parse_date(tested_at)
        if isinstance(parsed, datetime) and parsed.tzinfo is None:
            # a time typed without an offset is site time ([site] timezone)
            tested_at = parsed.replace(tzinfo=proj.config.site.zone).isoformat()
    notes: list[str] = []
    commit = bind_commit(proj, form.commit) if form.commit else None
    if commit is None and not form.version:
        if open_repo_or_none(proj) is None:
            raise UsageError(
                f"{proj.root} is not inside a git repository, so the tested commit is unknown",
                hint="pass --commit SHA or --version V (the build that was tested)",
            )
        commit = bind_commit(proj, None)  # HEAD, as `evidence add` does
    if commit is None and form.version:
        commit = version_commit(proj, form.version)
        if commit is None:
            notes.append(
                f"no tag for version {form.version}: recorded without a commit; it counts as "
                "stale once the change has linked commits"
            )
    settings = proj.config.evidence
    data: dict[str, Any] = {
        "tester": form.tester,
        "environment": form.env,
        "tested_at": tested_at or _site_today(proj).isoformat(),
        "version": form.version,
        "commit": commit,
        "steps": _steps_text(form.steps),
        "expected_result": form.expected,
        "actual_result": form.actual,
        "result": form.result,
        "anomalies": form.anomalies,
        "tools": form.tools,
    }
    # Validate everything before a single attachment is copied.
    checked = build_manual_record(data, environments=settings.environments)
    _check_date(checked.tested_at, _site_today(proj), form.tested_at, proj.config.site.zone)
    _check_attachments(form.attachments, settings.max_attachment_bytes)
    target = proj.state_dir / ATTACHMENTS_DIR
    stored = [
        store_attachment(p, target, max_bytes=settings.max_attachment_bytes)
        for p in form.attachments
    ]
    record = build_manual_record(
        {**data, "attachments": stored}, environments=settings.environments
    )
    summary = (
        f"{record.environment} test by {record.tester}: {record.result}"
        f"; {counted(len(record.anomalies), 'anomaly', 'anomalies')}"
        f"; {counted(len(record.attachments), 'attachment')}"
    )

    event = EvidenceRecorded(
        evidence_id="",  # allocated inside the write transaction
        change_ids=(state.id,),
        kind="onsite",
        commit=record.commit,
        version=record.version or "",
        env=record.environment,
        passed=record.result == "pass",
        summary=summary,
        detail=record.model_dump(mode="json"),
    )
    item = record_evidence(proj, actor, "evidence record", [state.id], event)
    return Recorded(evidence=item, notes=tuple(notes))
