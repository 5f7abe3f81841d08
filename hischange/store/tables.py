"""SQLAlchemy Core tables. Portable: nothing SQLite-only, so PostgreSQL needs no change."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = [
    "aggregates",
    "caches",
    "changes",
    "event_changes",
    "events",
    "ledger_head",
    "metadata",
    "store_meta",
]

metadata = MetaData()

#: The system of record: append-only. Each row keeps the exact bytes that were hashed.
events = Table(
    "events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(320), nullable=False),
    Column("type", String(64), nullable=False),
    Column("change_id", String(32), nullable=True),
    Column("algorithm", String(16), nullable=False),
    Column("prev_hash", String(128), nullable=False),
    Column("hash", String(128), nullable=False, unique=True),
    Column("body", LargeBinary, nullable=False),
    # No index on change_id or type: events are read by seq, or per change through
    # event_changes; each unused index cost every append a B-tree write (migration 0004).
)

#: Which changes each event concerns (an event may concern several: a release, a scan).
event_changes = Table(
    "event_changes",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("change_id", String(32), primary_key=True),
    Index("ix_event_changes_change_id", "change_id"),
)

#: One row: the last sequence number and hash. Locked by every append.
ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(128), nullable=False),
)

#: Projection: the current state of every aggregate (change, release, ...) as canonical JSON.
aggregates = Table(
    "aggregates",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("state", Text, nullable=False),
    Column("last_seq", BigInteger, nullable=False),
)

#: Projection: changes with typed columns, for queries and for people reading the database.
changes = Table(
    "changes",
    metadata,
    Column("change_id", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("state", String(32), nullable=False),
    Column("title", Text, nullable=False),
    Column("system", String(200), nullable=False),
    Column("urgency", String(16), nullable=False),
    Column("billing", String(32), nullable=False),
    Column("requester_dept", String(200), nullable=False),
    Column("due_at", String(32), nullable=False),
    Column("emergency", Boolean, nullable=False),
    Column("approved", Boolean, nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Index("ix_changes_state", "state"),
)

#: Derived data a command keeps to avoid redoing work (e.g. how far a custody scan read).
#: Not part of the record: never hashed or replayed; whoever reads a row checks it against
#: the ledger (and git) before relying on it, and deleting rows is always safe.
caches = Table(
    "caches",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
)

#: Facts about the store itself (which hischange made it).
store_meta = Table(
    "store_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
