"""The pure ledger: canonical bytes, chain hashes, chain verification."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hischange.ledger import (
    GENESIS,
    StoredEvent,
    canonical,
    chain_hash,
    envelope,
    format_time,
    verify_chain,
)


def _chain(n: int) -> list[StoredEvent]:
    rows, prev = [], GENESIS
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for seq in range(1, n + 1):
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
