"""The pure ledger: canonical bytes, chain hashes, chain verification."""

from __future__ import annotations

import enum
import hashlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hischange.events import ChangeFields
from hischange.ledger import (
    GENESIS,
    ChainWriter,
    StoredEvent,
    canonical,
    canonical_stdlib,
    chain_hash,
    envelope,
    format_time,
    verify_chain,
)
from hischange.project import Project, init_project
from hischange.services import changes as service
from hischange.services.audit import verify_store
from hischange.store import AppendedEvent
from hischange.workflow.change import ChangeState, updated_state


def _linked(seqs: list[int]) -> list[StoredEvent]:
    """Rows with the given sequence numbers, each correctly hashed and linked to the row
    before it: a forgery that recomputed every hash."""
    rows, prev = [], GENESIS
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for seq in seqs:
        at = start + timedelta(minutes=seq)
        event = {"type": "note", "n": seq, "text": f"第{seq}条"}
        body = canonical(envelope(seq=seq, at=at, actor="a@x", prev_hash=prev, event=event))
        digest = chain_hash(prev, body)
        rows.append(
            StoredEvent(
                seq=seq,
                body=body,
                prev_hash=prev,
                hash=digest,
                algorithm="sha256",
                type="note",
                actor="a@x",
                at=format_time(at),
            )
        )
        prev = digest
    return rows


def _chain(n: int) -> list[StoredEvent]:
    """A valid chain of ``n`` events."""
    return _linked(list(range(1, n + 1)))


def test_canonical_is_sorted_compact_utf8() -> None:
    """Canonical JSON sorts keys, has no whitespace and keeps Chinese as UTF-8."""
    assert canonical({"b": 1, "a": "检验"}) == '{"a":"检验","b":1}'.encode()


def test_canonical_refuses_floats() -> None:
    """Floats are refused so canonical bytes stay unambiguous."""
    with pytest.raises(TypeError, match="floats"):
        canonical({"effort": 1.5})


def test_times_are_utc_with_microseconds() -> None:
    """Times are rendered in UTC with microseconds whatever their zone."""
    at = datetime(2026, 11, 25, 16, 0, tzinfo=timezone(timedelta(hours=8)))
    assert format_time(at) == "2026-11-25T08:00:00.000000Z"


def test_chain_hash_follows_the_design_formula() -> None:
    """hash = SHA-256(bytes.fromhex(prev) || canonical)."""
    body = b'{"x":1}'
    assert chain_hash(GENESIS, body) == hashlib.sha256(bytes(32) + body).hexdigest()


def test_intact_chain_verifies() -> None:
    """An untouched chain has no problems."""
    assert verify_chain(_chain(5)) == []


def test_edited_body_is_named() -> None:
    """Editing the bytes of event 3 is reported as an edit at 3."""
    rows = _chain(5)
    doc = json.loads(rows[2].body)
    doc["event"]["text"] = "forged"
    rows[2] = rows[2].model_copy(update={"body": canonical(doc)})
    problem = verify_chain(rows)[0]
    assert (problem.seq, problem.damage) == (3, "edited")


def test_deleted_event_is_named() -> None:
    """A missing sequence number is reported as a deletion at that number."""
    rows = _chain(5)
    del rows[1]
    problem = verify_chain(rows)[0]
    assert (problem.seq, problem.damage) == (2, "deleted")


def test_time_going_backwards_is_flagged() -> None:
    """An event stamped earlier than its predecessor is flagged."""
    rows = _chain(3)
    early = format_time(datetime(2020, 1, 1, tzinfo=UTC))
    doc = json.loads(rows[2].body)
    doc["at"] = early
    body = canonical(doc)
    rows[2] = rows[2].model_copy(
        update={"body": body, "at": early, "hash": chain_hash(rows[1].hash, body)}
    )
    assert [(p.seq, p.damage) for p in verify_chain(rows)] == [(3, "time")]


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    )
)
def test_canonical_round_trips(value: object) -> None:
    """Canonical bytes decode back to the same value, and encoding is deterministic."""
    data = canonical(value)
    assert json.loads(data) == value
    assert canonical(json.loads(data)) == data


