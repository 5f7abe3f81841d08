"""Benchmark: the store on PostgreSQL next to SQLite, each as a ratio to its raw driver.

    bash .ci/pg.sh with .venv/bin/python bench/store_pg.py     # throwaway local server
    HISCHANGE_TEST_PG_URL=postgresql+psycopg://... .venv/bin/python bench/store_pg.py

(``--events`` / ``--single`` set the sizes.) For each backend, in the same run:

a. single-event transactions: ``Store.write`` + one ``change_edited`` (ledger lock, time,
   hash, projection) vs the raw driver (``sqlite3`` / ``psycopg``) inserting the same event
   and change-index rows into tables of the same shape, one transaction each;
b. bulk: N events in one transaction vs the raw driver's ``executemany`` of the same rows;
c. chain read: ``Store.chain_rows`` + SHA-256 over every body (what ``audit verify``'s chain
   check reads) vs a raw cursor reading the same columns + the same hashing.
d. ``--scan N``: a first ``custody scan`` (``scan_range``, in-process) of bench/custody.py's
   synthetic N-commit history (built once under bench/.cache/), 500 changes registered;
   compared across backends only (the raw side is git, the same for both).

Printed: ours/raw per backend, and PostgreSQL/SQLite for ours. Absolute times depend on the
machine (and the server's settings: .ci/pg.sh runs with fsync off); only ratios are compared.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hischange.events import ChangeEdited, ChangeFields, ChangeRegistered
from hischange.store import Store
from hischange.workflow.projector import project

ACTOR = "dev@vendor"
CHANGES = 300
_COLUMNS = "seq, at, actor, type, change_id, algorithm, prev_hash, hash, body"
_DDL = """CREATE TABLE {p}events (seq BIGINT PRIMARY KEY, at VARCHAR(32) NOT NULL,
 actor VARCHAR(320) NOT NULL, type VARCHAR(64) NOT NULL, change_id VARCHAR(32),
 algorithm VARCHAR(16) NOT NULL, prev_hash VARCHAR(128) NOT NULL,
 hash VARCHAR(128) NOT NULL UNIQUE, body {blob} NOT NULL);
