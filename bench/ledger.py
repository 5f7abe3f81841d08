"""Benchmark: the ledger's append and verify paths against raw sqlite3 + hashlib limits.

Run from the project root: ``.venv/bin/python bench/ledger.py`` (``--help`` for sizes).
Databases go under ``bench/.cache/`` and are removed afterwards. Every figure is printed
beside the limit measured in the same run (or the fixed target) with PASS or MISS:

a. single-event transactions: ``Store.write`` + one ``change_edited`` each (projection
   updated, WAL, synchronous=FULL) vs raw ``sqlite3`` INSERT+COMMIT of the same rows into
   the same tables (``events`` and ``event_changes``, DDL copied from the store, so the same
   keys and indexes) with the same pragmas. Target: ours >= 1/3 of raw.
b. bulk: N events in one transaction, vs raw ``sqlite3`` executemany of the same rows into
   the same tables, one commit. Target: ours >= 0.40 of raw (absolute rates drift with the
   machine; the ratio held at 0.43 across runs).
c. chain verify of a large ledger: ``verify_chain(Store.stored_events())`` (one pydantic
   ``StoredEvent`` per row), and the same check as ``audit verify`` runs it
   (``ChainCursor`` over ``Store.chain_rows``), vs a raw ``sqlite3`` read +
   ``hashlib.sha256`` over the same bytes. Target: <= 3x raw.
d. full verify (``verify_store``: chain, head, replay, projection and derived-table
   compare) vs a raw ``sqlite3`` read of the same columns. Target: >= 1/10 of the raw read
   rate. The command as the auditor runs it is measured by ``bench/verify.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from hischange.events import ChangeEdited, ChangeFields, ChangeRegistered
from hischange.ledger import GENESIS, ChainCursor, verify_chain
from hischange.project import Project, init_project
from hischange.services.audit import verify_store
from hischange.store import Store
from hischange.workflow.projector import project

CACHE = Path(__file__).resolve().parent / ".cache"
ACTOR = "dev@vendor"
CHANGES = 300


def _fields(i: int) -> ChangeFields:
    return ChangeFields(
        kind="interface",
        title=f"LIS 接口字段调整 第{i}版",
        system="检验",
        requester_dept="检验科",
        rollback_plan="恢复旧版接口配置",
    )


def _cid(i: int) -> str:
    return f"CR-2026-{i % CHANGES + 1:04d}"


def _edits(start: int, count: int) -> Iterator[ChangeEdited]:
    for i in range(start, start + count):
        yield ChangeEdited(change_id=_cid(i), fields=_fields(i), changed=("title",))


def _register(store: Store) -> None:
    from datetime import UTC, datetime

    due = datetime(2026, 12, 1, tzinfo=UTC)
    regs = [
        ChangeRegistered(change_id=_cid(i), fields=_fields(-1), due_at=due) for i in range(CHANGES)
    ]
    with store.write(project) as tx:
        tx.append(ACTOR, list(regs))


@contextmanager
def _project(where: Path) -> Iterator[Project]:
    root = Path(tempfile.mkdtemp(dir=where))
    proj, _ = init_project(root)
    try:
        yield proj
    finally:
        proj.close()


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


_EVENT_ROWS = (
    "SELECT seq, at, actor, type, change_id, algorithm, prev_hash, hash, body"
    " FROM events WHERE seq > ? ORDER BY seq"
)
_REF_ROWS = "SELECT seq, change_id FROM event_changes WHERE seq > ? ORDER BY seq, change_id"


def _written(store: Store) -> tuple[list[str], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """What our append wrote after the registrations: the DDL of the two tables it appends
    to (with their indexes, exactly as the migrations made them), and their new rows."""
    src = sqlite3.connect(store.url.removeprefix("sqlite:///"))
    ddl = [
        sql
        for (sql,) in src.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name IN ('events', 'event_changes')"
            " AND sql IS NOT NULL ORDER BY type DESC"  # tables before their indexes
        )
    ]
    rows = src.execute(_EVENT_ROWS, (CHANGES,)).fetchall()
    refs = src.execute(_REF_ROWS, (CHANGES,)).fetchall()
    src.close()
    return ddl, rows, refs


def _raw_db(where: Path, ddl: list[str]) -> sqlite3.Connection:
    """An empty database with our tables, the store's pragmas (``store/engine.py``), and
    autocommit off by hand."""
    conn = sqlite3.connect(Path(tempfile.mkdtemp(dir=where)) / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA cache_size = -16384")
    for sql in ddl:
        conn.execute(sql)
    return conn


_RAW_EVENT = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
_RAW_REF = "INSERT INTO event_changes VALUES (?, ?)"


def single(where: Path, count: int) -> None:
    """(a) single-event transactions, ours vs raw sqlite3 insert+commit."""
    with _project(where) as proj:
        store = proj.store
        _register(store)
        start = time.perf_counter()
        for event in _edits(0, count):
            with store.write(project) as tx:
                tx.append(ACTOR, [event])
        ours = time.perf_counter() - start
        ddl, rows, refs = _written(store)
    # The limit: the same rows into the same tables (events and event_changes, with the
    # same keys and indexes), one transaction per event.
    refs_of: dict[int, list[tuple[Any, ...]]] = {}
    for ref in refs:
        refs_of.setdefault(ref[0], []).append(ref)
    conn = _raw_db(where, ddl)
    start = time.perf_counter()
    for row in rows:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(_RAW_EVENT, row)
        conn.executemany(_RAW_REF, refs_of.get(row[0], ()))
        conn.execute("COMMIT")
    raw = time.perf_counter() - start
    conn.close()
    ratio = raw / ours
    print(f"a. single-event append, {count:,} transactions (WAL, synchronous=FULL)")
    print(f"   ours {count / ours:12,.0f} events/s   raw sqlite3 {count / raw:12,.0f} events/s")
    print(f"   ours/raw = {ratio:.2f}   target >= 0.33   {_verdict(ratio >= 1 / 3)}")


def bulk(where: Path, count: int) -> None:
    """(b) one transaction of ``count`` events, beside raw sqlite3 executemany of its rows."""
    with _project(where) as proj:
        _register(proj.store)
        batch: list[BaseModel] = list(_edits(0, count))
        start = time.perf_counter()
        with proj.store.write(project) as tx:
            tx.append(ACTOR, batch)
        took = time.perf_counter() - start
        ddl, rows, refs = _written(proj.store)
    conn = _raw_db(where, ddl)
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(_RAW_EVENT, rows)
    conn.executemany(_RAW_REF, refs)
    conn.execute("COMMIT")
    raw = time.perf_counter() - start
    conn.close()
    rate = count / took
    ratio = raw / took
    print(f"b. bulk append, {count:,} events in one transaction")
    print(f"   ours {rate:12,.0f} events/s   raw sqlite3 executemany {count / raw:12,.0f} events/s")
    print(f"   ours/raw = {ratio:.2f}   target >= 0.40   {_verdict(ratio >= 0.40)}")


def build(path: Path, count: int, batch: int) -> Project:
    """A project holding ``count`` events (bulk appends of ``batch``)."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    proj, _ = init_project(path)
    _register(proj.store)
    done = CHANGES
    while done < count:
        n = min(batch, count - done)
        with proj.store.write(project) as tx:
            tx.append(ACTOR, list(_edits(done, n)))
        done += n
    return proj


