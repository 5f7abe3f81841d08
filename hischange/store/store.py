"""The store: one write path (``Store.write``) and the queries the library needs.

Appends run in ONE transaction: lock the ledger head, stamp the time from the store's
clock, hash each event, insert it, and apply it to the projections through the
projector the library passes in (the store knows no domain rules).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.exc import DBAPIError, OperationalError

from hischange import __version__
from hischange.errors import StoreError
from hischange.events import change_refs
from hischange.ledger import (
    GENESIS,
    ChainRow,
    StoredEvent,
    canonical,
    chain_hash,
    envelope,
    format_time,
)
from hischange.store.schema import ensure_schema
from hischange.store.tables import aggregates, changes, event_changes, events, ledger_head

__all__ = [
    "AppendedEvent",
    "ProjectionView",
    "Projector",
    "Store",
    "WriteTx",
    "change_row",
]

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ProjectionView(Protocol):
    """What a projector may do: read and replace aggregate states."""

    def get(self, kind: str, key: str) -> Any | None: ...
    def put(self, kind: str, key: str, state: BaseModel, seq: int) -> None: ...


class AppendedEvent(BaseModel):
    """An event as appended: its envelope values and the event itself."""

    seq: int
    at: datetime
    actor: str
    prev_hash: str
    hash: str
    event: Any


Projector = Callable[[ProjectionView, AppendedEvent], None]

_CHAIN_COLUMNS = (
    events.c.seq,
    events.c.body,
    events.c.prev_hash,
    events.c.hash,
    events.c.algorithm,
    events.c.type,
    events.c.actor,
    events.c.at,
)


def change_row(state: dict[str, Any], seq: int) -> dict[str, Any]:
    """The typed ``changes`` row of a change aggregate's state."""
    fields = state["fields"]
    return {
        "change_id": state["id"],
        "kind": fields["kind"],
        "state": state["state"],
        "title": fields["title"],
        "system": fields["system"],
        "urgency": fields["urgency"],
        "billing": fields["billing"],
        "requester_dept": fields["requester_dept"],
        "due_at": state["due_at"],
        "emergency": bool(fields["emergency"]),
        "approved": bool(state.get("approved")),
        "last_seq": seq,
    }


def _store_error(exc: DBAPIError, where: str) -> StoreError:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    if "locked" in text or "busy" in text:
        return StoreError(
            f"the store at {where} is locked by another writer past the timeout ({text})",
            hint="wait for the other hischange command to finish, or raise HISCHANGE_LOCK_TIMEOUT",
        )
    if "readonly" in text or "unable to open" in text or "permission" in text.lower():
        return StoreError(
            f"the store at {where} cannot be written ({text})",
            hint="check the folder's permissions and free disk space",
        )
    return StoreError(f"store error at {where}: {text}")


