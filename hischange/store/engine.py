"""The SQLAlchemy engine behind a store: SQLite pragmas and locking, and error messages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import QueuePool

from hischange.errors import StoreError
from hischange.store.location import check_local_store
from hischange.store.messages import error_for

__all__ = ["describe_url", "make_engine", "sqlite_path", "store_error"]


def store_error(exc: DBAPIError, where: str) -> StoreError:
    """The StoreError for a database error: locked, not writable, or other."""
    text = str(exc.orig) if exc.orig is not None else str(exc)
    text = text.strip().splitlines()[0] if text.strip() else text
    return error_for(text, where)


#: The databases a hischange store runs on.
BACKENDS = ("sqlite", "postgresql")


def describe_url(url: str) -> str:
    """Where a store is, for messages (never with a password, at most 200 characters)."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///") :]
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL at all: mask anything that looks like user:password@
        shown = re.sub(r"(://[^:/@\s]*):[^@/\s]*@", r"\1:***@", url)
    return shown if len(shown) <= 200 else shown[:200] + "…"


def _open_error(url: str, why: str, hint: str) -> StoreError:
    return StoreError(f"cannot open store URL {describe_url(url)!r}: {why}", hint=hint)


def make_engine(url: str, lock_timeout: float, *, read_only: bool = False) -> Engine:
    """An engine; for SQLite with WAL, synchronous=FULL, a 16 MB page cache, a busy timeout
    and BEGIN IMMEDIATE for writes (a connection with the ``hischange_write`` execution option).

    ``read_only``: the auditor's engine (``audit verify/log/trace``). SQLite opens the file
    with ``mode=ro`` (no journal or schema change, never a write lock; in WAL mode readers
    never wait for a writer); a copy that SQLite cannot open read-only in place (a read-only
    folder or medium without the ``-shm`` file) is opened ``immutable=1``, which reads the
    file as it is and takes no locks at all. PostgreSQL readers already run in read-only
    transactions (``Store._read_conn``)."""
    if not url.startswith("sqlite"):
        return _server_engine(url, lock_timeout)
    if read_only:
        return _sqlite_reader(url, lock_timeout)
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        folder = Path(path).parent
        if not folder.is_dir():
            raise StoreError(
                f"no hischange store at {path} (folder {folder} does not exist)",
                hint="run `hischange init` in the repository first",
            )
        check_local_store(Path(path))
    engine = create_engine(url, connect_args={"timeout": lock_timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(lock_timeout * 1000)}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        # A 16 MB page cache (SQLite's default is 2 MB), taken only as pages are read or
        # written: a large append then rewrites index pages in memory instead of spilling
        # them to the WAL again and again (measured: a fifth less time per stored event).
        cur.execute("PRAGMA cache_size = -16384")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        # A reader (``hischange_read``) cannot write, even by mistake; any other may again.
        conn.exec_driver_sql(f"PRAGMA query_only = {1 if options.get('hischange_read') else 0}")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("hischange_write") else "BEGIN")

    return engine


def sqlite_path(url: str) -> tuple[str, dict[str, str]]:
    """The file of a ``sqlite:///PATH[?k=v&...]`` URL and its query options."""
    rest = url.split(":///", 1)[1] if ":///" in url else ""
    path, _, query = rest.partition("?")
    options = dict(part.partition("=")[::2] for part in query.split("&") if part)
    return path, options


def _sqlite_reader(url: str, lock_timeout: float) -> Engine:
    """A SQLite engine that can only read (see ``make_engine``)."""
    import sqlite3
    from urllib.parse import quote

    path, options = sqlite_path(url)
    if path and path != ":memory:" and not Path(path).exists():
        check_local_store(Path(path))  # a project whose store is elsewhere says where
    if not path or path == ":memory:" or not Path(path).is_file():
        raise StoreError(
            f"no hischange store at {path or url!r} (no such file)",
            hint="give the store's file (--db PATH or sqlite:///PATH), or run the command "
            "inside the project folder",
        )
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
    immutable = uri + "&immutable=1"
    forced = options.get("immutable") in ("1", "true", "yes")

    def connect() -> sqlite3.Connection:
        if not forced:
            conn = sqlite3.connect(uri, uri=True, timeout=lock_timeout, check_same_thread=False)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return conn
            except sqlite3.OperationalError as exc:
                conn.close()
                if "unable to open" not in str(exc) and "readonly" not in str(exc):
                    raise
        return sqlite3.connect(immutable, uri=True, timeout=lock_timeout, check_same_thread=False)

    # a pool of real connections (a "sqlite://" URL would get one shared connection):
    # verification streams two queries at once on some paths
    engine = create_engine("sqlite://", creator=connect, poolclass=QueuePool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(lock_timeout * 1000)}")
        cur.execute("PRAGMA cache_size = -16384")
        cur.execute("PRAGMA query_only = 1")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("hischange_write"):
            raise StoreError("this store was opened read-only (an auditor's reader)")
        conn.exec_driver_sql("BEGIN")  # deferred: a snapshot, no lock a writer waits for

    return engine


def _server_engine(url: str, lock_timeout: float) -> Engine:
    """A PostgreSQL engine whose sessions wait at most ``lock_timeout`` for any lock (the
    ledger head included), then fail with "lock timeout". Any other URL is a clear store
    error (exit 6): not a URL, a database hischange does not run on, a missing driver."""
    hint = (
        "set HISCHANGE_DB_URL (or db_url in .hischange/config.toml) to "
        "postgresql+psycopg://user@host/database, or unset it for the SQLite file"
    )
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise _open_error(url, "not a database URL", hint) from None
    if backend not in BACKENDS:
        raise _open_error(url, f"hischange stores run on SQLite or PostgreSQL, not {backend}", hint)
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except NoSuchModuleError:
        raise _open_error(url, "no such database driver", hint) from None
    except ImportError as exc:
        raise _open_error(
            url,
            f"its driver is not installed ({exc.name or exc})",
            "install the PostgreSQL driver: pip install 'hischange[postgres]' (psycopg)",
        ) from None
    millis = max(1, int(lock_timeout * 1000))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"SET lock_timeout = {millis}")
        cur.close()
        dbapi_conn.commit()

    return engine
