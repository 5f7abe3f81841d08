"""The append path's statements, compiled once per dialect and run through the driver.

An append runs about eight small statements. Built and executed as SQLAlchemy Core
expressions each costs tens of microseconds of Python (construction, cache-key generation,
parameter processing) — more than SQLite takes to run it. Here each statement is an
ordinary Core expression, compiled once for the connection's dialect (so PostgreSQL gets
its own parameter style), and executed on a DB-API cursor of the transaction's connection
with plain tuples.

Parameters skip SQLAlchemy's bind processing, so they must already be what the driver
takes: the append path passes ints, strings, bools and bytes only.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from hischange.store.tables import aggregates, changes, event_changes, events, ledger_head

__all__ = [
    "AGGREGATES_OF",
    "AGGREGATE_INSERT",
    "AGGREGATE_UPDATE",
    "CHANGE_COLUMNS",
    "CHANGE_INSERT",
    "CHANGE_UPDATE",
    "EVENTS_OF_CHANGE",
    "EVENTS_SINCE",
    "EVENTS_TO_VERIFY",
    "EVENT_COLUMNS",
    "EVENT_INSERT",
    "HEAD_INSERT",
    "HEAD_SELECT",
    "HEAD_UPDATE",
    "REFS_UPTO",
    "REF_INSERT",
    "SERVER_NOW",
    "STATE_SELECT",
    "Insert",
    "Prepared",
    "Update",
    "existing_keys",
]

Params = tuple[Any, ...]


class Prepared:
    """One statement whose parameters are given positionally, in ``names`` order."""

    def __init__(self, statement: ClauseElement, names: Sequence[str]) -> None:
        self.statement = statement
        self.names = tuple(names)
        self._compiled: dict[str, tuple[str, Callable[[Params], Any]]] = {}

    def _for(self, conn: Connection) -> tuple[str, Callable[[Params], Any]]:
        key = conn.dialect.name
        found = self._compiled.get(key)
        if found is None:
            compiled = cast(SQLCompiler, self.statement.compile(dialect=conn.dialect))
            names = self.names
            convert: Callable[[Params], Any]
            if not compiled.positional:
                convert = lambda row: dict(zip(names, row, strict=True))  # noqa: E731
            else:
                order = [names.index(n) for n in compiled.positiontup or ()]
                if order == list(range(len(names))):
                    convert = lambda row: row  # noqa: E731
                else:
                    convert = lambda row: tuple(row[i] for i in order)  # noqa: E731
            found = self._compiled[key] = (str(compiled), convert)
        return found

    def first(self, conn: Connection, row: Params = ()) -> tuple[Any, ...] | None:
        """Execute a query once and return its first row."""
        sql, convert = self._for(conn)
        with _cursor(conn, sql) as cursor:
            cursor.execute(sql, convert(row))
            found = cursor.fetchone()
        return None if found is None else tuple(found)

    def run(self, conn: Connection, row: Params = ()) -> None:
        """Execute once."""
        sql, convert = self._for(conn)
        with _cursor(conn, sql) as cursor:
            cursor.execute(sql, convert(row))

    def run_many(self, conn: Connection, rows: Sequence[Params]) -> None:
        """Execute once per row (the driver's executemany)."""
        if rows:
            sql, convert = self._for(conn)
            with _cursor(conn, sql) as cursor:
                cursor.executemany(sql, [convert(r) for r in rows])

    def batches(self, conn: Connection, row: Params = (), batch: int = 5000) -> Iterator[list[Any]]:
        """Execute a query and yield its rows (driver tuples), ``batch`` at a time.

        On PostgreSQL through a server-side (named) cursor: a client-side cursor would
        receive the whole result before the first row (a million-event verify would hold
        the whole ledger in memory); SQLite steps through its result anyway."""
        sql, convert = self._for(conn)
        named = conn.dialect.name == "postgresql"
        with _cursor(conn, sql, named=named) as cursor:
            if named:
                cursor.itersize = batch
            cursor.execute(sql, convert(row))
            while part := cursor.fetchmany(batch):
                yield part


_NAMES = itertools.count()


@contextmanager
def _cursor(conn: Connection, sql: str, *, named: bool = False) -> Iterator[Any]:
    """A DB-API cursor on the connection's current transaction (``named``: psycopg's
    server-side cursor); driver errors come out as SQLAlchemy's (``OperationalError``
    ...), as they would from ``Connection.execute``."""
    if named:
        name = f"hischange_rows_{next(_NAMES)}"  # unique: two streams may share a session
        cursor = conn.connection.dbapi_connection.cursor(name=name)  # type: ignore[union-attr]
    else:
        cursor = conn.connection.cursor()
    try:
        yield cursor
    except conn.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(sql, None, exc, conn.dialect.loaded_dbapi.Error) from exc
    finally:
        cursor.close()


class _ColumnArrays(Prepared):
    """A statement whose ``run_many`` sends all rows in a few statements on PostgreSQL, as
    one array per column (``unnest``); subclasses give that statement's SQL."""

    #: Rows per statement (bounds the size of one message, not a server limit).
    ROWS = 10_000

    def _unnest_sql(self, conn: Connection) -> str:
        raise NotImplementedError

    def run_many(self, conn: Connection, rows: Sequence[Params]) -> None:
        """Run for every row: as column arrays on PostgreSQL, ``executemany`` elsewhere."""
        if len(rows) < 2 or conn.dialect.name != "postgresql":
            super().run_many(conn, rows)
            return
        sql = self._unnest_sql(conn)
        for start in range(0, len(rows), self.ROWS):
            part = rows[start : start + self.ROWS]
            with _cursor(conn, sql) as cursor:
                cursor.execute(sql, [list(column) for column in zip(*part, strict=True)])


class Insert(_ColumnArrays):
    """An INSERT whose ``run_many`` sends all rows in a few statements on PostgreSQL.

    psycopg's ``executemany`` (pipelined) still has the server bind and execute once per
    row: a scan writing 60,000 projection rows spent most of its time there, several times
    what SQLite takes. On PostgreSQL the rows go as one array per column instead,
    ``INSERT ... SELECT * FROM unnest(%b::type[], ...)``: a short statement (parsed and
    prepared once) whose cost barely grows with the row count. The arrays are sent in
    binary (``%b``): psycopg's text form escapes every element through a regex, which
    cost more than the insert. SQLite keeps ``executemany`` (in-process, already fast).
    """

    def __init__(self, table: Any, columns: Sequence[str]) -> None:
        binds: dict[str, Any] = {name: bindparam(f"b_{name}") for name in columns}
        super().__init__(table.insert().values(binds), [f"b_{name}" for name in columns])
        self._table = table
        self._columns = tuple(columns)
        self._unnest: str | None = None

    def _unnest_sql(self, conn: Connection) -> str:
        if self._unnest is None:
            quote = conn.dialect.identifier_preparer.quote
            cols = ", ".join(quote(c) for c in self._columns)
            types = ", ".join(
                f"%b::{self._table.c[c].type.compile(conn.dialect)}[]" for c in self._columns
            )
            name = quote(self._table.name)
            self._unnest = f"INSERT INTO {name} ({cols}) SELECT * FROM unnest({types})"
        return self._unnest


class Update(_ColumnArrays):
    """An UPDATE by primary key whose ``run_many`` is one statement per ``ROWS`` rows
    on PostgreSQL (``UPDATE ... FROM unnest(...)``), for the reason ``Insert`` gives.

    Rows are ``(*values of set_columns, *values of key_columns)``; keys are unique within
    one call (the write transaction's dirty states are a dict).
    """

    def __init__(self, table: Any, set_columns: Sequence[str], key_columns: Sequence[str]) -> None:
        where = [table.c[k] == bindparam(f"b_where_{k}") for k in key_columns]
        values: dict[str, Any] = {c: bindparam(f"b_{c}") for c in set_columns}
        names = [*(f"b_{c}" for c in set_columns), *(f"b_where_{k}" for k in key_columns)]
        super().__init__(table.update().where(*where).values(values), names)
        self._table = table
        self._set = tuple(set_columns)
        self._keys = tuple(key_columns)
        self._unnest: str | None = None

    def _unnest_sql(self, conn: Connection) -> str:
        if self._unnest is None:
            quote = conn.dialect.identifier_preparer.quote
            table = self._table
            columns = [*self._set, *self._keys]
            types = ", ".join(f"%b::{table.c[c].type.compile(conn.dialect)}[]" for c in columns)
            alias = ", ".join(f"v{n}" for n in range(len(columns)))
            sets = ", ".join(f"{quote(c)} = v.v{n}" for n, c in enumerate(self._set))
            first = len(self._set)
            where = " AND ".join(f"t.{quote(k)} = v.v{first + n}" for n, k in enumerate(self._keys))
            self._unnest = (
                f"UPDATE {quote(table.name)} AS t SET {sets} "
                f"FROM unnest({types}) AS v({alias}) WHERE {where}"
            )
        return self._unnest


_EXISTING_PG = "SELECT key FROM aggregates WHERE kind = %s AND key = ANY(%s)"


def existing_keys(conn: Connection, kind: str, keys: Sequence[str]) -> list[str]:
    """PostgreSQL: which of ``keys`` have a state of ``kind``, ``Insert.ROWS`` keys a query.

    Never a prepared statement: psycopg prepares a statement run five times, and
    PostgreSQL's generic plan for it (no statistics yet on tables filled by this very
    transaction) filtered every row of the kind against the whole key list, about a second
    a query in a scan of 60,000 commits. Planned with its values, the list is hashed.
    """
    found: list[str] = []
    for start in range(0, len(keys), Insert.ROWS):
        with _cursor(conn, _EXISTING_PG) as cursor:
            part = list(keys[start : start + Insert.ROWS])
            cursor.execute(_EXISTING_PG, (kind, part), prepare=False)
            found.extend(row[0] for row in cursor.fetchall())
    return found


def _insert(table: Any, columns: Sequence[str]) -> Insert:
    return Insert(table, columns)


#: Column order of the tuples the append path builds.
EVENT_COLUMNS = (
    "seq",
    "at",
    "actor",
    "type",
    "change_id",
    "algorithm",
    "prev_hash",
    "hash",
    "body",
)
CHANGE_COLUMNS = tuple(c.name for c in changes.c)

HEAD_SELECT = Prepared(
    select(ledger_head.c.seq, ledger_head.c.hash)
    .where(ledger_head.c.id == bindparam("b_id"))
    .with_for_update(),
    ["b_id"],
)
#: The server's time: ``clock_timestamp()`` (the time of the call, not of the transaction's
#: start, which would precede the wait for the ledger lock). Used on PostgreSQL only.
SERVER_NOW = Prepared(select(func.clock_timestamp()), [])
HEAD_INSERT = _insert(ledger_head, ("id", "seq", "hash"))
HEAD_UPDATE = Prepared(
    ledger_head.update()
    .where(ledger_head.c.id == bindparam("b_id"))
    .values(seq=bindparam("b_seq"), hash=bindparam("b_hash")),
    ["b_seq", "b_hash", "b_id"],
)
STATE_SELECT = Prepared(
    select(aggregates.c.state).where(
        aggregates.c.kind == bindparam("b_kind"), aggregates.c.key == bindparam("b_key")
    ),
    ["b_kind", "b_key"],
)
_CHAIN_COLUMNS = [
    events.c[name]
    for name in ("seq", "body", "prev_hash", "hash", "algorithm", "type", "actor", "at")
]
#: Stored events for verification, after a sequence number (all of them, or one change's).
EVENTS_SINCE = Prepared(
    select(*_CHAIN_COLUMNS).where(events.c.seq > bindparam("b_since")).order_by(events.c.seq),
    ["b_since"],
)
#: ``EVENTS_SINCE`` plus the ``change_id`` column: every row as ``audit verify`` reads it.
EVENTS_TO_VERIFY = Prepared(
    select(*_CHAIN_COLUMNS, events.c.change_id).order_by(events.c.seq),
    [],
)
EVENTS_OF_CHANGE = Prepared(
    select(*_CHAIN_COLUMNS)
    .where(
        events.c.seq > bindparam("b_since"),
        events.c.seq.in_(
            select(event_changes.c.seq).where(event_changes.c.change_id == bindparam("b_change"))
        ),
    )
    .order_by(events.c.seq),
    ["b_since", "b_change"],
)
#: Every state of one aggregate kind, by key (streamed by ``Store.iter_aggregates``).
AGGREGATES_OF = Prepared(
    select(aggregates.c.key, aggregates.c.state)
    .where(aggregates.c.kind == bindparam("b_kind"))
    .order_by(aggregates.c.key),
    ["b_kind"],
)
#: The derived index of which event concerns which change, up to a sequence number, in
#: the order ``audit verify`` rebuilds it from the hashed bodies.
REFS_UPTO = Prepared(
    select(event_changes.c.seq, event_changes.c.change_id)
    .where(event_changes.c.seq <= bindparam("b_upto"))
    .order_by(event_changes.c.seq, event_changes.c.change_id),
    ["b_upto"],
)
EVENT_INSERT = _insert(events, EVENT_COLUMNS)
REF_INSERT = _insert(event_changes, ("seq", "change_id"))
AGGREGATE_INSERT = _insert(aggregates, ("kind", "key", "state", "last_seq"))
AGGREGATE_UPDATE = Update(aggregates, ("state", "last_seq"), ("kind", "key"))
CHANGE_INSERT = _insert(changes, CHANGE_COLUMNS)
CHANGE_UPDATE = Update(changes, CHANGE_COLUMNS, ("change_id",))
