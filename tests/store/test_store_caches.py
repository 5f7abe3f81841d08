"""The caches table: written inside a write transaction, committed or rolled back with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from hischange.project import Project
from hischange.workflow.projector import project


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
    """A store made before the caches table (schema 0002) opens upgraded, and gets the table."""
    db = store_root / ".hischange" / "hischange.db"
    proj = Project(store_root)
    with proj.store.write(project) as tx:
        head = tx.head_seq
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
            assert tx.head_seq == head and tx.cached("k", "a") is None
        assert db.exists()
    finally:
        again.close()
