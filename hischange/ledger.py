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

import orjson
from pydantic import BaseModel, ConfigDict

__all__ = [
    "ALGORITHM",
    "GENESIS",
    "ChainCursor",
    "ChainProblem",
    "StoredEvent",
    "canonical",
    "canonical_stdlib",
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


_FLOATS = "floats are not allowed in events; use a decimal string"
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def canonical(obj: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no whitespace, UTF-8, no floats.

    orjson gives the same bytes as ``canonical_stdlib`` several times faster, for plain
    JSON values (exact str/int/bool/None/dict/list/tuple and datetimes). Anything else
    (subclasses, enums, non-str keys, ints beyond 64 bits, lone surrogates) goes through
    the stdlib encoder, so what it accepts, refuses and produces is unchanged.
    """
    if _plain(obj):
        try:
            return orjson.dumps(obj, default=_default, option=_ORJSON_OPTIONS)
        except TypeError:
            pass  # e.g. an int beyond 64 bits: the stdlib decides
    return canonical_stdlib(obj)


def canonical_stdlib(obj: Any) -> bytes:
    """The reference encoder (stdlib ``json``); ``canonical`` must equal it byte for byte."""
    _reject_floats(obj)
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    ).encode("utf-8")


def _plain(obj: Any) -> bool:
    """Whether ``obj`` holds only exact JSON types (and datetimes); raises on a float."""
    kind = type(obj)
    if kind is str or kind is int or kind is bool or obj is None or kind is datetime:
        return True
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in obj.items())
    if kind is list or kind is tuple:
        return all(_plain(v) for v in obj)
    if kind is float:
        raise TypeError(_FLOATS)
    return False


def _reject_floats(obj: Any) -> None:
    if isinstance(obj, float):
        raise TypeError(_FLOATS)
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


COLUMNS_DETAIL = "stored columns (type, actor, at) disagree with the hashed event"
NOT_AN_EVENT = "stored bytes are not an event"


class ChainCursor:
    """Verifies a chain one row at a time, so a caller can stream rows and act on each.

    The fast path costs about a SHA-256 and a few byte comparisons per row: the sequence
    number and the stored predecessor link, the hash, and the canonical envelope's bytes
    around the event — ``{"actor":…,"algorithm":…,"at":…,"event":`` before it and
    ``,"prev_hash":"…","seq":N}`` after it, built from the row's columns — plus the
    ``"type":…`` member inside the event bytes. Only when one of these fails is the body
    parsed (stdlib ``json``) to diagnose, with exactly the rules of ``verify_chain``.

    What bytes alone cannot prove is that the event part is one JSON object whose
    top-level ``type`` is the column's: ``check`` returns the event's byte range, and a
    caller that parses events (``audit.verify_store``'s replay) must parse exactly that
    range and compare the type (see ``event_mismatch``).
    """

    def __init__(self) -> None:
        self.problems: list[ChainProblem] = []
        #: True once a problem other than ``time`` stopped the walk.
        self.broken = False
        self.expected_seq = 1
        self.prev_hash = GENESIS
        self.prev_at = ""
        self._prev_raw = bytes(32)
        self._tail = self._tail_for(GENESIS)
        self._heads: dict[str, bytes] = {}
        self._types: dict[str, bytes] = {}
        self._at, self._at_bytes = "", b""

    @staticmethod
    def _tail_for(prev_hash: str) -> bytes:
        return b',"prev_hash":"' + prev_hash.encode("ascii") + b'","seq":'

    def check(
        self,
        seq: int,
        body: bytes,
        prev_hash: str,
        digest: str,
        algorithm: str,
        type_: str,
        actor: str,
        at: str,
    ) -> tuple[int, int] | None:
        """Check the next row. Returns the event's byte range in ``body`` when the fast
        path proved the envelope, else None (then ``broken`` tells whether it failed)."""
        if seq == self.expected_seq and prev_hash == self.prev_hash and algorithm == ALGORITHM:
            hasher = hashlib.sha256(self._prev_raw)
            hasher.update(body)
            if hasher.hexdigest() == digest:
                head = self._heads.get(actor)
                if head is None:
                    head = b'{"actor":' + orjson.dumps(actor) + b',"algorithm":"sha256","at":'
                    self._heads[actor] = head
                if at != self._at:  # events of one transaction share their time
                    self._at, self._at_bytes = at, orjson.dumps(at) + b',"event":'
                tail = self._tail + b"%d}" % seq
                start, end = len(head) + len(self._at_bytes), len(body) - len(tail)
                marker = self._types.get(type_)
                if marker is None:
                    marker = self._types[type_] = b'"type":' + orjson.dumps(type_)
                if (
                    body.startswith(head)
                    and body.startswith(self._at_bytes, len(head))
                    and body.endswith(tail)
                    and body.find(marker, start, end) > start
                ):
                    if at < self.prev_at:
                        self._time_problem(at)
                    self.prev_hash, self._prev_raw, self.prev_at = digest, hasher.digest(), at
                    self._tail = b',"prev_hash":"' + digest.encode("ascii") + b'","seq":'
                    self.expected_seq += 1
                    return start, end
        self._diagnose(seq, body, prev_hash, digest, algorithm, type_, actor, at)
        return None

    def _time_problem(self, at: str) -> None:
        detail = f"time {at} is before its predecessor {self.prev_at}"
        self.problems.append(ChainProblem(self.expected_seq, "time", detail))

    def _advance(self, digest: str, raw: bytes, at: str) -> None:
        if at < self.prev_at:
            self._time_problem(at)
        self.prev_hash, self._prev_raw, self.prev_at = digest, raw, at
        self._tail = self._tail_for(digest)
        self.expected_seq += 1

    def fail(self, problem: ChainProblem) -> None:
        """Record a problem that stops the walk (also used by callers that parse events)."""
        self.problems.append(problem)
        self.broken = True

    def _diagnose(
        self,
        seq: int,
        body: bytes,
        prev_hash: str,
        digest: str,
        algorithm: str,
        type_: str,
        actor: str,
        at: str,
    ) -> None:
        """The full rules, on a parsed body: a missing sequence number is a deletion; a
        body that claims another sequence number is a reordering (or a renumbered
        insertion, told apart by whether its body links to the expected predecessor); a
        body that does not hash to the stored hash is an edit."""
        expected = self.expected_seq
        try:
            doc = json.loads(body)
            claimed_seq = int(doc["seq"])
            claimed_prev = str(doc["prev_hash"])
        except (ValueError, KeyError, TypeError):
            return self.fail(ChainProblem(seq, "edited", NOT_AN_EVENT))
        if seq != expected:
            if seq > expected:
                missing = f"sequence {expected}..{seq - 1} missing"
                return self.fail(ChainProblem(expected, "deleted", missing))
            return self.fail(ChainProblem(seq, "reordered", "sequence out of order"))
        if claimed_seq != seq:
            if claimed_prev != self.prev_hash and claimed_seq == seq - 1:
                forged = "a forged event was inserted before this one"
                return self.fail(ChainProblem(seq - 1, "inserted", forged))
            moved = f"row {seq} holds the event hashed as sequence {claimed_seq}"
            return self.fail(ChainProblem(seq, "reordered", moved))
        if claimed_prev != self.prev_hash or prev_hash != self.prev_hash:
            # The body is where it belongs but its predecessor's hash changed: the
            # predecessor was edited and re-hashed to hide it.
            detail = f"re-hashed after an edit: sequence {seq} no longer links to it"
            return self.fail(ChainProblem(seq - 1, "edited", detail))
        try:
            recomputed = chain_hash(self.prev_hash, body, algorithm)
        except ValueError as exc:
            return self.fail(ChainProblem(seq, "edited", str(exc)))
        if recomputed != digest:
            return self.fail(ChainProblem(seq, "edited", "content does not match its hash"))
        event = doc.get("event") or {}
        if event.get("type") != type_ or doc.get("actor") != actor or doc.get("at") != at:
            # The hashed body is intact but the row around it was edited (type, actor, at):
            # for an auditor that is an edit of this event like any other.
            return self.fail(ChainProblem(seq, "edited", COLUMNS_DETAIL))
        self._advance(digest, bytes.fromhex(digest), at)
        return None


def verify_chain(rows: Iterable[StoredEvent]) -> list[ChainProblem]:
    """Recompute the chain. Returns every problem found, first one first.

    Diagnosis: a missing sequence number is a deletion; a body that claims another
    sequence number is a reordering (or a renumbered insertion, told apart by whether
    its body links to the expected predecessor); a body that does not hash to the stored
    hash is an edit, and so are stored columns (type, actor, at) that disagree with the
    hashed body. A time earlier than its predecessor's is flagged too.

    Rows are checked on their bytes (``ChainCursor``); a body is parsed only to diagnose.
    The type column is checked against the event bytes here and against the parsed event
    by ``audit.verify_store``'s replay.
    """
    cursor = ChainCursor()
    for row in rows:
        cursor.check(
            row.seq, row.body, row.prev_hash, row.hash, row.algorithm, row.type, row.actor, row.at
        )
        if cursor.broken:
            break
    return cursor.problems
