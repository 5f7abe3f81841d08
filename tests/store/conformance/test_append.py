"""Conformance: appends, head, chain and projections behave the same on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hischange.errors import StoreError
from hischange.ledger import GENESIS, chain_hash
from hischange.project import Project
from hischange.services import changes as service
from hischange.services.audit import verify_store
from hischange.store import LedgerStore, LedgerWrite, Store
from hischange.workflow.projector import project

FIELDS = {"kind": "report", "title": "门诊日报表", "rollback_plan": "恢复旧版报表"}


def _register(proj: Project, n: int = 1) -> list[str]:
    fields = service.make_fields(FIELDS)
    return [service.register_change(proj, "dev@vendor", fields).id for _ in range(n)]


def test_store_satisfies_the_protocols(ledger: Project) -> None:
    """Store is a LedgerStore and its write transaction a LedgerWrite (runtime check; mypy
    checks the signatures)."""
    assert isinstance(ledger.store, LedgerStore)
    with ledger.store.write(project) as tx:
        assert isinstance(tx, LedgerWrite)


def test_empty_store_head_is_genesis(ledger: Project) -> None:
    """A new store's head is sequence 0 and the genesis hash; it has no events."""
    assert ledger.store.head() == (0, GENESIS)
    assert list(ledger.store.stored_events()) == []


def test_appends_move_the_head_gap_free_along_a_valid_chain(ledger: Project) -> None:
    """Five appends in five transactions: sequence 1..5, each hash chained on the previous
    one, the head at the last, and verify finds nothing wrong."""
    ids = _register(ledger, 5)
    rows = list(ledger.store.stored_events())
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    prev = GENESIS
    for row in rows:
        assert row.prev_hash == prev
        assert row.hash == chain_hash(prev, row.body)
        prev = row.hash
    assert ledger.store.head() == (5, prev)
    assert ids == [f"CR-2026-000{n}" for n in range(1, 6)]
    report = verify_store(ledger)
    assert report.ok, report.problems


def test_projection_is_written_in_the_append_transaction(ledger: Project) -> None:
    """Inside the transaction the projector's state is readable; other readers see neither
    the event nor the state until it commits, then both."""
    fields = service.make_fields(FIELDS)
    with ledger.store.write(project) as tx:
        made = service.change.decide_register("CR-2026-0001", fields, tx.now)
        tx.append("dev@vendor", list(made))
        tx.flush()
        assert tx.get("change", "CR-2026-0001") is not None
        assert ledger.store.aggregate("change", "CR-2026-0001") is None
        assert ledger.store.head()[0] == 0
    assert ledger.store.aggregate("change", "CR-2026-0001") is not None
    assert ledger.store.head()[0] == 1
    _, rows = ledger.store.projection_rows()
    assert [r["change_id"] for r in rows] == ["CR-2026-0001"]


def test_a_failed_transaction_leaves_nothing(ledger: Project) -> None:
    """An exception after events were appended and flushed: no event, no projection row,
    no cache entry, the head unchanged."""
    _register(ledger)
    before = ledger.store.head()
    fields = service.make_fields(FIELDS)

    def fail() -> None:
        with ledger.store.write(project) as tx:
            made = service.change.decide_register("CR-2026-0002", fields, tx.now)
            tx.append("dev@vendor", list(made))
            tx.set_cached("k", "a", "v")
            tx.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail()
    assert ledger.store.head() == before
    assert [r.seq for r in ledger.store.stored_events()] == [1]
    assert ledger.store.aggregate("change", "CR-2026-0002") is None
    with ledger.store.write(project) as tx:
        assert tx.cached("k", "a") is None


def test_readers_cannot_write(ledger: Project) -> None:
    """A read connection refuses writes (StoreError, exit 6) and nothing is written."""
    store = ledger.store
    assert isinstance(store, Store)
    with pytest.raises(StoreError) as caught, store.read() as conn:
        conn.execute(text("INSERT INTO store_meta (key, value) VALUES ('x', 'y')"))
    assert caught.value.exit_code == 6
    with store.read() as conn:
        found = conn.execute(text("SELECT value FROM store_meta WHERE key = 'x'")).first()
    assert found is None


def test_readers_do_not_wait_for_a_writer(ledger: Project) -> None:
    """While a write transaction holds the ledger lock, head and reads answer at once with
    the last committed state."""
    _register(ledger)
    committed = ledger.store.head()
    with ledger.store.write(project) as tx:
        made = service.change.decide_register("CR-2026-0002", service.make_fields(FIELDS), tx.now)
        tx.append("dev@vendor", list(made))
        tx.flush()
        assert ledger.store.head() == committed
        assert [r.seq for r in ledger.store.stored_events()] == [1]
    assert ledger.store.head()[0] == 2


def test_a_large_checkpointed_append_projects_what_replay_gives(ledger: Project) -> None:
    """One transaction linking 2,500 commits in events of 500 links, checkpointed (the
    custody scan's pattern, written in bulk): every event and projection row is stored,
    and verify's replay of the ledger equals the stored projection."""
    from datetime import UTC, datetime

    from hischange.events import CommitLink, CommitsLinked

    ids = _register(ledger, 5)
    at = datetime(2026, 11, 2, tzinfo=UTC)
    links = [
        CommitLink(
            sha=f"{n:040x}",
            change_ids=(ids[n % 5],),
            author_name="dev",
            author_email="dev@vendor",
            committer_email="dev@vendor",
            authored_at=at,
            committed_at=at,
            subject=f"改动 {n} 'quoted' \\ {{braces}}",
            via="trailer",
        )
        for n in range(2500)
    ]
    with ledger.store.write(project) as tx:
        assert tx.existing_keys("commit", (link.sha for link in links)) == set()
        for start in range(0, len(links), 500):
            tx.append(
                "dev@vendor", [CommitsLinked(range="a..b", links=tuple(links[start : start + 500]))]
            )
            tx.checkpoint("commit", every=2)
    assert ledger.store.head()[0] == 10
    assert len(ledger.store.aggregates_of("commit")) == 2500
    report = verify_store(ledger)
    assert report.ok, report.problems


def test_events_stream_in_batches_in_order(ledger: Project) -> None:
    """Reading 7 events 2 at a time (PostgreSQL: a server-side cursor) gives every event
    once, in order, as bytes; one change's events and a start after a sequence number too."""
    ids = _register(ledger, 7)
    rows = list(ledger.store.chain_rows(batch=2))
    assert [r[0] for r in rows] == list(range(1, 8))
    assert all(type(r[1]) is bytes for r in rows)
    assert [r.seq for r in ledger.store.stored_events(since_seq=4, batch=2)] == [5, 6, 7]
    assert [r.seq for r in ledger.store.stored_events(change_id=ids[2], batch=2)] == [3]
    # two streams open at once (a verify reading events while a report reads them)
    first, second = ledger.store.chain_rows(batch=2), ledger.store.chain_rows(batch=2)
    assert [next(first)[0], next(second)[0], next(first)[0]] == [1, 1, 2]
    first.close()
    second.close()
