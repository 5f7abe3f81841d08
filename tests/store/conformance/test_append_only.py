"""The database itself keeps the ledger append-only (PostgreSQL triggers, migration 0005)."""

from __future__ import annotations

import pytest

from hischange.project import Project
from hischange.services import changes as service
from tests.support.backends import BACKENDS, raw_pg

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


def _documented_grants() -> list[str]:
    """The GRANT statements for the application role in docs/team-store.md."""
    from pathlib import Path

    doc = Path(__file__).parents[3] / "docs" / "team-store.md"
    lines = doc.read_text("utf-8").splitlines()
    return [ln.rstrip(";") for ln in lines if ln.startswith("GRANT ") and " ON DATABASE " not in ln]


@pytest.mark.parametrize("backend", [BACKENDS[1]])
def test_the_documented_application_role_can_append_but_not_edit(
    ledger: Project, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With exactly the grants of docs/team-store.md, a role that does not own the tables
    opens the store, appends, reads and verifies; it may not UPDATE an event (a permission
    error even before the trigger) nor drop the trigger."""
    import uuid

    import psycopg

    from hischange.services.audit import verify_store

    role = f"app_{uuid.uuid4().hex[:10]}"
    schema = store_url.rsplit("search_path%3D", 1)[1]
    with psycopg.connect(raw_pg(store_url), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} NOLOGIN")
        for grant in _documented_grants():
            conn.execute(grant.replace("hischange_app", role).replace("public", schema))
    try:
        app_url = store_url.replace("search_path%3D", f"role%3D{role}%20-csearch_path%3D")
        monkeypatch.setenv("HISCHANGE_DB_URL", app_url)
        app = Project(ledger.root)
        try:
            for _ in range(2):
                service.register_change(app, "dev@vendor", service.make_fields(FIELDS))
            assert app.store.head()[0] == 2
            report = verify_store(app)
            assert report.ok, report.problems
        finally:
            app.close()
        with psycopg.connect(raw_pg(app_url)) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("UPDATE events SET actor = 'mallory@vendor'")
            conn.rollback()
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("DROP TRIGGER events_append_only ON events")
    finally:
        with psycopg.connect(raw_pg(store_url), autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")
