"""Index events by every change they concern (an event may concern several changes).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_changes",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("change_id", sa.String(32), primary_key=True),
    )
    op.create_index("ix_event_changes_change_id", "event_changes", ["change_id"])
    # Backfill from the single-change column of existing events.
    op.execute(
        "INSERT INTO event_changes (seq, change_id) "
        "SELECT seq, change_id FROM events WHERE change_id IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("event_changes")
