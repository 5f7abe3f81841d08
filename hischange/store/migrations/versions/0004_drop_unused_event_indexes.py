"""Drop the two event indexes no query uses.

Events are read by sequence number (the primary key) and, for one change, through
``event_changes`` (its own index). Nothing selects events by ``change_id`` or ``type``
column, yet every append paid two more B-tree writes for them: about a fifth of what
storing an event costs. The columns stay (they are part of every row); only the indexes go.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_events_change_id", table_name="events")
    op.drop_index("ix_events_type", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_type", "events", ["type"])
    op.create_index("ix_events_change_id", "events", ["change_id"])