# --- canonical: the orjson fast path must give the stdlib bytes, or fail the same way ---

_ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63 - 2, max_value=2**70)
    | st.integers(min_value=-(2**70), max_value=-(2**63) + 2)
    | _ANY_TEXT
    | st.sampled_from(["\x00", "\x1f", "\x7f", "\u2028", "\u2029", '"\\', "检验科", "😀"])
    | st.datetimes(timezones=st.timezones())
)


@given(
    st.recursive(
        _LEAVES,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.lists(inner, max_size=3).map(tuple)
            | st.dictionaries(_ANY_TEXT, inner, max_size=4)
        ),
        max_leaves=25,
    )
)
def test_canonical_equals_the_stdlib_encoding(value: Any) -> None:
    """canonical gives exactly the stdlib json bytes, or raises the same exception type."""
    try:
        expected: bytes | type[BaseException] = canonical_stdlib(value)
    except Exception as exc:  # the type is what must agree
        expected = type(exc)
    try:
        got: bytes | type[BaseException] = canonical(value)
    except Exception as exc:
        got = type(exc)
    assert got == expected


class _Colour(enum.Enum):
    RED = "red"


class _Level(enum.IntEnum):
    HIGH = 3


class _Label(enum.StrEnum):
    OK = "ok"


@pytest.mark.parametrize(
    "value",
    [
        {1: "int key", 2: "another"},
        {True: "bool key"},
        [_Level.HIGH, _Label.OK],
        {"big": 2**64, "neg": -(2**63) - 1},
        {"nested": [{"z": 1, "a": (1, 2)}]},
    ],
)
def test_canonical_falls_back_to_the_stdlib_for_non_plain_values(value: object) -> None:
    """Values outside plain JSON (int keys, enums, huge ints) encode exactly as the stdlib."""
    assert canonical(value) == canonical_stdlib(value)


def test_canonical_refuses_what_the_stdlib_refuses() -> None:
    """A plain Enum or a lone surrogate is refused by both encoders alike."""
    for value in ({"colour": _Colour.RED}, {"text": "\ud800"}):
        with pytest.raises(Exception) as fast:  # noqa: PT011 - compared below
            canonical(value)
        with pytest.raises(Exception) as slow:  # noqa: PT011
            canonical_stdlib(value)
        assert fast.type is slow.type


class _Ratio(float):
    """A float subclass: still a float."""


@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, {"b": 1.5}]},
        {"nan": float("nan")},
        {"inf": [float("inf")]},
        ({"x": _Ratio(2.0)},),
        {"deep": {"deeper": {"deepest": (0.0,)}}},
    ],
)
def test_canonical_refuses_floats_anywhere(value: object) -> None:
    """A float at any depth (also NaN, infinity, a subclass) is refused, never encoded."""
    with pytest.raises(TypeError, match="floats"):
        canonical(value)


_EVENTS = st.recursive(
    _LEAVES | st.floats(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_ANY_TEXT, inner, max_size=4),
    max_leaves=15,
)
_HASHES = st.sampled_from([GENESIS, "AB" * 32, "ab" * 32]) | st.binary(
    min_size=32, max_size=32
).map(bytes.hex)


@given(
    actor=_ANY_TEXT,
    at=st.datetimes(timezones=st.timezones()),
    start=st.integers(min_value=0, max_value=2**40),
    prev=_HASHES,
    events=st.lists(st.dictionaries(_ANY_TEXT, _EVENTS, max_size=4), min_size=1, max_size=4),
)
def test_chain_writer_equals_the_envelope_encoding(
    actor: str, at: datetime, start: int, prev: str, events: list[dict[str, Any]]
) -> None:
    """ChainWriter's bodies and hashes are canonical(envelope(...)) and chain_hash, event
    after event; whatever the whole envelope's encoding refuses, it refuses too (with the
    same error type when one thing is wrong; with two, such as a lone surrogate in the actor
    and a float in the event, each side may name either first)."""

    def reference() -> list[tuple[bytes, str]] | type[BaseException]:
        out, link = [], prev
        try:
            for n, event in enumerate(events, start + 1):
                body = canonical(envelope(seq=n, at=at, actor=actor, prev_hash=link, event=event))
                link = chain_hash(link, body)
                out.append((body, link))
        except Exception as exc:  # the type is what must agree
            return type(exc)
        return out

    def written() -> list[tuple[bytes, str]] | type[BaseException]:
        out = []
        try:
            writer = ChainWriter(start, prev, actor, at)
            for n, event in enumerate(events, start + 1):
                body = writer.link(canonical(event))
                assert writer.seq == n
                out.append((body, writer.hash))
        except Exception as exc:
            return type(exc)
        return out

    got, want = written(), reference()
    if isinstance(want, type) and isinstance(got, type):
        refusals = (TypeError, ValueError)  # UnicodeEncodeError is a ValueError
        assert issubclass(got, refusals) and issubclass(want, refusals), (got, want)
        if not (issubclass(got, UnicodeError) or issubclass(want, UnicodeError)):
            assert got == want
    else:
        assert got == want


