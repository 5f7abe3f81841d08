"""The store interface the library uses: what any backend must offer.

``Store`` (SQLAlchemy: SQLite or PostgreSQL) is the one implementation; a type check
(``hischange.store.store._conforms``) and the conformance suite (``tests/store/conformance``,
run against every backend given) hold it to these protocols. Services, audit and the
projections call only what is listed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from hischange.ledger import AppendedEvent, ChainRow, Projector, StoredEvent, VerifyRow

__all__ = ["LedgerStore", "LedgerWrite"]


@runtime_checkable
class LedgerWrite(Protocol):
    """One write transaction: it holds the ledger lock from its start to its end.

    Everything it appends, projects and caches becomes visible at once when it ends, or
    not at all when it fails.
    """

    #: The ledger head as of the last append in this transaction.
    head_seq: int
    head_hash: str
    #: The transaction's time, read from the store's clock after the lock was taken.
    now: datetime

    def get(self, kind: str, key: str) -> Any | None:
        """An aggregate's current state (committed, or put by this transaction)."""

    def put(self, kind: str, key: str, state: BaseModel, seq: int) -> None:
        """Replace an aggregate's state (the projector's write)."""

    def existing_keys(self, kind: str, keys: Iterable[str], chunk: int = 500) -> set[str]:
        """Which of ``keys`` have a state of ``kind``."""

    def keys(self, kind: str, prefix: str = "") -> list[str]:
        """The keys of one aggregate kind, sorted."""

    def highest_key(self, kind: str, prefix: str) -> str | None:
        """The greatest key of one kind starting with ``prefix`` (code-point order)."""

    def checkpoint(self, *kinds: str, every: int = 1) -> None:
        """Write buffered events out (still inside the transaction) to bound memory."""

    def event_hash(self, seq: int) -> str | None:
        """The stored hash of a committed event."""

    def cached(self, kind: str, key: str) -> str | None:
        """A cache entry (derived data, checked by its reader before use)."""

    def set_cached(self, kind: str, key: str, value: str) -> None:
        """Write a cache entry with this transaction."""

    def append(self, actor: str, new_events: Sequence[BaseModel]) -> list[AppendedEvent]:
        """Chain, record and project events."""

    def flush(self) -> None:
        """Write what is buffered (the transaction's end does it too)."""


@runtime_checkable
class LedgerStore(Protocol):
    """A hash-chained ledger with its projections, behind one URL."""

    #: Where the store is, for messages (never with a password).
    where: str
    clock: Callable[[], datetime]

    def write(self, projector: Projector) -> AbstractContextManager[LedgerWrite]:
        """The one write path: a transaction holding the ledger lock."""

    def head(self) -> tuple[int, str]:
        """The last sequence number and hash (0 and the genesis hash when empty)."""

    def stored_events(
        self, *, since_seq: int = 0, change_id: str | None = None, batch: int = 5000
    ) -> Iterable[StoredEvent]:
        """Stored events in sequence order, streamed (read-only, no lock)."""

    def chain_rows(
        self, *, since_seq: int = 0, change_id: str | None = None, batch: int = 5000
    ) -> Iterable[ChainRow]:
        """Stored events as plain tuples for verification, streamed."""

    def verify_rows(self, batch: int = 5000) -> Iterable[VerifyRow]:
        """Every stored event as ``audit verify`` reads it (``chain_rows`` plus the
        ``events.change_id`` column), streamed."""

    def change_index(self, upto_seq: int, batch: int = 5000) -> Iterable[tuple[Any, Any]]:
        """The derived ``event_changes`` rows ``(seq, change_id)`` up to a sequence number,
        by sequence and change, streamed."""

    def foreign_triggers(self) -> list[str]:
        """Triggers in the store that hischange did not make."""

    def aggregate(self, kind: str, key: str) -> dict[str, Any] | None:
        """One aggregate's committed state."""

    def aggregates_in(
        self, kind: str, keys: Iterable[str], chunk: int = 500
    ) -> dict[str, dict[str, Any]]:
        """The committed states of the given keys of one kind that exist, by key."""

    def aggregates_of(self, kind: str) -> list[dict[str, Any]]:
        """Every committed state of one aggregate kind, by key."""

    def iter_aggregates(self, kind: str, batch: int = 1000) -> Iterable[dict[str, Any]]:
        """Every committed state of one aggregate kind, by key, streamed."""

    def projection_rows(
        self,
    ) -> tuple[dict[tuple[str, str], tuple[str, int]], list[dict[str, Any]]]:
        """All projection rows (aggregates and typed change rows), for verification."""

    def close(self) -> None:
        """Release connections."""
