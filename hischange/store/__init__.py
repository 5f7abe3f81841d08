"""Storage: SQLAlchemy Core tables, Alembic migrations, and the one write path.

``Store`` and the names of its write transaction load SQLAlchemy, so they are imported on
first use (module ``__getattr__``): a command that only reads projections through
``hischange.store.lite`` (the commit-msg hook, ``change list``) never imports SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hischange.store.protocol import LedgerStore, LedgerWrite

if TYPE_CHECKING:
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

_LAZY = frozenset({"AppendedEvent", "ProjectionView", "Projector", "Store", "WriteTx"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from hischange.store import store

        return getattr(store, name)
    raise AttributeError(f"module 'hischange.store' has no attribute {name!r}")
