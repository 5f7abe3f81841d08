"""The write transaction: lock the ledger head, then stamp, chain, buffer and flush.

``Store.write`` opens the transaction; ``WriteTx`` takes the ledger lock FIRST (SQLite:
the transaction began IMMEDIATE; PostgreSQL: ``SELECT ... FOR UPDATE`` on the one head
row) and only then reads the clock, so event times follow sequence order whatever the
number of concurrent writers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, bindparam, select

from hischange.errors import ConfigError, IntegrityError, UsageError
from hischange.events import UNSIGNED_TYPES, change_refs
from hischange.ledger import (
    ALGORITHM,
    GENESIS,
    AppendedEvent,
    ChainWriter,
    Projector,
    canonical,
    format_time,
)
from hischange.store import prepared
from hischange.store.collector import collector_paused
from hischange.store.tables import aggregates, caches, events

__all__ = ["Pending", "WriteTx", "change_row", "decode_state"]

#: One event appended in this transaction that its actor must sign:
#: ``(seq, actor, type, event data, SHA-256 of its canonical JSON, its chain hash)``.
Pending = tuple[int, str, str, dict[str, Any], str, str]

Clock = Callable[[], datetime]


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


_EXISTING_KEYS = select(aggregates.c.key).where(
    aggregates.c.kind == bindparam("kind"), aggregates.c.key.in_(bindparam("keys", expanding=True))
)


#: Event classes whose only change reference is their ``change_id`` field.
_SINGLE_REF: dict[type, bool] = {}


def _refs_of(model: BaseModel, change_id: Any) -> list[str]:
    """``sorted(change_refs(model))``, without its per-event attribute probing for the
    common event that names one change in a ``change_id`` field (``change_id``: that
    field's dumped value)."""
    cls = type(model)
    single = _SINGLE_REF.get(cls)
    if single is None:
        single = _SINGLE_REF[cls] = (
            "change_id" in cls.model_fields and getattr(cls, "change_refs", None) is None
        )
    if single:
        return [change_id] if change_id else []
    return sorted(change_refs(model))


class WriteTx:
    """One write transaction. Obtain it from ``Store.write``; never construct it directly."""

    def __init__(self, conn: Connection, projector: Projector, clock: Clock) -> None:
        self._conn = conn
        self._projector = projector
        # The lock first (FOR UPDATE on the head row; SQLite's BEGIN IMMEDIATE already
        # holds it), the time second: a time read before the lock could be older than
        # the time a writer that got the lock earlier stamped on its events.
        head = prepared.HEAD_SELECT.first(conn, (1,))
        self.now: datetime = clock()
        self._head_exists = head is not None
        self.head_seq: int = int(head[0]) if head else 0
        self.head_hash: str = str(head[1]) if head else GENESIS
        # States as the projector put them (models), or as read (dicts): serialised at flush.
        self._cache: dict[tuple[str, str], Any | None] = {}
        self._existed: dict[tuple[str, str], bool] = {}
        self._dirty: dict[tuple[str, str], int] = {}
        # Buffered rows, as tuples in ``prepared.EVENT_COLUMNS`` and (seq, change_id) order.
        self._rows: list[tuple[Any, ...]] = []
        self._refs: list[tuple[int, str]] = []
        #: Events of this transaction to be signed (see ``Store.write``'s sealer); kept only
        #: in a signed ledger (one with a trust root), learned at the first append.
        self.pending: list[Pending] = []
        self._signed: bool | None = None

    def get(self, kind: str, key: str) -> Any | None:
        """The current state of one aggregate (a dict, or the model this transaction put)."""
        ident = (kind, key)
        if ident not in self._cache:
            row = prepared.STATE_SELECT.first(self._conn, ident)
            self._cache[ident] = None if row is None else decode_state(row[0], kind, key)
            self._existed[ident] = row is not None
        return self._cache[ident]

    def put(self, kind: str, key: str, state: BaseModel, seq: int) -> None:
        """Replace an aggregate's state (called by the projector)."""
        ident = (kind, key)
        if ident not in self._cache:
            self.get(kind, key)  # learns whether the row exists (insert or update at flush)
        self._cache[ident] = state
        self._dirty[ident] = seq

    def existing_keys(self, kind: str, keys: Iterable[str], chunk: int = 500) -> set[str]:
        """Which of ``keys`` have a state of ``kind`` (committed or this transaction's).

        One ``IN`` query per ``chunk`` keys instead of one ``get`` per key: checking 50,000
        keys costs about a hundred queries. Chunks stay under every backend's bind limit.
        PostgreSQL takes the keys as one array (``prepared.existing_keys``).
        """
        wanted = list(dict.fromkeys(keys))
        found = {k for k in wanted if self._cache.get((kind, k)) is not None}
        rest = [k for k in wanted if (kind, k) not in self._cache]
        if self._conn.dialect.name == "postgresql":
            found.update(prepared.existing_keys(self._conn, kind, rest))
            rest_chunks: range = range(0)
        else:
            rest_chunks = range(0, len(rest), chunk)
        for start in rest_chunks:
            part = {"kind": kind, "keys": rest[start : start + chunk]}
            found.update(self._conn.execute(_EXISTING_KEYS, part).scalars())
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
        by what is appended between checkpoints; nothing is visible before the end. What is
        known NOT to exist is kept (a key costs no state, and this transaction holds the
        lock, so nobody else can add it): forgetting it made the projector ask the database
        again for each such key, one round trip each (on PostgreSQL most of a scan's time).
        """
        if len(self._rows) < every:
            return
        self.flush()
        cache = self._cache
        for ident in [i for i, v in cache.items() if i[0] in kinds and v is not None]:
            del cache[ident]
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

    def event_hash(self, seq: int) -> str | None:
        """The stored hash of the committed event ``seq``, or None when there is none."""
        found = self._conn.execute(select(events.c.hash).where(events.c.seq == seq)).scalar()
        return None if found is None else str(found)

    def cached(self, kind: str, key: str) -> str | None:
        """A cache entry (``tables.caches``): derived data the caller checks before use."""
        found = self._conn.execute(
            select(caches.c.value).where(caches.c.kind == kind, caches.c.key == key)
        ).scalar()
        return None if found is None else str(found)

    def set_cached(self, kind: str, key: str, value: str) -> None:
        """Write a cache entry now; it commits (or rolls back) with this transaction."""
        where = (caches.c.kind == kind) & (caches.c.key == key)
        if self._conn.execute(caches.update().where(where).values(value=value)).rowcount == 0:
            self._conn.execute(caches.insert().values(kind=kind, key=key, value=value))

    def append(self, actor: str, new_events: Sequence[BaseModel]) -> list[AppendedEvent]:
        """Chain, record and project events; they become visible when the transaction ends."""
        out: list[AppendedEvent] = []
        now, at = self.now, format_time(self.now)
        chain = ChainWriter(self.head_seq, self.head_hash, actor, now)
        rows, refs, projector = self._rows, self._refs, self._projector
        if self._signed is None:
            self._signed = self.get("trust", "root") is not None
        signed = self._signed
        with collector_paused():  # see collector.py: full passes here reclaim nothing
            for model in new_events:
                # model_dump(mode="json") without its keyword handling (it only forwards them)
                data = model.__pydantic_serializer__.to_python(model, mode="json")
                prev = chain.hash
                encoded = canonical(data)
                if len(encoded) > MAX_EVENT_BYTES:
                    raise _too_large(data["type"], len(encoded))
                body = chain.link(encoded)
                seq, digest = chain.seq, chain.hash
                change_id = data.get("change_id")
                if signed and data["type"] not in UNSIGNED_TYPES:
                    sha = hashlib.sha256(encoded).hexdigest()
                    self.pending.append((seq, actor, data["type"], data, sha, digest))
                row = (seq, at, actor, data["type"], change_id, ALGORITHM, prev, digest, body)
                rows.append(row)
                refs.extend([(seq, c) for c in _refs_of(model, change_id)])
                appended = AppendedEvent.of(seq, now, actor, prev, digest, model)
                projector(self, appended)
                self.head_seq, self.head_hash = seq, digest
                out.append(appended)
        return out

    def require_no_signature(self) -> None:
        """Without a sealer, refuse to write acts into a signed ledger (fail closed)."""
        if self.pending:
            raise ConfigError(
                "this project is signed (it has a trust root): every act must be signed, "
                "and this program gave no signer",
                hint="use the hischange command line with --key, or install a sealer "
                "(hischange.services.trust.Sealer) on the project",
            )

    def flush(self) -> None:
        """Write the buffered events, head and projections (inside the transaction)."""
        if not self._rows:
            return
        prepared.EVENT_INSERT.run_many(self._conn, self._rows)
        prepared.REF_INSERT.run_many(self._conn, self._refs)
        if self._head_exists:
            prepared.HEAD_UPDATE.run(self._conn, (self.head_seq, self.head_hash, 1))
        else:
            prepared.HEAD_INSERT.run(self._conn, (1, self.head_seq, self.head_hash))
            self._head_exists = True  # a later flush in this transaction updates it
        # one executemany per statement: a scan writes tens of thousands of states
        new_aggregates: list[tuple[Any, ...]] = []
        old_aggregates: list[tuple[Any, ...]] = []
        new_changes: list[tuple[Any, ...]] = []
        old_changes: list[tuple[Any, ...]] = []
        for (kind, key), seq in self._dirty.items():
            model = self._cache[(kind, key)]
            assert isinstance(model, BaseModel)
            state = model.model_dump(mode="json")
            text = canonical(state).decode("utf-8")
            existed = self._existed[(kind, key)]
            if existed:
                old_aggregates.append((text, seq, kind, key))
            else:
                new_aggregates.append((kind, key, text, seq))
            if kind == "change":
                row = change_row(state, seq)
                values = tuple(row[c] for c in prepared.CHANGE_COLUMNS)
                if existed:
                    old_changes.append((*values, key))
                else:
                    new_changes.append(values)
        prepared.AGGREGATE_UPDATE.run_many(self._conn, old_aggregates)
        prepared.AGGREGATE_INSERT.run_many(self._conn, new_aggregates)
        prepared.CHANGE_UPDATE.run_many(self._conn, old_changes)
        prepared.CHANGE_INSERT.run_many(self._conn, new_changes)
        self._rows.clear()
        self._refs.clear()
        self._dirty.clear()
        self._existed.update({k: v is not None for k, v in self._cache.items()})


#: The most one event may hold (its canonical JSON). Every reader of the ledger holds whole
#: events, so one giant event (a 100 MB test report kept case by case) costs every later
#: verify and trace its size in memory; such a command is refused and records nothing.
MAX_EVENT_BYTES = 16 * 1024 * 1024


def _too_large(event_type: str, size: int) -> UsageError:
    mib = 1024 * 1024
    return UsageError(
        f"a {event_type} event of {size / mib:.1f} MiB is larger than the "
        f"{MAX_EVENT_BYTES / mib:g} MiB one ledger event may hold; nothing was recorded",
        hint="record smaller parts (e.g. fewer test reports per `evidence add`)",
    )


def decode_state(text: str, kind: str, key: str) -> dict[str, Any]:
    """A stored aggregate state (JSON text) as a dict; anything else is an integrity error
    (exit 4) that points at `audit verify`, never a traceback."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        data = None
    if not isinstance(data, dict):
        raise IntegrityError(
            f"the stored state of {kind} {key} is damaged (not a JSON object)",
            hint="run `hischange audit verify` to find what was changed in the store",
        )
    return data
