"""A store written by hischange before the architecture change still verifies and takes work."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from tests.conftest import Cli, FrozenClock, write_config

DUMP = Path(__file__).with_name("store-pre-architecture.sql")
#: The demo's on-site screenshot (examples/demo_evidence.py), which event 32 names: the
#: attachment store is part of the store, and `audit verify` checks it.
SCREENSHOT = b"\x89PNG\r\n\x1a\n" + b"synthetic screenshot, no patient data"


def _restore(root: Path) -> None:
    write_config(root)
    conn = sqlite3.connect(root / ".hischange" / "hischange.db")
    conn.executescript(DUMP.read_text("utf-8"))
    conn.close()
    digest = hashlib.sha256(SCREENSHOT).hexdigest()
    (root / ".hischange" / "attachments" / digest[:2]).mkdir(parents=True)
    (root / ".hischange" / "attachments" / digest[:2] / digest).write_bytes(SCREENSHOT)


def test_the_demo_store_written_before_the_new_layout_verifies(tmp_path: Path) -> None:
    """The demo's ledger as the pre-architecture code wrote it (53 events of 15 types, kept as
    an SQL dump) passes ``audit verify`` with chain, head and replay: the event types, their
    canonical bytes and the projections did not change with the move to workflow/services."""
    _restore(tmp_path)
    run = Cli(tmp_path, FrozenClock())
    out = run("audit", "verify").stdout
    assert "53 events" in out and "replay" in out
    report = run.json("audit", "verify")
    assert report["ok"] is True and report["events"] == 53 and report["attachments"] == 2


def test_the_old_store_takes_new_work_and_still_verifies(tmp_path: Path) -> None:
    """New commands append to the old chain, and the result verifies as one ledger."""
    _restore(tmp_path)
    clock = FrozenClock()
    clock.now = clock.now.replace(month=12, day=31)  # after the dump's last event
    run = Cli(tmp_path, clock)
    listed = run.json("change", "list")
    assert {c["id"] for c in listed} >= {"CR-2026-0001", "CR-2026-0002", "CR-2026-0003"}
    data = run.json(
        "change",
        "new",
        "--kind",
        "report",
        "--title",
        "门诊日报表",
        "--system",
        "门诊",
        "--requester",
        "门诊部",
        "--rollback-plan",
        "恢复旧报表",
        "--as",
        "dev@vendor",
    )
    assert data["id"] == "CR-2026-0004"
    report = run.json("audit", "verify")
    assert report["ok"] is True and report["events"] == 54, json.dumps(report)


def test_deployment_ids_follow_the_one_scheme_and_old_ones_stay(tmp_path: Path) -> None:
    """A deployment recorded on an old store gets an id of the one scheme (DP-YYYY-NNNN, like
    CR- and EV- ids), numbered from 0001 in its year; the old DP-00001 ids stay as they were
    and the ledger still verifies."""
    _restore(tmp_path)
    clock = FrozenClock()
    clock.now = clock.now.replace(month=12, day=31)
    run = Cli(tmp_path, clock)
    out = run(
        "deploy", "record", "3.3.0", "--env", "staging", "--site", "分院", "--operator",
        "ops@vendor", "--result", "success", "--as", "ops@vendor",
    ).stdout  # fmt: skip
    assert "recorded DP-2026-0001:" in out
    ids = [d["deployment_id"] for d in run.json("release", "show", "3.3.0")["deployments"]]
    assert ids == ["DP-00003", "DP-00004", "DP-2026-0001"]
    assert run.json("audit", "verify")["ok"] is True
