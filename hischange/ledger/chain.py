"""Canonical encoding, hashing and chain verification. Pure: no I/O.

``hash_n = SHA-256(bytes.fromhex(hash_{n-1}) || canonical(event_n without its hash))``;
the first event's predecessor is 32 zero bytes. canonical is JSON with sorted keys, no
whitespace, UTF-8, times as UTC RFC 3339 with microseconds. Each event names its algorithm
so another (SM3) can be added without breaking old chains.
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict

__all__ = [
    "ALGORITHM",
    "COLUMNS_DETAIL",
    "GENESIS",
    "NOT_AN_EVENT",
    "ChainCursor",
    "ChainProblem",
    "ChainRow",
    "StoredEvent",
    "VerifyRow",
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


@functools.lru_cache(maxsize=64)
def format_time(at: datetime) -> str:
    """UTC RFC 3339 with microseconds, e.g. ``2026-11-25T08:00:00.000000Z``.

    Cached: every event of one transaction carries the same time (equal instants in any
    zone hash alike and give the same UTC text).
    """
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


_SCALARS = frozenset((str, int, bool, type(None)))


def _plain(obj: Any) -> bool:
    """Whether ``obj`` holds only exact JSON types (and datetimes); raises on a float."""
    kind = type(obj)
    if kind in _SCALARS or kind is datetime:
        return True
    if kind is dict:
        for key, value in obj.items():
            if type(key) is not str or (type(value) not in _SCALARS and not _plain(value)):
                return False
        return True
    if kind is list or kind is tuple:
        for value in obj:  # noqa: SIM110 - a loop beats all() over a generator here
            if type(value) not in _SCALARS and not _plain(value):
                return False
        return True
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


#: One stored event as verification reads it:
#: ``(seq, body, prev_hash, hash, algorithm, type, actor, at)``.
ChainRow = tuple[int, bytes, str, str, str, str, str, str]
Span = tuple[int, int]
#: ``ChainRow`` plus the denormalised ``events.change_id`` column: what ``audit verify``
#: reads, so it checks that column in the same pass.
VerifyRow = tuple[int, bytes, str, str, str, str, str, str, str | None]
_Row = TypeVar("_Row", ChainRow, VerifyRow)
_ROW_FIELDS = operator.attrgetter(
    "seq", "body", "prev_hash", "hash", "algorithm", "type", "actor", "at"
)


def _json_text(prefix: bytes, text: str) -> bytes:
    """``prefix`` + the canonical JSON of ``text``, or b"" when it has none (a lone
    surrogate: no canonical body can hold it, so the row goes to the parsing path)."""
    try:
        return prefix + orjson.dumps(text)
    except TypeError:
        return b""


def _envelope_head(actor: str, at: str) -> bytes:
    """The canonical envelope's bytes before the event, or b"" (see ``_json_text``)."""
    actor_json, at_json = _json_text(b"", actor), _json_text(b"", at)
    if not (actor_json and at_json):
        return b""
    return b'{"actor":%b,"algorithm":"sha256","at":%b,"event":' % (actor_json, at_json)


def _tail_for(prev_hash: str) -> bytes:
    return b',"prev_hash":"' + prev_hash.encode("ascii") + b'","seq":'


