"""The first schema: event log, ledger head, projections, store facts.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("change_id", sa.String(32), nullable=True),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("prev_hash", sa.String(128), nullable=False),
        sa.Column("hash", sa.String(128), nullable=False, unique=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_events_change_id", "events", ["change_id"])
    op.create_index("ix_events_type", "events", ["type"])
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(128), nullable=False),
    )
    op.create_table(
        "aggregates",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "changes",
        sa.Column("change_id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("system", sa.String(200), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("billing", sa.String(32), nullable=False),
        sa.Column("requester_dept", sa.String(200), nullable=False),
        sa.Column("due_at", sa.String(32), nullable=False),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_changes_state", "changes", ["state"])
    op.create_table(
        "store_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for name in ("store_meta", "changes", "aggregates", "ledger_head", "events"):
        op.drop_table(name)
