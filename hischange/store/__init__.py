"""Storage: SQLAlchemy Core tables, Alembic migrations, and the one write path."""

from hischange.store.protocol import LedgerStore, LedgerWrite
from hischange.store.store import AppendedEvent, ProjectionView, Projector, Store, WriteTx

__all__ = [
    "AppendedEvent",
    "LedgerStore",
    "LedgerWrite",
    "ProjectionView",
    "Projector",
    "Store",
    "WriteTx",
]
