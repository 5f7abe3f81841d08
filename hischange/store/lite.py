"""The projection reads of a local SQLite store over the standard ``sqlite3`` module.

SQLAlchemy takes a quarter to a half of a second to import; the commit-msg hook (which git
runs for every commit) and ``change list`` read one or a few aggregates and nothing else.
``LiteReader`` answers exactly those reads (``aggregate``, ``aggregates_of``, ``clock``)
with the same SQL, the same snapshot semantics (one deferred read transaction per call, with
``PRAGMA query_only``, so it can never write) and the same errors as ``Store``
(``decode_state`` for a damaged row, ``store_error`` wording for a locked or unreadable
file).

It opens only a store that needs nothing else: a local SQLite file that exists and whose
schema is the current revision. Anything else — a team store on PostgreSQL, no file yet, an
older schema to upgrade, a newer one to refuse — is left to ``Store`` (``open_reader``
returns None), which creates, upgrades or refuses as it always has. The conformance test
``tests/store/test_store_lite.py`` compares both on the same stores.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from hischange.errors import StoreError
from hischange.store.messages import decode_state, error_for
from hischange.store.revisions import SCHEMA_HEAD

__all__ = ["LiteReader", "ProjectionReader", "open_reader"]

_PREFIX = "sqlite:///"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ProjectionReader(Protocol):
    """What a read of committed projections needs; ``Store`` and ``LiteReader`` offer it."""

    clock: Callable[[], datetime]

    def aggregate(self, kind: str, key: str) -> dict[str, Any] | None:
        """One aggregate's committed state."""

    def aggregates_of(self, kind: str) -> list[dict[str, Any]]:
        """Every committed state of one aggregate kind, by key."""

    def aggregates_in(
        self, kind: str, keys: Iterable[str], chunk: int = 500
    ) -> dict[str, dict[str, Any]]:
        """The committed states of the given keys of one kind that exist, by key."""

    def bodies_of_type(self, event_type: str) -> list[bytes]:
        """The stored bodies of every event of one type, in sequence order."""

    def iter_aggregates(self, kind: str) -> Iterator[dict[str, Any]]:
        """Every committed state of one aggregate kind, by key, streamed."""

    def close(self) -> None:
        """Release the connection(s)."""


class LiteReader:
    """Read-only projection queries on a current local SQLite store (see the module)."""

    def __init__(
        self, conn: sqlite3.Connection, where: str, clock: Callable[[], datetime] | None
    ) -> None:
        self._conn = conn
        self.where = where
        self.clock: Callable[[], datetime] = clock or _utc_now

    def _rows(self, sql: str, params: tuple[str, ...]) -> list[tuple[Any, ...]]:
        conn = self._conn
        try:
            conn.execute("BEGIN")
            try:
                return conn.execute(sql, params).fetchall()
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _error(exc, self.where) from exc

    def aggregate(self, kind: str, key: str) -> dict[str, Any] | None:
        """One aggregate's committed state."""
        rows = self._rows("SELECT state FROM aggregates WHERE kind = ? AND key = ?", (kind, key))
        return None if not rows else decode_state(rows[0][0], kind, key)

    def aggregates_of(self, kind: str) -> list[dict[str, Any]]:
        """Every committed state of one aggregate kind, by key."""
        rows = self._rows("SELECT key, state FROM aggregates WHERE kind = ? ORDER BY key", (kind,))
        return [decode_state(state, kind, key) for key, state in rows]

    def iter_aggregates(self, kind: str) -> Iterator[dict[str, Any]]:
        """Every committed state of one aggregate kind, by key, streamed (one read
        transaction while the rows are read)."""
        conn = self._conn
        try:
            conn.execute("BEGIN")
            try:
                rows = conn.execute(
                    "SELECT key, state FROM aggregates WHERE kind = ? ORDER BY key", (kind,)
                )
                for key, state in rows:
                    yield decode_state(state, kind, key)
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _error(exc, self.where) from exc

    def aggregates_in(
        self, kind: str, keys: Iterable[str], chunk: int = 500
    ) -> dict[str, dict[str, Any]]:
        """The committed states of the given keys of one kind that exist, by key (one ``IN``
        query per ``chunk`` keys, as ``Store.aggregates_in``)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), chunk):
            part = wanted[start : start + chunk]
            marks = ", ".join("?" * len(part))
            rows = self._rows(
                f"SELECT key, state FROM aggregates WHERE kind = ? AND key IN ({marks})",
                (kind, *part),
            )
            found.update((key, decode_state(state, kind, key)) for key, state in rows)
        return found

    def bodies_of_type(self, event_type: str) -> list[bytes]:
        """The stored bodies of every event of one type, in sequence order."""
        rows = self._rows("SELECT body FROM events WHERE type = ? ORDER BY seq", (event_type,))
        return [bytes(r[0]) for r in rows]

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def _error(exc: sqlite3.Error, where: str) -> StoreError:
    text = str(exc).strip()
    return error_for(text.splitlines()[0] if text else type(exc).__name__, where)


def open_reader(
    url: str, *, clock: Callable[[], datetime] | None, lock_timeout: float
) -> LiteReader | None:
    """A reader for ``url`` when it is a local SQLite file with the current schema, else
    None (the caller opens the full ``Store``, which upgrades, refuses or reports)."""
    if not url.startswith(_PREFIX):
        return None
    path = url[len(_PREFIX) :]
    if not path or path == ":memory:" or not Path(path).is_file():
        return None
    try:
        conn = sqlite3.connect(path, timeout=lock_timeout, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(lock_timeout * 1000)}")
        conn.execute("PRAGMA query_only = 1")
        found = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        revision = (
            conn.execute("SELECT version_num FROM alembic_version").fetchone() if found else None
        )
    except sqlite3.Error:
        conn.close()
        return None  # let the Store open it and say what is wrong
    if revision is None or str(revision[0]) != SCHEMA_HEAD:
        conn.close()
        return None
    return LiteReader(conn, path, clock)
