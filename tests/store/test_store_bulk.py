"""A bulk append writes exactly the ledger that one-event appends write.

The same events are appended three ways: one transaction per event, all in one
transaction, and all in one transaction with checkpoints. Every stored row (bytes, hash,
columns, change references) and every projection row must be equal, every body must be
the canonical envelope as ``ledger.envelope`` + ``ledger.canonical`` define it, and the
whole ledger must hash to the digest the append path produced before it was sped up.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from hischange.cli.main import cli
from hischange.events import (
    ChangeApproved,
    ChangeEdited,
    ChangeFields,
    ChangeRegistered,
    ChangeRejected,
    ChangeStarted,
    ChangeSubmitted,
    ChangeTransitioned,
    ChangeWithdrawn,
    CommandRefused,
    CommitLink,
    CommitsLinked,
)
from hischange.ledger import canonical, chain_hash, envelope
from hischange.project import Project, init_project
from hischange.services.audit import verify_store
from hischange.workflow.projector import project as projector

AT = datetime(2026, 11, 2, 8, 0, 0, 123456, tzinfo=UTC)
#: SHA-256 over every stored row of ``_corpus()`` appended one event per transaction, as
#: written by the append path before the bulk speed-up (commit ad6c4fb): the new path
#: must reproduce the old ledger byte for byte.
GOLDEN = "c8fb84860d10c21f8269bc6d4f586c9b8bf621b58862a8759c97ab304add2b6f"

Group = tuple[str, list[BaseModel]]


def _fields(i: int, title: str = "") -> ChangeFields:
    return ChangeFields(
        kind="interface" if i % 2 else "report",
        title=title or f'LIS 接口字段调整 第{i}版 "引号" \\ \u2028 😀',
        system="检验",
        requester_dept="检验科",
        effort_days="3.5" if i % 3 == 0 else None,
        rollback_plan="恢复旧版接口配置" if i % 4 else "",
        emergency=i % 5 == 0,
    )


def _link(sha: str, *ids: str) -> CommitLink:
    return CommitLink(
        sha=sha,
        change_ids=ids,
        author_name="开发者",
        author_email="dev@vendor",
        committer_email="dev@vendor",
        authored_at=AT,
        committed_at=datetime(2026, 11, 1, 23, 59, 59, tzinfo=UTC),
        subject="Fix \t tab",
        via="trailer",
    )


def _corpus() -> list[Group]:
    """Every change event type, several actors (non-ASCII, quotes, control characters),
    events naming no change, one change and several changes."""
    due = datetime(2026, 12, 1, tzinfo=UTC)
    ids = [f"CR-2026-{i:04d}" for i in range(1, 7)]
    regs: list[BaseModel] = [
        ChangeRegistered(change_id=c, fields=_fields(i), due_at=due) for i, c in enumerate(ids)
    ]
    edits: list[BaseModel] = [
        ChangeEdited(change_id=c, fields=_fields(i + 10), changed=("title",), reason="r")
        for i, c in enumerate(ids)
    ]
    return [
        ("dev@vendor", regs),
        ('开发 "dev"\\\n@vendor', edits[:3]),
        ("dev@vendor", [ChangeSubmitted(change_id=c) for c in ids[:5]]),
        (
            "reviewer@hospital",
            [
                ChangeApproved(change_id=ids[0], fingerprint="ab" * 32, comment="同意"),
                ChangeApproved(change_id=ids[1], fingerprint="cd" * 32, retroactive=True),
                ChangeRejected(change_id=ids[2], reason="不清楚"),
                CommandRefused(command="approve", change_id=ids[3], rule="self", reason="x"),
                CommandRefused(command="init", rule="none", reason="no change named"),
            ],
        ),
        ("dev@vendor", [*edits[3:], ChangeWithdrawn(change_id=ids[3], reason="撤回")]),
        (
            "dev@vendor",
            [
                ChangeStarted(change_id=ids[0]),
                ChangeStarted(change_id=ids[4], unapproved_emergency=True),
                CommitsLinked(
                    range="a..b",
                    links=(_link("1" * 40, ids[0], ids[4]), _link("2" * 40, ids[4])),
                ),
                ChangeTransitioned(change_id=ids[0], to="ready"),
                ChangeTransitioned(change_id=ids[0], to="released", ref="v1.0.0"),
            ],
        ),
    ]


def _open(root: Path) -> Project:
    root.mkdir(parents=True, exist_ok=True)
    proj, _ = init_project(root, clock=lambda: AT)
    return proj


def _one_by_one(proj: Project, groups: list[Group]) -> None:
    for actor, events in groups:
        for event in events:
            with proj.store.write(projector) as tx:
                tx.append(actor, [event])


def _bulk(proj: Project, groups: list[Group]) -> None:
    with proj.store.write(projector) as tx:
        for actor, events in groups:
            tx.append(actor, events)


def _bulk_with_checkpoints(proj: Project, groups: list[Group]) -> None:
    with proj.store.write(projector) as tx:
        for actor, events in groups:
            for event in events:
                tx.append(actor, [event])
                tx.checkpoint("change", "commit", every=2)


def _dump(proj: Project) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the ledger and projection tables, in key order."""
    conn = sqlite3.connect(proj.store.url.removeprefix("sqlite:///"))
    try:
        queries = {
            "events": "SELECT seq, at, actor, type, change_id, algorithm, prev_hash, hash, body"
            " FROM events ORDER BY seq",
            "event_changes": "SELECT seq, change_id FROM event_changes ORDER BY seq, change_id",
            "ledger_head": "SELECT id, seq, hash FROM ledger_head",
            "aggregates": "SELECT kind, key, state, last_seq FROM aggregates ORDER BY kind, key",
            "changes": "SELECT * FROM changes ORDER BY change_id",
        }
        return {name: conn.execute(sql).fetchall() for name, sql in queries.items()}
    finally:
        conn.close()


