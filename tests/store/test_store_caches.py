"""The caches table: written inside a write transaction, committed or rolled back with it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from hischange.project import Project
from hischange.services.audit import verify_store
from hischange.services.changes import make_fields, register_change
from hischange.workflow.projector import project
from tests.conftest import Cli, NewChange, Repo


def test_cache_entries_commit_and_roll_back_with_the_transaction(store_root: Path) -> None:
    """set_cached is visible to later transactions only when its transaction commits."""
    proj = Project(store_root)
    try:
        with proj.store.write(project) as tx:
            assert tx.cached("k", "a") is None
            tx.set_cached("k", "a", "one")
            tx.set_cached("k", "a", "two")  # replaces
            assert tx.cached("k", "a") == "two"

        def abort() -> None:
            with proj.store.write(project) as tx:
                tx.set_cached("k", "a", "three")
                raise RuntimeError("abort")

        with pytest.raises(RuntimeError):
            abort()
        with proj.store.write(project) as tx:
            assert tx.cached("k", "a") == "two"
            assert tx.event_hash(1) is None  # an empty ledger
    finally:
        proj.close()


def test_store_of_schema_0002_upgrades_and_keeps_its_events(store_root: Path) -> None:
    """A store made before the caches table (schema 0002), holding events, opens upgraded:
    it gets the table, keeps every event and change, and still verifies."""
    proj = Project(store_root)
    fields = make_fields({"kind": "bugfix", "title": "旧库", "rollback_plan": "恢复"})
    ids = [register_change(proj, "dev@vendor", fields).id for _ in range(3)]
    with proj.store.write(project) as tx:
        head = (tx.head_seq, tx.head_hash)
    assert head[0] == 3
    proj.store.engine.dispose()
    with proj.store.engine.begin() as conn:  # back to what schema 0002 had
        conn.execute(text("DROP TABLE caches"))
        conn.execute(text("CREATE INDEX ix_events_change_id ON events (change_id)"))
        conn.execute(text("CREATE INDEX ix_events_type ON events (type)"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    proj.close()
    again = Project(store_root)
    try:
        with again.store.write(project) as tx:
            assert (tx.head_seq, tx.head_hash) == head and tx.cached("k", "a") is None
        assert [again.store.aggregate("change", i) is not None for i in ids] == [True] * 3
        assert verify_store(again).ok
    finally:
        again.close()


def test_an_edited_scan_memo_is_not_believed(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """A scan memo moved by hand to a later tip (which would make the next scan skip the
    commits in between) disagrees with git's count of the commits it claims to have read:
    the next scan reads the range whole and records every link (issue 19)."""
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital")
    repo.commit(f"one\n\nHIS-Change: {cid}\n", {"a.txt": "1"})
    assert run.json("custody", "scan", "v3.2.0..HEAD")["new_links"] == 1
    skipped = repo.commit(f"two\n\nHIS-Change: {cid}\n", {"a.txt": "2"})
    db = run.root / ".hischange" / "hischange.db"
    with sqlite3.connect(db) as conn:
        (value,) = conn.execute("SELECT value FROM caches").fetchone()
        memo = json.loads(value)
        conn.execute("UPDATE caches SET value = ?", (json.dumps(memo | {"tip": skipped}),))
    conn.close()
    repo.commit(f"three\n\nHIS-Change: {cid}\n", {"a.txt": "3"})
    scan = run.json("custody", "scan", "v3.2.0..HEAD")
    assert scan["commits"] == 3 and scan["new_links"] == 2
    linked = {
        c["sha"]
        for e in run.json("audit", "log")
        if e["event"]["type"] == "commits_linked"
        for c in e["event"]["links"]
    }
    assert skipped in linked
    assert run.json("audit", "verify")["ok"]