def raw_read_hash(db: Path) -> tuple[float, int]:
    """The limit: read every (prev_hash, body, hash) with sqlite3 and recompute SHA-256."""
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    prev, n, bad = GENESIS, 0, 0
    for body, digest in conn.execute("SELECT body, hash FROM events ORDER BY seq"):
        if hashlib.sha256(bytes.fromhex(prev) + body).hexdigest() != digest:
            bad += 1
        prev, n = digest, n + 1
    conn.close()
    assert bad == 0
    return time.perf_counter() - start, n


def _raw_read(db: Path) -> float:
    """The raw read alone: every column verify reads, nothing done with them."""
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    for _ in conn.execute(
        "SELECT seq, body, prev_hash, hash, algorithm, type, actor, at, change_id"
        " FROM events ORDER BY seq"
    ):
        pass
    conn.close()
    return time.perf_counter() - start


def _chain_models(proj: Project) -> float:
    """verify_chain over pydantic rows; returns seconds."""
    start = time.perf_counter()
    problems = verify_chain(proj.store.stored_events())
    took = time.perf_counter() - start
    assert not problems, problems[:3]
    return took


def _chain_stream(proj: Project) -> float:
    """The same check as `audit verify` runs it (driver tuples, no model per row)."""
    start = time.perf_counter()
    cursor = ChainCursor()
    for _ in cursor.walk(proj.store.chain_rows()):
        pass
    took = time.perf_counter() - start
    assert not cursor.problems, cursor.problems[:3]
    return took