# --- chain verification on bytes: columns and diagnosis ---


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("type", "change_approved"),
        ("actor", "mallory@x"),
        ("at", "2026-01-01T00:03:00.000001Z"),
        ("actor", "lone \ud800 surrogate"),
        ("type", "\udfff"),
    ],
)
def test_edited_column_is_named(column: str, value: str) -> None:
    """A stored column (type, actor, at) edited beside an intact body is an edit there."""
    rows = _chain(5)
    rows[3] = rows[3].model_copy(update={column: value})
    assert [(p.seq, p.damage) for p in verify_chain(rows)] == [(4, "edited")]


def test_non_canonical_but_valid_body_is_judged_as_before() -> None:
    """A body that is valid but not canonical (spaces) is checked by parsing it, not refused."""
    rows = _chain(3)
    doc = json.loads(rows[1].body)
    body = json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=1).encode()
    rows[1] = rows[1].model_copy(update={"body": body, "hash": chain_hash(rows[0].hash, body)})
    rows[2] = rows[2].model_copy(update={"prev_hash": rows[1].hash})
    problems = verify_chain(rows)
    # Event 3's body still names the old hash of 2: 2 was edited and re-hashed.
    assert [(p.seq, p.damage) for p in problems] == [(2, "edited")]


def test_garbage_body_is_not_an_event() -> None:
    """Bytes that are not JSON at all are an edit of that event."""
    rows = _chain(3)
    rows[1] = rows[1].model_copy(update={"body": b"\xff not json"})
    problem = verify_chain(rows)[0]
    assert (problem.seq, problem.damage, problem.detail) == (
        2,
        "edited",
        "stored bytes are not an event",
    )


# --- the store and the replay ---


def _store_with_changes(tmp_path: Path) -> tuple[Project, Path]:
    proj, _ = init_project(tmp_path)
    fields = service.make_fields(
        {"kind": "interface", "title": "LIS 接口", "rollback_plan": "恢复旧版接口配置"}
    )
    made = service.register_change(proj, "dev@vendor", fields)
    service.submit_change(proj, "dev@vendor", made.id)
    return proj, tmp_path / ".hischange" / "hischange.db"


def test_type_column_edit_is_caught_by_verify_store(tmp_path: Path) -> None:
    """verify_store names an event whose type column no longer matches its hashed body."""
    proj, db = _store_with_changes(tmp_path)
    try:
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE events SET type = 'change_registered' WHERE seq = 2")
        conn.close()
        report = verify_store(proj)
    finally:
        proj.close()
    assert (report.problems[0].seq, report.problems[0].damage) == (2, "edited")


def test_body_stored_as_text_reads_as_its_bytes(tmp_path: Path) -> None:
    """A body rewritten as SQLite text is read as its UTF-8 bytes (as the model coerces)."""
    proj, db = _store_with_changes(tmp_path)
    try:
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE events SET body = CAST(body AS TEXT) WHERE seq = 1")
        conn.close()
        assert [type(r[1]) for r in proj.store.chain_rows()] == [bytes, bytes]
        assert verify_store(proj).ok
    finally:
        proj.close()


