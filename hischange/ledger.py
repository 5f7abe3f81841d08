"""Canonical encoding, hashing and chain verification. Pure: no I/O.

``hash_n = SHA-256(bytes.fromhex(hash_{n-1}) || canonical(event_n without its hash))``;
the first event's predecessor is 32 zero bytes. canonical is JSON with sorted keys, no
whitespace, UTF-8, times as UTC RFC 3339 with microseconds. Each event names its algorithm
so another (SM3) can be added without breaking old chains.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ALGORITHM",
    "GENESIS",
    "ChainProblem",
    "StoredEvent",
    "canonical",
    "chain_hash",
    "envelope",
    "format_time",
    "verify_chain",
]

ALGORITHM = "sha256"
GENESIS = "00" * 32
_HASHERS: dict[str, Callable[[bytes], str]] = {
    "sha256": lambda data: hashlib.sha256(data).hexdigest(),
}


def format_time(at: datetime) -> str:
    """UTC RFC 3339 with microseconds, e.g. ``2026-11-25T08:00:00.000000Z``."""
    if at.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, float):  # pragma: no cover - guarded by the event models
        raise TypeError("floats are not allowed in events; use a decimal string")
    raise TypeError(f"cannot encode {type(value).__name__} canonically")


def canonical(obj: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no whitespace, UTF-8, no floats."""
    _reject_floats(obj)
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    ).encode("utf-8")


def _reject_floats(obj: Any) -> None:
    if isinstance(obj, float):
        raise TypeError("floats are not allowed in events; use a decimal string")
    if isinstance(obj, dict):
        for value in obj.values():
            _reject_floats(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            _reject_floats(value)


def chain_hash(prev_hash: str, body: bytes, algorithm: str = ALGORITHM) -> str:
    """The hash of one event given its predecessor's hash and its canonical bytes."""
    try:
        hasher = _HASHERS[algorithm]
    except KeyError:
        raise ValueError(f"unknown hash algorithm {algorithm!r}") from None
    return hasher(bytes.fromhex(prev_hash) + body)


def envelope(
    *, seq: int, at: datetime, actor: str, prev_hash: str, event: dict[str, Any]
) -> dict[str, Any]:
    """The hashed form of an event: everything but its own hash."""
    return {
        "seq": seq,
        "at": format_time(at),
        "actor": actor,
        "algorithm": ALGORITHM,
        "prev_hash": prev_hash,
        "event": event,
    }


class StoredEvent(BaseModel):
    """One row of the event table as verification sees it."""

    model_config = ConfigDict(frozen=True)

    seq: int
    body: bytes
    prev_hash: str
    hash: str
    algorithm: str
    #: Denormalised columns that must agree with the body.
    type: str
    actor: str
    at: str


Damage = Literal["edited", "deleted", "reordered", "inserted", "time", "columns", "head"]


@dataclass(frozen=True)
class ChainProblem:
    """The first thing wrong with a chain: where and what."""

    seq: int
    damage: Damage
    detail: str


def verify_chain(rows: Iterable[StoredEvent]) -> list[ChainProblem]:
    """Recompute the chain. Returns every problem found, first one first.

    Diagnosis: a missing sequence number is a deletion; a body that claims another
    sequence number is a reordering (or a renumbered insertion, told apart by whether
    its body links to the expected predecessor); a body that does not hash to the stored
    hash is an edit. A time earlier than its predecessor's is flagged too.
    """
    problems: list[ChainProblem] = []
    expected_seq = 1
    prev_hash = GENESIS
    prev_at = ""
    for row in rows:
        try:
            doc = json.loads(row.body)
            claimed_seq = int(doc["seq"])
            claimed_prev = str(doc["prev_hash"])
        except (ValueError, KeyError, TypeError):
            problems.append(ChainProblem(row.seq, "edited", "stored bytes are not an event"))
            break
        if row.seq != expected_seq:
            if row.seq > expected_seq:
                problems.append(
                    ChainProblem(
                        expected_seq,
                        "deleted",
                        f"sequence {expected_seq}..{row.seq - 1} missing",
                    )
                )
            else:
                problems.append(ChainProblem(row.seq, "reordered", "sequence out of order"))
            break
        if claimed_seq != row.seq:
            damage: Damage = "reordered"
            detail = f"row {row.seq} holds the event hashed as sequence {claimed_seq}"
            if claimed_prev != prev_hash and claimed_seq == row.seq - 1:
                damage, detail = "inserted", "a forged event was inserted before this one"
                problems.append(ChainProblem(row.seq - 1, damage, detail))
            else:
                problems.append(ChainProblem(row.seq, damage, detail))
            break
        if claimed_prev != prev_hash or row.prev_hash != prev_hash:
            # The body is where it belongs but its predecessor's hash changed: the
            # predecessor was edited and re-hashed to hide it.
            problems.append(
                ChainProblem(
                    row.seq - 1,
                    "edited",
                    f"re-hashed after an edit: sequence {row.seq} no longer links to it",
                )
            )
            break
        try:
            recomputed = chain_hash(prev_hash, row.body, row.algorithm)
        except ValueError as exc:
            problems.append(ChainProblem(row.seq, "edited", str(exc)))
            break
        if recomputed != row.hash:
            problems.append(ChainProblem(row.seq, "edited", "content does not match its hash"))
            break
        event = doc.get("event") or {}
        if (
            event.get("type") != row.type
            or doc.get("actor") != row.actor
            or doc.get("at") != (row.at)
        ):
            # The hashed body is intact but the row around it was edited (type, actor, at):
            # for an auditor that is an edit of this event like any other.
            problems.append(
                ChainProblem(
                    row.seq,
                    "edited",
                    "stored columns (type, actor, at) disagree with the hashed event",
                )
            )
            break
        if prev_at and row.at < prev_at:
            problems.append(
                ChainProblem(row.seq, "time", f"time {row.at} is before its predecessor {prev_at}")
            )
        prev_hash, prev_at, expected_seq = row.hash, row.at, expected_seq + 1
    return problems
