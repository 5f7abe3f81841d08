"""Release notes (发布说明): rendered Markdown and HTML against reviewed golden files."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hischange.events import ReleasedChange
from hischange.outputs.notes import render_notes
from hischange.workflow.change import ChangeState, SqlFileState
from hischange.workflow.release import ReleaseState
from tests.support.changes import change_state

GOLDEN = Path(__file__).with_name("golden")
AT = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


def _release() -> tuple[ReleaseState, dict[str, ChangeState]]:
    changes = {
        "CR-2026-0001": change_state(
            "CR-2026-0001",
            "interface",
            billing="free_interface",
            third_party="LIS",
            requester_dept="检验科",
        ),
        "CR-2026-0002": change_state(
            "CR-2026-0002",
            "report",
            billing="negotiated",
            effort_days="3.5",
            requester_dept="医务科",
            urgency="high",
        ),
        "CR-2026-0003": change_state(
            "CR-2026-0003", "bugfix", urgency="emergency", emergency=True, requester_dept="药剂科"
        ),
    }
    changes["CR-2026-0002"] = changes["CR-2026-0002"].model_copy(
        update={
            "sql_files": {
                "db/0002.sql": SqlFileState(
                    path="db/0002.sql",
                    reviewed_sha256="a" * 64,
                    approved_sha256="a" * 64,
                    approved_by="dba@hospital",
                ),
            }
        }
    )
    release = ReleaseState(
        version="3.3.0",
        tag="v3.3.0",
        range="v3.2.0..HEAD",
        head_commit="c" * 40,
        commits=("b" * 40, "c" * 40),
        changes=tuple(
            ReleasedChange(
                change_id=c.id,
                kind=c.fields.kind,
                billing=c.fields.billing,
                title=c.fields.title,
                unapproved_emergency=c.fields.emergency,
            )
            for c in changes.values()
        ),
        sql_files=(("CR-2026-0002", "db/0002.sql", "a" * 64),),
        evidence=("EV-2026-0001",),
        ledger_head_seq=42,
        ledger_head_hash="d" * 64,
        manifest_digest="e" * 64,
        bump_reason="minor: new or changed function (CR-2026-0001, CR-2026-0002)",
        dirty=False,
        cut_by="release@vendor",
        cut_at=AT,
    )
    return release, changes


@pytest.mark.parametrize(
    ("fmt", "lang"), [("md", "zh"), ("md", "en"), ("html", "zh"), ("html", "en")]
)
def test_notes_match_golden_files(fmt: str, lang: str) -> None:
    """Rendered notes equal the reviewed golden files (HISCHANGE_UPDATE_GOLDEN=1 rewrites them)."""
    release, changes = _release()
    text = render_notes(release, changes, fmt=fmt, lang=lang)  # type: ignore[arg-type]
    golden = GOLDEN / f"notes.{lang}.{fmt}"
    if os.environ.get("HISCHANGE_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_html_notes_escape_titles() -> None:
    """A title with markup is escaped in HTML notes."""
    release, changes = _release()
    changes["CR-2026-0001"] = changes["CR-2026-0001"].model_copy(
        update={
            "fields": changes["CR-2026-0001"].fields.model_copy(
                update={"title": "<script>x</script>"}
            )
        }
    )
    html = render_notes(release, changes, fmt="html", lang="en")
    assert "<script>x" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("reason", "zh", "en"),
    [
        (
            "major: breaking interface change (a view drops or renames a column (HC140))",
            "主版本号: 含不兼容的接口变更 (视图删除或重命名了列 (HC140))",
            "major: breaking interface change (a view drops or renames a column (HC140))",
        ),
        ("patch: bug and security fixes only", "修订号: 仅缺陷与安全修复", "patch: fixes only"),
        (
            "given explicitly (last release 3.2.0)",
            "指定版本号 (上一版本 3.2.0)",
            "given explicitly (last release 3.2.0)",
        ),
        ("given explicitly (last release none)", "指定版本号 (上一版本 无)", None),
    ],
)
def test_bump_reason_is_said_in_the_notes_language(reason: str, zh: str, en: str | None) -> None:
    """The recorded (English) bump reason is rendered wholly in the notes' language."""
    from hischange.outputs.notes import bump_text

    assert bump_text(reason, "zh") == zh
    if en is not None:
        assert bump_text(reason, "en") == en