def verify(where: Path, count: int, repeat: int) -> None:
    """(c) chain verify vs raw read+hash (best of ``repeat`` each), and (d) verify_store."""
    start = time.perf_counter()
    proj = build(where / "big", count, 100_000)
    print(f"   (built {count:,} events in {time.perf_counter() - start:.1f} s)")
    try:
        db = Path(proj.store.url.removeprefix("sqlite:///"))
        n = raw_read_hash(db)[1]
        # Best of `repeat` for the limit and for ours alike: the machine is shared.
        raw = min(raw_read_hash(db)[0] for _ in range(repeat))
        chain = min(_chain_models(proj) for _ in range(repeat))
        streamed = min(_chain_stream(proj) for _ in range(repeat))
        # The verdict is on the chain check `audit verify` runs; the library's model path
        # (one pydantic StoredEvent per row, for callers that want models) is shown beside it.
        print(f"c. chain verify, {n:,} events (best of {repeat}); raw read+sha256 {raw:6.2f} s")
        ratio = streamed / raw
        print(f"   audit verify's check (Store.chain_rows + ChainCursor) {streamed:6.2f} s")
        print(f"   ours/raw = {ratio:.2f}x   target <= 3x   {_verdict(ratio <= 3)}")
        print(f"   library model path, verify_chain(stored_events()) {chain:6.2f} s")
        print(f"   ours/raw = {chain / raw:.2f}x   (informational: + a pydantic model per row)")
        start = time.perf_counter()
        report = verify_store(proj)
        full = time.perf_counter() - start
        assert report.ok, report.problems[:3]
        rate = n / full
        read = min(_raw_read(db) for _ in range(repeat))
        raw_rate = n / read
        print(f"d. full verify (chain + head + replay + projections + derived), {n:,} events")
        print(
            f"   ours {full:6.2f} s = {rate:10,.0f} events/s = 1/{raw_rate / rate:.1f} of the raw "
            f"read ({raw_rate:,.0f} rows/s)   target >= 1/10   {_verdict(rate >= raw_rate / 10)}"
        )
        print("   (the command as the auditor runs it: bench/verify.py)")
    finally:
        proj.close()


def main() -> None:
    """Run the four measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=10_000, help="single-event appends")
    parser.add_argument("--bulk", type=int, default=100_000, help="events in one transaction")
    parser.add_argument("--verify", type=int, default=1_000_000, help="events to verify")
    parser.add_argument("--only", choices=("single", "bulk", "verify"), help="run one part")
    parser.add_argument("--repeat", type=int, default=3, help="runs of c. (best is kept)")
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    where = Path(tempfile.mkdtemp(dir=CACHE, prefix="ledger-"))
    print(f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}")
    try:
        if args.only in (None, "single"):
            single(where, args.single)
        if args.only in (None, "bulk"):
            bulk(where, args.bulk)
        if args.only in (None, "verify"):
            verify(where, args.verify, args.repeat)
    finally:
        shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    main()