def _digest(rows: dict[str, list[tuple[object, ...]]]) -> str:
    return hashlib.sha256(repr(rows).encode("utf-8")).hexdigest()


def _check_bodies(proj: Project, groups: list[Group]) -> None:
    """Each body is the reference encoding: canonical(envelope(model_dump(mode="json")))."""
    events = [(actor, event) for actor, evs in groups for event in evs]
    rows = _dump(proj)["events"]
    assert len(rows) == len(events)
    prev = "00" * 32
    for (seq, at, actor, type_, cid, algorithm, prev_hash, digest, body), (who, event) in zip(
        rows, events, strict=True
    ):
        data = event.model_dump(mode="json")
        want = canonical(envelope(seq=seq, at=AT, actor=who, prev_hash=prev, event=data))
        assert body == want
        assert (actor, type_, cid, algorithm, prev_hash) == (
            who,
            data["type"],
            data.get("change_id"),
            "sha256",
            prev,
        )
        assert at == "2026-11-02T08:00:00.123456Z"
        assert digest == chain_hash(prev, body)
        prev = digest


WAYS: list[Callable[[Project, list[Group]], None]] = [_bulk, _bulk_with_checkpoints]


@pytest.mark.parametrize("way", WAYS, ids=lambda w: w.__name__)
def test_bulk_append_writes_the_one_by_one_ledger(tmp_path: Path, way: Callable[..., None]) -> None:
    """Bulk and one-by-one appends store identical rows, equal to the pre-speed-up ledger."""
    groups = _corpus()
    single, bulk = _open(tmp_path / "single"), _open(tmp_path / "bulk")
    try:
        _one_by_one(single, groups)
        way(bulk, groups)
        expected = _dump(single)
        assert _dump(bulk) == expected
        assert _digest(expected) == GOLDEN
        _check_bodies(bulk, groups)
        assert verify_store(single).ok and verify_store(bulk).ok
    finally:
        single.close()
        bulk.close()


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30)


@settings(max_examples=30)
@given(
    actors=st.lists(_TEXT, min_size=1, max_size=3),
    titles=st.lists(_TEXT, min_size=1, max_size=8),
)
def test_bulk_equals_one_by_one_for_any_text(
    tmp_path_factory: pytest.TempPathFactory, actors: list[str], titles: list[str]
) -> None:
    """For any actors and titles, both ways store the same rows, all canonical."""
    due = datetime(2026, 12, 1, tzinfo=UTC)
    groups: list[Group] = [
        ("dev@vendor", [ChangeRegistered(change_id="CR-2026-0001", fields=_fields(1), due_at=due)])
    ]
    for n, title in enumerate(titles):
        edit = ChangeEdited(
            change_id="CR-2026-0001", fields=_fields(n, title), changed=("title",), reason=title
        )
        groups.append((actors[n % len(actors)], [edit]))
    root = tmp_path_factory.mktemp("ledger")
    single, bulk = _open(root / "single"), _open(root / "bulk")
    try:
        _one_by_one(single, groups)
        _bulk(bulk, groups)
        assert _dump(bulk) == _dump(single)
        _check_bodies(bulk, groups)
    finally:
        single.close()
        bulk.close()


def test_an_actor_no_canonical_body_can_hold_is_refused(tmp_path: Path) -> None:
    """A lone surrogate in the actor cannot be encoded as UTF-8: the append is refused and
    nothing is written, in one-event and bulk appends alike."""
    proj = _open(tmp_path)
    try:
        groups = _corpus()[:1]
        for way in (_one_by_one, _bulk):
            with pytest.raises(UnicodeEncodeError):
                way(proj, [("dev\udc80@vendor", groups[0][1])])
        assert proj.store.head()[0] == 0
    finally:
        proj.close()


def test_store_made_before_the_speed_up_upgrades_and_verifies(tmp_path: Path) -> None:
    """A store written by hischange before this change (schema 0002, the ``_corpus`` ledger,
    kept as an SQL dump) opens, upgrades, verifies, keeps every row and takes appends that
    continue its chain exactly as a store made now does."""
    (tmp_path / "old" / ".hischange").mkdir(parents=True)
    db = tmp_path / "old" / ".hischange" / "hischange.db"
    conn = sqlite3.connect(db)
    conn.executescript((Path(__file__).parent / "data" / "store-0002.sql").read_text("utf-8"))
    conn.close()
    old, new = _open(tmp_path / "old"), _open(tmp_path / "new")
    try:
        _one_by_one(new, _corpus())
        assert _dump(old) == _dump(new)
        assert _digest(_dump(old)) == GOLDEN
        report = verify_store(old)
        assert report.ok, report.problems
        indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'"
        with sqlite3.connect(db) as conn:
            upgraded = conn.execute(indexes).fetchall()
        conn.close()
        assert ("ix_events_type",) not in upgraded and ("ix_events_change_id",) not in upgraded
        result = CliRunner().invoke(cli, ["--project", str(tmp_path / "old"), "audit", "verify"])
        assert result.exit_code == 0, result.output
        more: list[Group] = [("auditor@hospital", [ChangeSubmitted(change_id="CR-2026-0006")])]
        _bulk(old, more)
        _one_by_one(new, more)
        assert _dump(old) == _dump(new)
        assert verify_store(old).ok
    finally:
        old.close()
        new.close()
