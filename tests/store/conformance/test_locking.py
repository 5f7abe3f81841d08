"""Conformance: the ledger lock — timeouts, time stamped under the lock, racing processes."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hischange.errors import StoreError
from hischange.project import Project
from hischange.services import changes as service
from hischange.services.audit import verify_store
from hischange.store import Store
from hischange.workflow.projector import project
from tests.store.helpers import start_writer

FIELDS = {"kind": "report", "title": "门诊日报表", "rollback_plan": "恢复旧版报表"}


def _append_one(store: Store, change_id: str) -> None:
    with store.write(project) as tx:
        made = service.change.decide_register(change_id, service.make_fields(FIELDS), tx.now)
        tx.append("dev@vendor", list(made))


def test_lock_timeout_is_honoured(
    ledger: Project, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With HISCHANGE_LOCK_TIMEOUT=0.5, a command that cannot get the ledger lock fails
    soon after with a StoreError (exit 6) naming the lock and the variable, and writes
    nothing (PostgreSQL used to wait as long as the holder did)."""
    monkeypatch.setenv("HISCHANGE_LOCK_TIMEOUT", "0.5")
    waiting = Project(ledger.root)
    raised: list[BaseException] = []

    def append() -> None:
        try:
            service.register_change(waiting, "dev@vendor", service.make_fields(FIELDS))
        except BaseException as exc:
            raised.append(exc)

    try:
        with ledger.store.write(project) as tx:
            tx.flush()
            thread = threading.Thread(target=append)
            thread.start()
            thread.join(10)  # a waiter that ignores the timeout is still waiting here
            timed_out = not thread.is_alive()
        thread.join(30)
        assert timed_out, "the writer still waited after 10 s for a 0.5 s lock timeout"
        assert len(raised) == 1 and isinstance(raised[0], StoreError), raised
        error = raised[0]
        assert error.exit_code == 6
        assert "locked by another writer past the timeout" in error.message
        assert error.hint is not None and "HISCHANGE_LOCK_TIMEOUT" in error.hint
        assert waiting.store.head()[0] == 0
    finally:
        waiting.close()


def test_time_is_read_after_the_lock_is_taken(ledger: Project, store_url: str) -> None:
    """A writer blocked behind another reads the clock only once it holds the lock: its
    events can never carry a time older than those of the writer it waited for."""
    holding = threading.Event()
    holding.set()
    clock_read = threading.Event()
    read_while_held: list[bool] = []

    def clock() -> datetime:
        read_while_held.append(holding.is_set())
        clock_read.set()
        return datetime.now(UTC)

    second = Store(store_url, clock=clock, lock_timeout=30)
    errors: list[BaseException] = []

    def write_second() -> None:
        try:
            _append_one(second, "CR-2026-0002")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    try:
        with ledger.store.write(project) as tx:
            thread = threading.Thread(target=write_second)
            thread.start()
            # The second writer is now blocked on the lock; its clock must not be read
            # (waiting a second for it to show that it was is the test's only wait).
            clock_read.wait(1.0)
            made = service.change.decide_register(
                "CR-2026-0001", service.make_fields(FIELDS), tx.now
            )
            tx.append("dev@vendor", list(made))
            holding.clear()
        thread.join(30)
        assert not errors, errors
        assert read_while_held == [False], "the clock was read before the lock was held"
    finally:
        second.close()


def _race(root: Path, url: str, writers: int, appends: int) -> list[str]:
    """Start ``writers`` processes, release them together, return the ids they printed."""
    procs = [start_writer(root, appends, url) for _ in range(writers)]
    for proc in procs:  # all stores are open: now let them race
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.close()
    printed: list[str] = []
    for proc in procs:
        with proc:
            assert proc.stdout is not None
            printed.extend(proc.stdout.read().split())
        assert proc.returncode == 0
    return printed


def check_race(ledger: Project, printed: list[str], total: int) -> None:
    """Gap-free sequence 1..total, ids unique and gap-free, chain, time order, projection."""
    seqs = [row.seq for row in ledger.store.stored_events()]
    assert seqs == list(range(1, total + 1))
    report = verify_store(ledger)
    assert report.ok, report.problems
    assert len(printed) == total and len(set(printed)) == total
    numbers = sorted(int(m.group(1)) for i in printed if (m := re.match(r"CR-\d{4}-(\d+)$", i)))
    assert numbers == list(range(1, total + 1))
    stored = [row["change_id"] for row in ledger.store.projection_rows()[1]]
    assert sorted(stored) == sorted(printed)


def test_racing_first_appends_on_an_empty_store(ledger: Project, store_url: str) -> None:
    """4 processes start appending to an EMPTY store at once (10 appends each): none fails,
    and the ledger is gap-free, chained, in time order and fully projected."""
    printed = _race(ledger.root, store_url, 4, 10)
    check_race(ledger, printed, 40)


def test_a_team_store_stamps_the_servers_time(
    ledger: Project, store_url: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an injected clock, PostgreSQL events carry the database server's time (read
    after the lock), so writers on hosts with clocks apart still stamp in order; SQLite, a
    single machine's file, uses the local clock. (The local clock is set to 2001 here.)"""
    import hischange.store.store as store_module

    monkeypatch.setattr(store_module, "_utc_now", lambda: datetime(2001, 1, 1, tzinfo=UTC))
    store = Store(store_url)
    try:
        _append_one(store, "CR-2026-0001")
        at = datetime.fromisoformat(next(iter(store.stored_events())).at)
    finally:
        store.close()
    if backend == "postgresql":
        assert abs((at - datetime.now(UTC)).total_seconds()) < 300
    else:
        assert at == datetime(2001, 1, 1, tzinfo=UTC)