class WriteTx:
    """One write transaction. Obtain it from ``Store.write``; never construct it directly."""

    def __init__(self, conn: Connection, projector: Projector, now: datetime) -> None:
        self._conn = conn
        self._projector = projector
        self.now = now
        head = conn.execute(
            select(ledger_head.c.seq, ledger_head.c.hash)
            .where(ledger_head.c.id == 1)
            .with_for_update()
        ).first()
        self._head_exists = head is not None
        self.head_seq: int = head.seq if head else 0
        self.head_hash: str = head.hash if head else GENESIS
        # States as the projector put them (models), or as read (dicts): serialised at flush.
        self._cache: dict[tuple[str, str], Any | None] = {}
        self._existed: dict[tuple[str, str], bool] = {}
        self._dirty: dict[tuple[str, str], int] = {}
        self._rows: list[dict[str, Any]] = []
        self._refs: list[dict[str, Any]] = []

    def get(self, kind: str, key: str) -> Any | None:
        """The current state of one aggregate (a dict, or the model this transaction put)."""
        ident = (kind, key)
        if ident not in self._cache:
            row = self._conn.execute(
                select(aggregates.c.state).where(aggregates.c.kind == kind, aggregates.c.key == key)
            ).first()
            self._cache[ident] = None if row is None else json.loads(row.state)
            self._existed[ident] = row is not None
        return self._cache[ident]

    def put(self, kind: str, key: str, state: BaseModel, seq: int) -> None:
        """Replace an aggregate's state (called by the projector)."""
        self.get(kind, key)
        self._cache[(kind, key)] = state
        self._dirty[(kind, key)] = seq

    def existing_keys(self, kind: str, keys: Iterable[str], chunk: int = 500) -> set[str]:
        """Which of ``keys`` have a state of ``kind`` (committed or this transaction's).

        One ``IN`` query per ``chunk`` keys instead of one ``get`` per key: checking 50,000
        keys costs about a hundred queries. Chunks stay under every backend's bind limit.
        """
        wanted = list(dict.fromkeys(keys))
        found = {k for k in wanted if self._cache.get((kind, k)) is not None}
        rest = [k for k in wanted if (kind, k) not in self._cache]
        for start in range(0, len(rest), chunk):
            rows = self._conn.execute(
                select(aggregates.c.key).where(
                    aggregates.c.kind == kind, aggregates.c.key.in_(rest[start : start + chunk])
                )
            )
            found.update(r.key for r in rows)
        # what was learned is kept as get() would keep it: a later put() needs no query
        for key in rest:
            if key not in found:
                self._cache[(kind, key)] = None
                self._existed[(kind, key)] = False
        return found

    def checkpoint(self, *kinds: str, every: int = 1) -> None:
        """Once ``every`` events are buffered, write them out (still inside the transaction)
        and forget the cached states of ``kinds``.

        For appends too large to hold at once (a scan of 100k commits): memory stays bounded
        by what is appended between checkpoints; nothing is visible before the end.
        """
        if len(self._rows) < every:
            return
        self.flush()
        for ident in [i for i in self._cache if i[0] in kinds and i not in self._dirty]:
            del self._cache[ident]
            self._existed.pop(ident, None)

    def keys(self, kind: str, prefix: str = "") -> list[str]:
        """Keys of one aggregate kind (committed ones plus this transaction's)."""
        rows = self._conn.execute(
            select(aggregates.c.key).where(
                aggregates.c.kind == kind, aggregates.c.key.startswith(prefix)
            )
        )
        found = {r.key for r in rows}
        found.update(k for (kd, k), v in self._cache.items() if kd == kind and v is not None)
        return sorted(k for k in found if k.startswith(prefix))

    def append(self, actor: str, new_events: Sequence[BaseModel]) -> list[AppendedEvent]:
        """Chain, record and project events; they become visible when the transaction ends."""
        out: list[AppendedEvent] = []
        for model in new_events:
            data = model.model_dump(mode="json")
            seq = self.head_seq + 1
            body = canonical(
                envelope(seq=seq, at=self.now, actor=actor, prev_hash=self.head_hash, event=data)
            )
            digest = chain_hash(self.head_hash, body)
            self._rows.append(
                {
                    "seq": seq,
                    "at": format_time(self.now),
                    "actor": actor,
                    "type": data["type"],
                    "change_id": data.get("change_id"),
                    "algorithm": "sha256",
                    "prev_hash": self.head_hash,
                    "hash": digest,
                    "body": body,
                }
            )
            self._refs.extend({"seq": seq, "change_id": c} for c in sorted(change_refs(model)))
            appended = AppendedEvent(
                seq=seq,
                at=self.now,
                actor=actor,
                prev_hash=self.head_hash,
                hash=digest,
                event=model,
            )
            self._projector(self, appended)
            self.head_seq, self.head_hash = seq, digest
            out.append(appended)
        return out

    def flush(self) -> None:
        """Write the buffered events, head and projections (inside the transaction)."""
        if not self._rows:
            return
        self._conn.execute(events.insert(), self._rows)
        if self._refs:
            self._conn.execute(event_changes.insert(), self._refs)
        head = {"seq": self.head_seq, "hash": self.head_hash}
        if self._head_exists:
            self._conn.execute(ledger_head.update().where(ledger_head.c.id == 1).values(**head))
        else:
            self._conn.execute(ledger_head.insert().values(id=1, **head))
            self._head_exists = True  # a later flush in this transaction updates it
        # new rows go in one executemany each: a scan adds tens of thousands of commits
        new_aggregates: list[dict[str, Any]] = []
        new_changes: list[dict[str, Any]] = []
        for (kind, key), seq in self._dirty.items():
            model = self._cache[(kind, key)]
            assert isinstance(model, BaseModel)
            state = model.model_dump(mode="json")
            values = {"state": canonical(state).decode("utf-8"), "last_seq": seq}
            existed = self._existed[(kind, key)]
            if existed:
                self._conn.execute(
                    aggregates.update()
                    .where(aggregates.c.kind == kind, aggregates.c.key == key)
                    .values(**values)
                )
            else:
                new_aggregates.append({"kind": kind, "key": key, **values})
            if kind == "change":
                row = change_row(state, seq)
                if existed:
                    self._conn.execute(
                        changes.update().where(changes.c.change_id == key).values(**row)
                    )
                else:
                    new_changes.append(row)
        if new_aggregates:
            self._conn.execute(aggregates.insert(), new_aggregates)
        if new_changes:
            self._conn.execute(changes.insert(), new_changes)
        self._rows.clear()
        self._refs.clear()
        self._dirty.clear()
        self._existed.update({k: v is not None for k, v in self._cache.items()})


