"""Training records (培训记录) through the CLI: the sign-in sheet kept in the attachment
store under its SHA-256, the period filter, and what a record needs."""

from __future__ import annotations

import hashlib
from pathlib import Path

from wcwidth import wcswidth as width

from tests.conftest import Cli

W = ("--as", "ops@vendor")


def _record(run: Cli, *extra: str, code: int = 0) -> object:
    args = ("training", "record", "--topic", "新版挂号流程", "--trainer", "李工", *extra, *W)
    if code:
        return run(*args, code=code)
    return run.json(*args)


def test_record_with_sign_in_sheet_and_list_a_period(run: Cli, tmp_path: Path) -> None:
    sheet = tmp_path.parent / f"{tmp_path.name}-签到表.pdf"
    sheet.write_bytes(b"%PDF-1.4 sign-in sheet\n")
    digest = hashlib.sha256(sheet.read_bytes()).hexdigest()
    first = _record(
        run, "--date", "2026-10-28", "--attendee", "王护士", "--attendees", "赵护士，钱护士",
        "--department", "门诊部", "--kind", "集中", "--hours", "1.5", "--attach", str(sheet),
    )  # fmt: skip
    assert isinstance(first, dict)
    assert first["id"] == "TR-2026-0001"
    assert first["attendees"] == ["王护士", "赵护士", "钱护士"]
    assert first["kind"] == "group"
    assert first["attachments"][0]["sha256"] == digest
    assert first["attachments"][0]["original_name"] == sheet.name
    stored = tmp_path / ".hischange" / "attachments" / digest[:2] / digest
    assert stored.read_bytes() == sheet.read_bytes()

    _record(run, "--date", "2026-11-02", "--attendee", "孙医生", "--kind", "单人")
    nov = run.json("training", "list", "--since", "2026-11-01", "--until", "2026-11-30")
    assert [t["id"] for t in nov] == ["TR-2026-0002"]
    assert nov[0]["kind"] == "individual"
    assert [t["id"] for t in run.json("training", "list")] == ["TR-2026-0001", "TR-2026-0002"]
    assert run.json("audit", "verify")["ok"]
    human = run("training", "list", "--until", "2026-10-31").stdout
    assert "TR-2026-0001" in human and "集中" in human and "TR-2026-0002" not in human
    # the table's columns line up by display width (a Chinese character takes two columns)
    head, row = human.splitlines()[:2]
    assert width(head[: head.index("trainer")]) == width(row[: row.index("李工")])
    assert head.index("trainer") != row.index("李工")  # code points would not line up


def test_what_a_record_needs(run: Cli, tmp_path: Path) -> None:
    before = len(run.json("audit", "log"))
    out = _record(run, "--date", "2026-11-01", "--kind", "单人", "--attendee", "A",
                  "--attendee", "B", code=2)  # fmt: skip
    assert "one attendee, not 2" in out.stderr  # type: ignore[attr-defined]
    out = _record(run, "--date", "2026-11-01", code=2)
    assert "attendees" in out.stderr  # type: ignore[attr-defined]
    out = _record(run, "--date", "2026-11-05", "--attendee", "A", code=2)
    assert "in the future" in out.stderr  # type: ignore[attr-defined]
    out = _record(run, "--date", "2026/11/01", "--attendee", "A", code=2)
    assert "not a date" in out.stderr  # type: ignore[attr-defined]
    out = _record(run, "--date", "2026-11-01", "--attendee", "A", "--hours", "lots", code=2)
    assert "lots" in out.stderr  # type: ignore[attr-defined]
    missing = tmp_path / "no-such-签到表.pdf"
    out = _record(run, "--date", "2026-11-01", "--attendee", "A", "--attach", str(missing), code=3)
    assert "no-such-签到表.pdf" in out.stderr  # type: ignore[attr-defined]
    assert len(run.json("audit", "log")) == before  # nothing recorded by a failed command
    assert not (tmp_path / ".hischange" / "attachments").exists()
    assert "--since 'x' is not a date" in run("training", "list", "--since", "x", code=2).stderr
