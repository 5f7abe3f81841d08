"""The auditor's read-only commands on every backend (SQLite, and PostgreSQL on its pass):
verify with the derived checks, log and trace streamed, the store given by URL without a
project folder."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import Cli, NewChange


def test_read_only_audit_on_this_backend(run: Cli, new_change: NewChange, tmp_path: Path) -> None:
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "dev@vendor", code=5)  # a refusal, recorded
    report = run.json("audit", "verify")
    assert report["ok"] and report["checked"][:4] == ["chain", "head", "replay", "derived"]
    assert [e["event"]["type"] for e in run.json("audit", "trace", cid)] == [
        "change_registered",
        "change_submitted",
        "command_refused",
    ]
    assert len(run.json("audit", "log", "--limit", "2")) == 2
    url = (
        os.environ.get("HISCHANGE_DB_URL")
        or f"sqlite:///{run.root / '.hischange' / 'hischange.db'}"
    )
    elsewhere = tmp_path / "auditor"
    elsewhere.mkdir()
    bare = Cli(elsewhere, run.clock)
    assert bare.json("audit", "verify", "--db", url)["head_seq"] == report["head_seq"]
    assert len(bare.json("audit", "trace", cid, "--db", url)) == 3
