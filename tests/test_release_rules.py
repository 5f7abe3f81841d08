"""Release rules without a store: semver choice (hypothesis) and notes (golden files)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import semver
from hypothesis import given
from hypothesis import strategies as st

from hischange.errors import UsageError
from hischange.events import ChangeFields, ReleasedChange
from hischange.outputs.notes import render_notes
from hischange.workflow.change import ChangeState, SqlFileState
from hischange.workflow.release import ReleaseState, choose_version

GOLDEN = Path(__file__).parent / "golden"
AT = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)

versions = st.builds(
    semver.Version,
    major=st.integers(0, 20),
    minor=st.integers(0, 20),
    patch=st.integers(0, 20),
    prerelease=st.one_of(st.none(), st.sampled_from(["rc.1", "rc.2", "alpha", "beta.3"])),
)


def _change(cid: str, kind: str, **fields: object) -> ChangeState:
    return ChangeState(
        id=cid,
        fields=ChangeFields.model_validate({"kind": kind, "title": f"{cid} 标题", **fields}),
        state="released",
        registered_by="dev@vendor",
        registered_at=AT,
        due_at=AT,
    )


@given(last=versions, requested=versions)
def test_explicit_version_must_exceed_the_last(
    last: semver.Version, requested: semver.Version
) -> None:
    """An explicit version is accepted exactly when it orders after the last release."""
    if requested > last:
        assert choose_version(str(requested), last, None, [], False)[0] == str(requested)
    else:
        with pytest.raises(UsageError, match="not greater"):
            choose_version(str(requested), last, None, [], False)


@given(
    last=versions,
    kinds=st.lists(
        st.sampled_from(
            ["customization", "interface", "report", "view_interface", "bugfix", "security"]
        ),
        min_size=1,
    ),
)
def test_automatic_bump_orders_after_last_and_follows_kinds(
    last: semver.Version, kinds: list[str]
) -> None:
    """The chosen version is always greater; minor for functional kinds, patch otherwise."""
    states = [_change(f"CR-2026-{i:04d}", k) for i, k in enumerate(kinds, 1)]
    version, why = choose_version(None, last, None, states, False)
    chosen = semver.Version.parse(version)
    assert chosen > last
    functional = set(kinds) - {"bugfix", "security"}
    assert why.startswith("minor" if functional else "patch")


def test_breaking_gives_major() -> None:
    """A change marked breaking, or a breaking view finding, bumps the major version."""
    last = semver.Version.parse("3.2.1")
    assert (
        choose_version(None, last, None, [_change("CR-2026-0001", "bugfix", breaking=True)], False)[
            0
        ]
        == "4.0.0"
    )
    assert choose_version(None, last, None, [_change("CR-2026-0001", "bugfix")], True)[0] == "4.0.0"


def test_invalid_explicit_version() -> None:
    """A version that is not semver is a usage error naming it."""
    with pytest.raises(UsageError, match="banana"):
        choose_version("banana", None, None, [], False)


def _release() -> tuple[ReleaseState, dict[str, ChangeState]]:
    changes = {
        "CR-2026-0001": _change(
            "CR-2026-0001",
            "interface",
            billing="free_interface",
            third_party="LIS",
            requester_dept="检验科",
        ),
        "CR-2026-0002": _change(
            "CR-2026-0002",
            "report",
            billing="negotiated",
            effort_days="3.5",
            requester_dept="医务科",
            urgency="high",
        ),
        "CR-2026-0003": _change(
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
