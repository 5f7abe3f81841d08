"""The store: one write path (``Store.write``) and the queries the library needs.

Appends run in ONE transaction: lock the ledger head, stamp the time from the store's
clock, hash each event, insert it, and apply it to the projections through the
projector the library passes in (the store knows no domain rules).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError

from hischange import __version__
from hischange.errors import IntegrityError, WorkflowError, clip
from hischange.events import CommandRefused
from hischange.ledger import (
    GENESIS,
    AppendedEvent,
    ChainRow,
    ProjectionView,
    Projector,
    StoredEvent,
    VerifyRow,
)
from hischange.store import prepared
from hischange.store.engine import describe_url as _describe
from hischange.store.engine import make_engine as _make_engine
from hischange.store.engine import store_error as _store_error
from hischange.store.protocol import LedgerStore
from hischange.store.schema import check_readable, ensure_schema
from hischange.store.tables import aggregates, changes, events, ledger_head
from hischange.store.write import WriteTx, change_row, decode_state

__all__ = [
    "AppendedEvent",
    "ProjectionView",
    "Projector",
    "Store",
    "WriteTx",
    "change_row",
]

Clock = Callable[[], datetime]
#: Signs a transaction's acts before it commits (``hischange.services.trust.Sealer``): it
#: appends the ``act_signed`` events, or raises ``WorkflowError`` when the actor cannot sign.
Sealer = Callable[[WriteTx], None]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _server_now(conn: Connection) -> datetime:
    """The database server's current time, in UTC (PostgreSQL's ``clock_timestamp()``)."""
    found = prepared.SERVER_NOW.first(conn)
    assert found is not None
    value = found[0]
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value.astimezone(UTC)


_ROW_NAMES = ("seq", "body", "prev_hash", "hash", "algorithm", "type", "actor", "at")
_ROW_FIELDS = operator.attrgetter(*_ROW_NAMES)


def _coerced(row: Any) -> StoredEvent:
    """A stored row as the model's types; a row that cannot be (SQLite keeps whatever was
    written: text in the sequence column) is damage, exit 4, never a traceback."""
    try:
        return StoredEvent(**dict(zip(_ROW_NAMES, row, strict=True)))
    except (ValidationError, ValueError, TypeError):
        raise IntegrityError(
            f"a stored event row is damaged (sequence {clip(row[0])}): its columns are not "
            "of their types",
            hint="run `hischange audit verify`; restore the store from a backup",
        ) from None


#: The triggers migration 0005 makes on PostgreSQL.
_OUR_TRIGGERS = frozenset(
    {
        "events_append_only",
        "events_no_truncate",
        "event_changes_append_only",
        "event_changes_no_truncate",
        "ledger_head_forward",
    }
)


class Store:
    """A hischange store behind one SQLAlchemy URL."""

    def __init__(
        self,
        url: str,
        *,
        clock: Clock | None = None,
        lock_timeout: float = 30.0,
        create: bool = False,
        read_only: bool = False,
    ) -> None:
        self.url = url
        self.where = _describe(url)
        self.clock: Clock = clock or _utc_now
        self.read_only = read_only
        self.engine = _make_engine(url, lock_timeout, read_only=read_only)
        #: Installed by the caller that knows whose keys sign (the CLI); None signs nothing
        #: and refuses acts in a signed ledger.
        self.sealer: Sealer | None = None
        # A team store's time is the server's: clients on several hosts, with clocks
        # apart, would otherwise stamp times out of order even under the lock.
        self._server_time = clock is None and self.engine.dialect.name == "postgresql"
        try:
            if read_only:  # an auditor's reader: check the schema, never change it
                with self._read_conn() as conn, conn.begin():
                    check_readable(conn, made_by=__version__, where=self.where)
            else:
                with self._write_conn() as conn, conn.begin():
                    ensure_schema(conn, made_by=__version__, create=create, where=self.where)
        except DBAPIError as exc:
            self.engine.dispose()
            raise _store_error(exc, self.where) from exc
        except BaseException:
            self.engine.dispose()
            raise

    def _write_conn(self) -> Connection:
        return self.engine.connect().execution_options(hischange_write=True)

    def _read_conn(self) -> Connection:
        conn = self.engine.connect().execution_options(hischange_read=True)
        if self.engine.dialect.name == "postgresql":
            # one snapshot for the whole read (a verify reads several tables), and a
            # reader that cannot write by mistake; MVCC: it never waits for a writer
            return conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        return conn

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    @contextmanager
    def write(self, projector: Projector) -> Iterator[WriteTx]:
        """One write transaction holding the ledger lock (SQLite: BEGIN IMMEDIATE;
        PostgreSQL: the head row FOR UPDATE), time stamped after the lock is held."""
        sealing: list[tuple[str, list[str]]] = []
        try:
            with self._write_conn() as conn, conn.begin():
                clock = self.clock
                if self._server_time:
                    clock = lambda: _server_now(conn)  # noqa: E731 - read after the lock
                tx = WriteTx(conn, projector, clock)
                yield tx
                if tx.pending:
                    sealing.append((tx.pending[0][1], sorted({p[2] for p in tx.pending})))
                if self.sealer is None:
                    tx.require_no_signature()
                else:
                    self.sealer(tx)
                tx.flush()
        except DBAPIError as exc:
            raise _store_error(exc, self.where) from exc
        except WorkflowError as exc:
            if not sealing:
                raise
            # The act was not signed: nothing of it is written; the attempt is (unsigned).
            actor, types = sealing[0]
            refused = CommandRefused(
                command="sign " + ", ".join(types), target=actor, rule=exc.rule, reason=exc.message
            )
            with self.write(projector) as again:
                again.append(actor, [refused])
            raise

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot connection (it takes no lock and writes nothing)."""
        try:
            with self._read_conn() as conn, conn.begin():
                yield conn
        except DBAPIError as exc:
            raise _store_error(exc, self.where) from exc

    def head(self) -> tuple[int, str]:
        """The ledger head: last sequence number and hash."""
        with self.read() as conn:
            row = conn.execute(select(ledger_head.c.seq, ledger_head.c.hash)).first()
        if row is None:
            return (0, GENESIS)
        if type(row.seq) is not int or not isinstance(row.hash, str):
            raise IntegrityError(
                f"the ledger head row is damaged (seq {clip(row.seq)}, hash {clip(row.hash)})",
                hint="run `hischange audit verify`; restore the store from a backup",
            )
        return (row.seq, row.hash)

    def stored_events(
        self, *, since_seq: int = 0, change_id: str | None = None, batch: int = 5000
    ) -> Iterator[StoredEvent]:
        """Stored events in sequence order, streamed."""
        for part in self._event_batches(since_seq, change_id, batch):
            for row in part:
                yield _coerced(row)

    def chain_rows(
        self, *, since_seq: int = 0, change_id: str | None = None, batch: int = 5000
    ) -> Iterator[ChainRow]:
        """Stored events as plain tuples, in sequence order, streamed in batches.

        ``(seq, body, prev_hash, hash, algorithm, type, actor, at)``: what verification
        reads, without building a model per row (a million-event verify reads them all).
        Values have the model's types: anything else (SQLite keeps whatever was written)
        is coerced, or refused, as ``StoredEvent`` would.
        """
        for part in self._event_batches(since_seq, change_id, batch):
            for row in part:
                if type(row[0]) is not int or type(row[1]) is not bytes:
                    yield _ROW_FIELDS(_coerced(row))
                else:
                    yield row

    def verify_rows(self, batch: int = 5000) -> Iterator[VerifyRow]:
        """Every stored event as ``audit verify`` reads it, streamed: ``chain_rows``' eight
        columns plus the denormalised ``change_id`` column, checked in the same pass."""
        with self.read() as conn:
            for part in prepared.EVENTS_TO_VERIFY.batches(conn, (), batch):
                if part and type(part[0][1]) is memoryview:  # psycopg's bytea
                    part = [(r[0], bytes(r[1]), *r[2:]) for r in part]
                for row in part:
                    if type(row[0]) is not int or type(row[1]) is not bytes:
                        yield (*_ROW_FIELDS(_coerced(row[:8])), row[8])
                    else:
                        yield row

    def _event_batches(
        self, since_seq: int, change_id: str | None, batch: int
    ) -> Iterator[list[Any]]:
        with self.read() as conn:
            if change_id is None:
                parts = prepared.EVENTS_SINCE.batches(conn, (since_seq,), batch)
            else:
                parts = prepared.EVENTS_OF_CHANGE.batches(conn, (since_seq, change_id), batch)
            for part in parts:
                if part and type(part[0][1]) is memoryview:  # psycopg's bytea
                    part = [(r[0], bytes(r[1]), *r[2:]) for r in part]
                yield part

    def change_index(self, upto_seq: int, batch: int = 5000) -> Iterator[tuple[Any, Any]]:
        """The derived ``event_changes`` index up to a sequence number, streamed:
        ``(seq, change_id)`` by sequence and change (``audit verify`` rebuilds it from the
        hashed bodies and compares)."""
        with self.read() as conn:
            for part in prepared.REFS_UPTO.batches(conn, (upto_seq,), batch):
                yield from part

    def foreign_triggers(self) -> list[str]:
        """Triggers in the store that hischange did not make (SQLite gets none; PostgreSQL
        the append-only ones of migration 0005): one planted could rewrite derived tables
        on every append."""
        with self.read() as conn:
            if self.engine.dialect.name == "sqlite":
                rows = conn.exec_driver_sql(
                    "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
                )
                return sorted(f"{r[0]} on {r[1]}" for r in rows)
            rows = conn.exec_driver_sql(
                "SELECT t.tgname, c.relname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
            )
            return sorted(f"{r[0]} on {r[1]}" for r in rows if r[0] not in _OUR_TRIGGERS)

    def aggregate(self, kind: str, key: str) -> dict[str, Any] | None:
        """One aggregate's committed state."""
        with self.read() as conn:
            row = conn.execute(
                select(aggregates.c.state).where(aggregates.c.kind == kind, aggregates.c.key == key)
            ).first()
        return None if row is None else decode_state(row.state, kind, key)

    def bodies_of_type(self, event_type: str) -> list[bytes]:
        """The stored bodies of every event of one type, in sequence order."""
        with self.read() as conn:
            rows = conn.execute(
                select(events.c.body).where(events.c.type == event_type).order_by(events.c.seq)
            )
            return [bytes(r.body) for r in rows]

    def aggregates_in(
        self, kind: str, keys: Iterable[str], chunk: int = 500
    ) -> dict[str, dict[str, Any]]:
        """The committed states of the given keys of one kind that exist, by key: one read
        transaction, one ``IN`` query per ``chunk`` keys."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, dict[str, Any]] = {}
        if not wanted:
            return found
        with self.read() as conn:
            for start in range(0, len(wanted), chunk):
                rows = conn.execute(
                    select(aggregates.c.key, aggregates.c.state).where(
                        aggregates.c.kind == kind,
                        aggregates.c.key.in_(wanted[start : start + chunk]),
                    )
                )
                found.update((r.key, decode_state(r.state, kind, r.key)) for r in rows)
        return found

    def aggregates_of(self, kind: str) -> list[dict[str, Any]]:
        """Every committed state of one aggregate kind, by key."""
        with self.read() as conn:
            rows = conn.execute(
                select(aggregates.c.key, aggregates.c.state)
                .where(aggregates.c.kind == kind)
                .order_by(aggregates.c.key)
            )
            return [decode_state(r.state, kind, r.key) for r in rows]

    def iter_aggregates(self, kind: str, batch: int = 1000) -> Iterator[dict[str, Any]]:
        """Every committed state of one aggregate kind, by key, streamed (a list of ten
        thousand changes is read a batch at a time, never held whole)."""
        with self.read() as conn:
            for part in prepared.AGGREGATES_OF.batches(conn, (kind,), batch):
                for key, state in part:
                    yield decode_state(state, kind, key)

    def projection_rows(
        self,
    ) -> tuple[dict[tuple[str, str], tuple[str, int]], list[dict[str, Any]]]:
        """All projection rows, for verification: aggregates and typed change rows, in key
        order (the same on every backend; PostgreSQL returns updated rows in any order)."""
        with self.read() as conn:
            aggs = {
                (r.kind, r.key): (r.state, int(r.last_seq))
                for r in conn.execute(
                    select(aggregates).order_by(aggregates.c.kind, aggregates.c.key)
                )
            }
            ordered = select(changes).order_by(changes.c.change_id)
            rows = [dict(r._mapping) for r in conn.execute(ordered)]
        return aggs, rows


def _conforms(store: Store) -> LedgerStore:
    """Never called: mypy checks here that ``Store`` satisfies the ``LedgerStore`` protocol."""
    return store