CREATE TABLE {p}event_changes (seq BIGINT, change_id VARCHAR(32), PRIMARY KEY (seq, change_id));
CREATE INDEX {i}ix_refs ON {p}event_changes (change_id)"""


def _fields(i: int) -> ChangeFields:
    return ChangeFields(
        kind="interface",
        title=f"LIS 接口字段调整 第{i}版",
        system="检验",
        requester_dept="检验科",
        rollback_plan="恢复旧版接口配置",
    )


def _edits(start: int, count: int) -> list[ChangeEdited]:
    return [
        ChangeEdited(
            change_id=f"CR-2026-{i % CHANGES + 1:04d}", fields=_fields(i), changed=("title",)
        )
        for i in range(start, start + count)
    ]


class Backend:
    """One backend: a fresh store URL, and a raw driver connection with plain tables."""

    def __init__(self, name: str, url: str, raw: Any, param: str, cleanup: Callable[[], None]):
        self.name, self.url, self.raw, self.param, self.cleanup = name, url, raw, param, cleanup

    def raw_sql(self, sql: str) -> str:
        return sql.replace("?", self.param)


@contextmanager
def sqlite_backend() -> Iterator[Backend]:
    folder = Path(tempfile.mkdtemp())
    raw = sqlite3.connect(folder / "raw.db", isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "cache_size = -16384"):
        raw.execute(f"PRAGMA {pragma}")
    for sql in _DDL.format(p="", i="", blob="BLOB").split(";"):
        raw.execute(sql)
    try:
        yield Backend("sqlite", f"sqlite:///{folder / 'store.db'}", raw, "?", lambda: None)
    finally:
        raw.close()
        shutil.rmtree(folder)


@contextmanager
def pg_backend(admin: str) -> Iterator[Backend]:
    import psycopg

    libpq = admin.replace("postgresql+psycopg://", "postgresql://", 1)
    store_schema, raw_schema = f"b_{uuid.uuid4().hex[:12]}", f"r_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {store_schema}")
        conn.execute(f"CREATE SCHEMA {raw_schema}")
    raw = psycopg.connect(libpq, autocommit=True)
    raw.execute(f"SET search_path = {raw_schema}")
    for sql in _DDL.format(p="", i="", blob="BYTEA").split(";"):
        raw.execute(sql)
    sep = "&" if "?" in admin else "?"
    url = f"{admin}{sep}options={quote(f'-csearch_path={store_schema}')}"
    try:
        yield Backend("postgresql", url, raw, "%s", lambda: None)
    finally:
        raw.close()
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {store_schema} CASCADE")
            conn.execute(f"DROP SCHEMA {raw_schema} CASCADE")


def _store(backend: Backend) -> Store:
    store = Store(backend.url, create=True)
    due = datetime(2026, 12, 1, tzinfo=UTC)
    regs = [
        ChangeRegistered(change_id=f"CR-2026-{i + 1:04d}", fields=_fields(-1), due_at=due)
        for i in range(CHANGES)
    ]
    with store.write(project) as tx:
        tx.append(ACTOR, regs)
    return store


def _rows(store: Store, since: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    from sqlalchemy import text

    with store.read() as conn:
        events = conn.execute(
            text(f"SELECT {_COLUMNS} FROM events WHERE seq > :s ORDER BY seq"), {"s": since}
        ).all()
        refs = conn.execute(
            text("SELECT seq, change_id FROM event_changes WHERE seq > :s"), {"s": since}
        ).all()
    return [tuple(r) for r in events], [tuple(r) for r in refs]


def _begin(backend: Backend) -> None:
    backend.raw.execute("BEGIN")


def _commit(backend: Backend) -> None:
    backend.raw.execute("COMMIT")


def measure(backend: Backend, singles: int, bulk: int) -> dict[str, tuple[float, float]]:
    """(ours, raw) seconds for each case."""
    store = _store(backend)
    out: dict[str, tuple[float, float]] = {}
    try:
        start = time.perf_counter()
        for event in _edits(0, singles):
            with store.write(project) as tx:
                tx.append(ACTOR, [event])
        ours = time.perf_counter() - start
        events, refs = _rows(store, CHANGES)
        insert = backend.raw_sql(f"INSERT INTO events ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)")
        insert_ref = backend.raw_sql("INSERT INTO event_changes (seq, change_id) VALUES (?, ?)")
        cur = backend.raw.cursor()
        start = time.perf_counter()
        for row, ref in zip(events, refs, strict=True):
            _begin(backend)
            cur.execute(insert, row)
            cur.execute(insert_ref, ref)
            _commit(backend)
        out["a. single-event transactions"] = (ours, time.perf_counter() - start)

        edits = _edits(singles, bulk)
        start = time.perf_counter()
        with store.write(project) as tx:
            tx.append(ACTOR, edits)
        ours = time.perf_counter() - start
        events, refs = _rows(store, CHANGES + singles)
        start = time.perf_counter()
        _begin(backend)
        cur.executemany(insert, events)
        cur.executemany(insert_ref, refs)
        _commit(backend)
        out["b. bulk append"] = (ours, time.perf_counter() - start)

        start = time.perf_counter()
        digest = hashlib.sha256()
        for row in store.chain_rows():
            digest.update(row[1])
        ours = time.perf_counter() - start
        start = time.perf_counter()
        raw_digest = hashlib.sha256()
        cur.execute(f"SELECT {_COLUMNS} FROM events ORDER BY seq")
        while part := cur.fetchmany(5000):
            for row in part:
                raw_digest.update(bytes(row[8]))
        out["c. chain read"] = (ours, time.perf_counter() - start)
        cur.close()
    finally:
        store.close()
    return out


def scan(backend: Backend, commits: int) -> float:
    """Seconds of a first custody scan of the synthetic history on this backend."""
    import subprocess

    sys.path.insert(0, str(Path(__file__).parent))
    import custody as custody_bench  # bench/custody.py: the synthetic repository

    from hischange.project import init_project
    from hischange.services.custody_scan import scan_range

    repo = custody_bench.build_repo(commits)
    work = Path(tempfile.mkdtemp()) / "work"
    subprocess.run(
        ["git", "clone", "-q", "--shared", "--no-checkout", str(repo), str(work)], check=True
    )
    os.environ["HISCHANGE_DB_URL"] = backend.url
    try:
        proj, _ = init_project(work)
        due = datetime(2026, 12, 1, tzinfo=UTC)
        regs = [
            ChangeRegistered(change_id=f"CR-{y}-{n + 1:04d}", fields=_fields(n), due_at=due)
            for y in custody_bench.YEARS
            for n in range(custody_bench.PER_YEAR)
        ]
        with proj.store.write(project) as tx:
            tx.append(ACTOR, regs)
        start = time.perf_counter()
        result = scan_range(proj, ACTOR, "HEAD")
        took = time.perf_counter() - start
        proj.close()
        assert result.new_links > 0
        return took
    finally:
        del os.environ["HISCHANGE_DB_URL"]
        shutil.rmtree(work.parent)


def main() -> None:
    """Run every case on SQLite and (when a server is given) PostgreSQL; print ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--single", type=int, default=300, help="single-event transactions")
    parser.add_argument("--events", type=int, default=20_000, help="events in the bulk append")
    parser.add_argument("--scan", type=int, default=0, help="commits of a custody scan case")
    args = parser.parse_args()
    admin = os.environ.get("HISCHANGE_TEST_PG_URL")
    results: dict[str, dict[str, tuple[float, float]]] = {}
    with sqlite_backend() as backend:
        results["sqlite"] = measure(backend, args.single, args.events)
    if admin:
        with pg_backend(admin) as backend:
            results["postgresql"] = measure(backend, args.single, args.events)
    if args.scan:
        with sqlite_backend() as backend:
            lite = scan(backend, args.scan)
        if admin:
            with pg_backend(admin) as backend:
                pg = scan(backend, args.scan)
            print(f"d. custody scan, {args.scan} commits: PostgreSQL/SQLite {pg / lite:.2f}x")
        else:
            print(f"d. custody scan, {args.scan} commits: SQLite only")
    else:
        print(
            "PostgreSQL SKIPPED: set HISCHANGE_TEST_PG_URL or run under .ci/pg.sh", file=sys.stderr
        )
    print(f"events: {args.single} single, {args.events} bulk (+{CHANGES} registrations)")
    print("| case | SQLite ours/raw | PostgreSQL ours/raw | ours PostgreSQL/SQLite |")
    print("| --- | --- | --- | --- |")
    for case, (lite_ours, lite_raw) in results["sqlite"].items():
        pg = results.get("postgresql", {}).get(case)
        pg_ratio = f"{pg[0] / pg[1]:.2f}x" if pg else "-"
        across = f"{pg[0] / lite_ours:.2f}x" if pg else "-"
        print(f"| {case} | {lite_ours / lite_raw:.2f}x | {pg_ratio} | {across} |")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