class ChainCursor:
    """Verifies a chain as its rows stream past, so a caller can act on each row.

    The fast path costs about a SHA-256 and a few byte comparisons per row: the sequence
    number and the stored predecessor link, the hash, and the canonical envelope's bytes
    around the event — ``{"actor":…,"algorithm":…,"at":…,"event":`` before it and
    ``,"prev_hash":"…","seq":N}`` after it, built from the row's columns — plus the
    ``"type":…`` member inside the event bytes. Only when one of these fails is the body
    parsed (stdlib ``json``) to diagnose, with exactly the rules of ``verify_chain``.

    What bytes alone cannot prove is that the event part is one JSON object whose
    top-level ``type`` is the column's: ``walk`` yields the event's byte range, and a
    caller that parses events (``audit.verify_store``'s replay) parses exactly that range
    and compares the type, calling ``fail`` when they disagree.
    """

    def __init__(self, start_seq: int = 1, prev_hash: str = GENESIS) -> None:
        """``start_seq``/``prev_hash``: where the walk starts (a reader of the events after
        a sequence number starts there, trusting the predecessor's hash it was given)."""
        self.problems: list[ChainProblem] = []
        #: True once a problem other than ``time`` stopped the walk.
        self.broken = False
        self.expected_seq = start_seq
        self.prev_hash = prev_hash
        self.prev_at = ""
        self._prev_raw = bytes.fromhex(prev_hash)

    def fail(self, problem: ChainProblem) -> None:
        """Record a problem that stops the walk (also used by callers that parse events)."""
        self.problems.append(problem)
        self.broken = True

    def walk(self, rows: Iterable[_Row]) -> Iterator[tuple[_Row, Span | None]]:
        """Check each row and yield it with its event's byte range in the body (None when
        the body had to be parsed). Stops after the row that broke the chain (or as soon
        as the caller calls ``fail``); ``problems`` then names what is wrong."""
        sha256 = hashlib.sha256
        markers: dict[str, bytes] = {}
        expected, prev_hash, prev_raw = self.expected_seq, self.prev_hash, self._prev_raw
        prev_at = self.prev_at
        tail_prefix = _tail_for(prev_hash)
        head, head_actor, head_at = b"", None, None
        for row in rows:
            # a row may carry more columns after these eight (``VerifyRow``); an 8-tuple's
            # full slice is the tuple itself, no copy
            seq, body, row_prev, digest, algorithm, type_, actor, at = row[:8]
            if seq == expected and row_prev == prev_hash and algorithm == ALGORITHM:
                hasher = sha256(prev_raw + body)
                if hasher.hexdigest() == digest:
                    if actor != head_actor or at != head_at:
                        # The events of one transaction share actor and time.
                        head_actor, head_at = actor, at
                        head = _envelope_head(actor, at)
                    tail = tail_prefix + b"%d}" % seq
                    start, end = len(head), len(body) - len(tail)
                    marker = markers.get(type_)
                    if marker is None:
                        marker = markers[type_] = _json_text(b'"type":', type_)
                    if (
                        head
                        and marker
                        and body.startswith(head)
                        and body.endswith(tail)
                        and body.find(marker, start, end) > start
                    ):
                        if at < prev_at:
                            self.prev_at, self.expected_seq = prev_at, seq
                            self._time_problem(at)
                        expected = seq + 1
                        prev_hash = digest
                        prev_raw = hasher.digest()
                        prev_at = at
                        tail_prefix = b',"prev_hash":"' + digest.encode() + b'","seq":'
                        yield row, (start, end)
                        if self.broken:
                            return
                        continue
            self.expected_seq, self.prev_hash, self._prev_raw = expected, prev_hash, prev_raw
            self.prev_at = prev_at
            self._diagnose(seq, body, row_prev, digest, algorithm, type_, actor, at)
            expected, prev_hash, prev_raw = self.expected_seq, self.prev_hash, self._prev_raw
            prev_at, tail_prefix = self.prev_at, _tail_for(self.prev_hash)
            yield row, None
            if self.broken:
                return

    def _time_problem(self, at: str) -> None:
        detail = f"time {at} is before its predecessor {self.prev_at}"
        self.problems.append(ChainProblem(self.expected_seq, "time", detail))

    def _advance(self, digest: str, raw: bytes, at: str) -> None:
        if at < self.prev_at:
            self._time_problem(at)
        self.prev_hash, self._prev_raw, self.prev_at = digest, raw, at
        self.expected_seq += 1

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
        except (ValueError, KeyError, TypeError, IndexError):
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
        event = doc.get("event")
        if (
            not isinstance(event, dict)
            or event.get("type") != type_
            or doc.get("actor") != actor
            or doc.get("at") != at
        ):
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
    The type column is checked against the event's bytes here, and against the parsed
    event by ``audit.verify_store``, whose replay parses every event anyway.
    """
    cursor = ChainCursor()
    for _ in cursor.walk(map(_ROW_FIELDS, rows)):
        pass
    return cursor.problems