def test_stream_and_model_rows_agree(tmp_path: Path) -> None:
    """stored_events and chain_rows give the same rows, also for one change."""
    proj, _ = _store_with_changes(tmp_path)
    try:
        models = [
            (e.seq, e.body, e.prev_hash, e.hash, e.algorithm, e.type, e.actor, e.at)
            for e in proj.store.stored_events()
        ]
        assert models == list(proj.store.chain_rows())
        assert [r[0] for r in proj.store.chain_rows(change_id="CR-2026-0001")] == [1, 2]
        assert list(proj.store.chain_rows(since_seq=1)) == models[1:]
    finally:
        proj.close()


def test_fast_copies_equal_pydantic_ones() -> None:
    """The replay's direct constructions equal what pydantic's own would give."""
    fields = ChangeFields(kind="report", title="月报")
    state = ChangeState(
        id="CR-2026-0001",
        fields=fields,
        registered_by="a@x",
        registered_at=datetime(2026, 1, 1, tzinfo=UTC),
        due_at=datetime(2026, 1, 2, tzinfo=UTC),
        last_seq=1,
    )
    update: dict[str, object] = {"last_seq": 2, "state": "submitted"}
    fast, slow = updated_state(state, update), state.model_copy(update=update)
    assert fast == slow
    assert fast.model_fields_set == slow.model_fields_set
    at = datetime(2026, 1, 1, tzinfo=UTC)
    made = AppendedEvent.of(3, at, "a@x", GENESIS, "ab" * 32, fields)
    assert made == AppendedEvent(
        seq=3, at=at, actor="a@x", prev_hash=GENESIS, hash="ab" * 32, event=fields
    )
    assert made.model_fields_set == {"seq", "at", "actor", "prev_hash", "hash", "event"}


def test_gap_in_a_relinked_chain_is_named() -> None:
    """Event 3 removed and the rest re-hashed so that every link holds (4 names 2 as its
    predecessor): the missing sequence number is still a deletion at 3. (Mutation: the
    byte-level fast path that ignores the sequence number accepted this chain.)"""
    rows = _linked([1, 2, 4, 5])
    assert [(p.seq, p.damage) for p in verify_chain(rows)][:1] == [(3, "deleted")]


@pytest.mark.parametrize(("key", "value"), [("seq", 7), ("prev_hash", "ab" * 32)])
def test_body_envelope_disagreeing_with_its_row_is_named(key: str, value: object) -> None:
    """Row 2's body claims another sequence number or predecessor than its row while its
    hash is recomputed over it: verification fails there (a wrong predecessor in the body
    reads as its predecessor edited and re-hashed, so sequence 1). (Mutation: the fast path
    that skips the envelope's tail accepted it.)"""
    rows = _chain(3)
    doc = json.loads(rows[1].body)
    doc[key] = value
    body = canonical(doc)
    rows[1] = rows[1].model_copy(update={"body": body, "hash": chain_hash(rows[0].hash, body)})
    rows[2] = _relink(rows[2], rows[1].hash)
    problems = verify_chain(rows)
    assert problems and problems[0].seq in (1, 2), problems


def _relink(row: StoredEvent, prev: str) -> StoredEvent:
    doc = json.loads(row.body)
    doc["prev_hash"] = prev
    body = canonical(doc)
    return row.model_copy(update={"body": body, "prev_hash": prev, "hash": chain_hash(prev, body)})


def test_naive_times_are_refused() -> None:
    """An event time without a zone cannot be encoded: it would hash differently by the
    machine's zone. (Mutation: accepting naive times left the tests green.)"""
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2026, 1, 1))


def test_unknown_algorithm_is_refused_and_named() -> None:
    """A row naming a hash algorithm hischange does not know is an edit at that row, and
    ``chain_hash`` refuses the name. (Mutation: hashing every row with SHA-256 whatever it
    names left the tests green.)"""
    with pytest.raises(ValueError, match="unknown hash algorithm 'sm3'"):
        chain_hash(GENESIS, b"{}", "sm3")
    rows = _chain(3)
    rows[1] = rows[1].model_copy(update={"algorithm": "sm3"})
    assert [(p.seq, p.damage) for p in verify_chain(rows)][:1] == [(2, "edited")]
