"""The ledger head row always exists; on PostgreSQL the database keeps the ledger append-only.

1. The one ``ledger_head`` row is created with the schema (sequence 0, the genesis hash) or,
   for a store that already has events, from its last event. Writers then only ever lock
   and update that row: two first appends on an empty store used to both find no row, both
   INSERT it, and all but one failed with a duplicate key.
2. PostgreSQL: triggers refuse UPDATE, DELETE and TRUNCATE on ``events`` and
   ``event_changes`` (the hashed record and its index of changes), and DELETE of the head
   row or an UPDATE that moves it backwards. A correction is a new event, never an edit.
   The database owner can still drop a trigger: that is why the application connects as a
   role that does not own the tables (docs/team-store.md), and why ``audit verify`` and
   checkpoints held elsewhere stay the proof. SQLite gets no trigger: whoever can write
   the file can drop one, and verify is what catches an edited file.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hischange.ledger import GENESIS

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_REFUSE = """
CREATE OR REPLACE FUNCTION hischange_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'hischange: % on table % refused: the ledger is append-only', TG_OP, TG_TABLE_NAME
        USING HINT = 'a correction is a new event; see docs/team-store.md';
END
$$
"""
_HEAD = """
CREATE OR REPLACE FUNCTION hischange_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.seq < OLD.seq OR NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'hischange: % on ledger_head refused: the head only moves forward', TG_OP
            USING HINT = 'see docs/team-store.md';
    END IF;
    RETURN NEW;
END
$$
"""
_LEDGER_TABLES = ("events", "event_changes")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM ledger_head")).scalar() == 0:
        last = conn.execute(sa.text("SELECT seq, hash FROM events ORDER BY seq DESC")).first()
        seq, digest = (int(last[0]), str(last[1])) if last else (0, GENESIS)
        conn.execute(
            sa.text("INSERT INTO ledger_head (id, seq, hash) VALUES (1, :seq, :hash)"),
            {"seq": seq, "hash": digest},
        )
    if conn.dialect.name != "postgresql":
        return
    op.execute(_REFUSE)
    op.execute(_HEAD)
    for table in _LEDGER_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION hischange_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION hischange_append_only()"
        )
    op.execute(
        "CREATE TRIGGER ledger_head_forward BEFORE UPDATE OR DELETE ON ledger_head "
        "FOR EACH ROW EXECUTE FUNCTION hischange_head_forward()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS ledger_head_forward ON ledger_head")
    for table in _LEDGER_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute("DROP FUNCTION IF EXISTS hischange_head_forward()")
    op.execute("DROP FUNCTION IF EXISTS hischange_append_only()")
