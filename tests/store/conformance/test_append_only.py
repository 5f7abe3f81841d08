"""The database itself keeps the ledger append-only (PostgreSQL triggers, migration 0005)."""

from __future__ import annotations

import pytest

from hischange import service
from hischange.project import Project
from tests.store.backends import BACKENDS, raw_pg

FIELDS = {"kind": "report", "title": "门诊日报表", "rollback_plan": "恢复旧版报表"}
EDITS = [
    "UPDATE events SET actor = 'mallory@vendor' WHERE seq = 1",
    "DELETE FROM events WHERE seq = 2",
    "TRUNCATE events CASCADE",
    "UPDATE event_changes SET change_id = 'CR-2026-0009'",
    "DELETE FROM event_changes",
    "DELETE FROM ledger_head",
    "UPDATE ledger_head SET seq = 1",
]


@pytest.mark.parametrize("backend", [BACKENDS[1]])
@pytest.mark.parametrize("statement", EDITS)
def test_postgresql_refuses_to_edit_the_ledger(
    ledger: Project, store_url: str, statement: str
) -> None:
    """UPDATE, DELETE or TRUNCATE of events or their change index, deleting the head or
    moving it back: refused by the database, even for the tables' owner, and the ledger is
    untouched."""
    import psycopg

    fields = service.make_fields(FIELDS)
    for _ in range(3):
        service.register_change(ledger, "dev@vendor", fields)
    head = ledger.store.head()
    with psycopg.connect(raw_pg(store_url)) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="refused"):
            conn.execute(statement)
        conn.rollback()
    assert ledger.store.head() == head
    assert [r.actor for r in ledger.store.stored_events()] == ["dev@vendor"] * 3


@pytest.mark.parametrize("backend", [BACKENDS[1]])
def test_postgresql_head_moves_forward_through_appends(ledger: Project) -> None:
    """The head trigger lets appends move the head forward (it only refuses going back)."""
    fields = service.make_fields(FIELDS)
    for n in range(1, 4):
        service.register_change(ledger, "dev@vendor", fields)
        assert ledger.store.head()[0] == n