class Store:
    """A hischange store behind one SQLAlchemy URL."""

    def __init__(
        self,
        url: str,
        *,
        clock: Clock | None = None,
        lock_timeout: float = 30.0,
        create: bool = False,
    ) -> None:
        self.url = url
        self.where = _describe(url)
        self.clock: Clock = clock or _utc_now
        self.engine = _make_engine(url, lock_timeout)
        try:
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

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    @contextmanager
    def write(self, projector: Projector) -> Iterator[WriteTx]:
        """One write transaction holding the ledger lock (SQLite: BEGIN IMMEDIATE)."""
        try:
            with self._write_conn() as conn, conn.begin():
                tx = WriteTx(conn, projector, self.clock())
                yield tx
                tx.flush()
        except OperationalError as exc:
            raise _store_error(exc, self.where) from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot connection."""
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except OperationalError as exc:
            raise _store_error(exc, self.where) from exc

    def head(self) -> tuple[int, str]:
        """The ledger head: last sequence number and hash."""
        with self.read() as conn:
            row = conn.execute(select(ledger_head.c.seq, ledger_head.c.hash)).first()
        return (0, GENESIS) if row is None else (int(row.seq), str(row.hash))

    def stored_events(
        self, *, since_seq: int = 0, change_id: str | None = None, batch: int = 5000
    ) -> Iterator[StoredEvent]:
        """Stored events in sequence order, streamed."""
        for seq, body, prev_hash, digest, algorithm, type_, actor, at in self.chain_rows(
            since_seq=since_seq, change_id=change_id, batch=batch
        ):
            yield StoredEvent(
                seq=seq,
                body=body,
                prev_hash=prev_hash,
                hash=digest,
                algorithm=algorithm,
                type=type_,
                actor=actor,
                at=at,
            )

    def chain_rows(
        self, *, since_seq: int = 0, change_id: str | None = None, batch: int = 5000
    ) -> Iterator[ChainRow]:
        """Stored events as plain tuples, in sequence order, streamed in batches.

        ``(seq, body, prev_hash, hash, algorithm, type, actor, at)``: what verification
        reads, without building a model per row (a million-event verify reads them all).
        """
        query = select(*_CHAIN_COLUMNS).where(events.c.seq > since_seq).order_by(events.c.seq)
        if change_id is not None:
            refs = select(event_changes.c.seq).where(event_changes.c.change_id == change_id)
            query = query.where(events.c.seq.in_(refs))
        with self.read() as conn:
            result = conn.execution_options(yield_per=batch).execute(query)
            for part in result.partitions():
                for seq, body, prev_hash, digest, algorithm, type_, actor, at in part:
                    if type(body) is not bytes:  # e.g. a memoryview from another driver
                        body = bytes(body)
                    yield seq, body, prev_hash, digest, algorithm, type_, actor, at

    def aggregate(self, kind: str, key: str) -> dict[str, Any] | None:
        """One aggregate's committed state."""
        with self.read() as conn:
            row = conn.execute(
                select(aggregates.c.state).where(aggregates.c.kind == kind, aggregates.c.key == key)
            ).first()
        return None if row is None else dict(json.loads(row.state))

    def aggregates_of(self, kind: str) -> list[dict[str, Any]]:
        """Every committed state of one aggregate kind, by key."""
        with self.read() as conn:
            rows = conn.execute(
                select(aggregates.c.state)
                .where(aggregates.c.kind == kind)
                .order_by(aggregates.c.key)
            )
            return [dict(json.loads(r.state)) for r in rows]

    def projection_rows(
        self,
    ) -> tuple[dict[tuple[str, str], tuple[str, int]], list[dict[str, Any]]]:
        """All projection rows, for verification: aggregates and typed change rows."""
        with self.read() as conn:
            aggs = {
                (r.kind, r.key): (r.state, int(r.last_seq))
                for r in conn.execute(select(aggregates))
            }
            rows = [dict(r._mapping) for r in conn.execute(select(changes))]
        return aggs, rows


def _describe(url: str) -> str:
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///") :]
    # Never print a password.
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _make_engine(url: str, lock_timeout: float) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        folder = Path(path).parent
        if not folder.is_dir():
            raise StoreError(
                f"no hischange store at {path} (folder {folder} does not exist)",
                hint="run `hischange init` in the repository first",
            )
    engine = create_engine(url, connect_args={"timeout": lock_timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(lock_timeout * 1000)}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("hischange_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
