"""Audit: verify the chain and the projections, read the log, trace one change."""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from hischange.errors import IntegrityError, NotFoundError, UsageError, clip
from hischange.events import AnyEvent, EventRecord, EvidenceRecorded, change_refs, parse_event
from hischange.ids import normalise_change_id
from hischange.ledger import (
    COLUMNS_DETAIL,
    GENESIS,
    NOT_AN_EVENT,
    AppendedEvent,
    ChainCursor,
    ChainProblem,
    ChainRow,
    Span,
    VerifyRow,
    canonical,
)
from hischange.project import Project
from hischange.services.trust import (
    TrustCheck,
    TrustSummary,
    check_checkpoints,
    checkpoint_points,
)
from hischange.store.store import change_row
from hischange.unchecked import assemble
from hischange.workflow.evidence import attachment_refs, is_sha256
from hischange.workflow.projector import MemoryView, project

__all__ = [
    "Problem",
    "VerifyReport",
    "iter_log",
    "iter_trace",
    "read_log",
    "trace_change",
    "verify_store",
]

#: The largest sequence number: what the store's 64-bit column holds.
MAX_SEQ = 2**63 - 1

_validate_event = TypeAdapter(AnyEvent).validator.validate_json


class Problem(BaseModel):
    """One thing wrong, at a sequence number."""

    model_config = ConfigDict(frozen=True)

    seq: int
    damage: str
    detail: str


#: What ``audit verify`` checked: the hash chain, the head row, the replay of the
#: projections, the derived tables rebuilt from the hashed bodies, a head held elsewhere.
Check = Literal["chain", "head", "replay", "derived", "attachments", "signatures", "expected_head"]


class VerifyReport(BaseModel):
    """The result of ``audit verify``."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    events: int
    #: The head (last sequence number and its hash) only when the ledger verified: a
    #: damaged ledger's "head" is no anchor anyone should copy.
    head_seq: int | None
    head_hash: str | None
    problems: tuple[Problem, ...]
    checked: tuple[Check, ...]
    #: How many attachment references (on-site files, stored test cases) were checked.
    attachments: int = 0
    #: Who signed: the trust root, signed events and signers (None when not checked).
    trust: TrustSummary | None = None


def verify_store(
    proj: Project, *, expect_head: str | None = None, checkpoints: Sequence[Path] = ()
) -> VerifyReport:
    """Recompute the chain from the first event, replay every event into fresh projections,
    and compare them with the stored ones; rebuild the derived tables (which event
    concerns which change, the ``events.change_id`` column) from the hashed bodies and
    compare them too. Names the first bad sequence number and the damage.

    One streaming pass over the rows: each row is chain-checked and, while the chain
    holds, its event is parsed once and fed to every per-event check (``_Replay.feed``:
    the replay, the derived tables; a new per-event check hooks in there). The replay and
    the derived tables only count when the chain and the head are sound (as if they ran
    afterwards): otherwise they are dropped, and so is any error they met. Damage is
    reported (exit 4 in the CLI), never raised.
    """
    store = proj.store
    want_seq = _parse_expected(expect_head)
    points = checkpoint_points(proj, checkpoints)
    wanted = {seq for _, seq, _, _ in points}
    heads: dict[int, str] = {}
    cursor = ChainCursor()
    replay = _Replay()
    count, last, seen_hash = 0, None, ""
    rows = store.verify_rows()
    feed = replay.feed
    try:
        for count, (last, span) in enumerate(cursor.walk(rows), 1):  # noqa: B007 - used after
            if last[0] == want_seq:
                seen_hash = last[3]
            if last[0] in wanted:
                heads[last[0]] = last[3]
            if not cursor.broken:
                feed(cursor, last, span)
        for last in rows:  # after a break, keep counting: the head check needs the last row
            count += 1
            if last[0] == want_seq:
                seen_hash = last[3]
            if last[0] in wanted:
                heads[last[0]] = last[3]
    except IntegrityError as exc:  # a row whose columns are not even of their types
        cursor.fail(ChainProblem(_seq_after(last), "edited", exc.message))
    last_seq, last_hash = (last[0], last[3]) if last is not None else (0, GENESIS)
    problems = [Problem(seq=p.seq, damage=p.damage, detail=p.detail) for p in cursor.problems]
    problems.extend(_check_head(store, last_seq, last_hash))
    held = check_checkpoints(heads, last_seq, points)
    problems.extend(Problem(seq=s, damage=d, detail=t) for s, d, t in held)
    checked: list[Check] = ["chain", "head"]
    summary = None
    if not problems:
        problems.extend(replay.compare(proj))
        checked.append("replay")
        problems.extend(_check_derived(store, replay, last_seq))
        checked.append("derived")
        summary = replay.trust.finish().model_copy(update={"checkpoints": len(points) - len(held)})
        problems.extend(Problem(seq=s, damage=d, detail=t) for s, d, t in replay.trust.problems)
        checked.append("signatures")
    replay.trust.close()  # worker processes checking signatures, when the chain was broken
    problems.extend(check_attachments(proj, replay.named))
    checked.append("attachments")
    if expect_head:
        checked.append("expected_head")
        if seen_hash != _expected_digest(expect_head):
            problems.append(_rewritten(want_seq, _expected_digest(expect_head)))
    problems.sort(key=lambda p: p.seq)
    return VerifyReport(
        ok=not problems,
        events=count,
        head_seq=None if problems else last_seq,
        head_hash=None if problems else last_hash,
        problems=tuple(problems),
        checked=tuple(checked),
        attachments=len(replay.named),
        trust=summary,
    )


def _seq_after(last: VerifyRow | None) -> int:
    return last[0] + 1 if last is not None else 1


def _check_head(store: Any, last_seq: int, last_hash: str) -> list[Problem]:
    """The head row against the last event (see ``_compare_head``); a head row that is
    not even a sequence number and a hash is damage at the tail."""
    try:
        head_seq, head_hash = store.head()
    except IntegrityError as exc:
        return [Problem(seq=last_seq, damage="head", detail=exc.message)]
    return _compare_head(last_seq, last_hash, head_seq, head_hash)


def _compare_head(last_seq: int, last_hash: str, head_seq: int, head_hash: str) -> list[Problem]:
    """The head row is written by every append, so it tells what happened at the tail,
    where the chain alone cannot: a deleted last event (or all of them), an event added
    behind hischange's back, or a last event edited and re-hashed."""
    if (head_seq, head_hash) == (last_seq, last_hash):
        return []
    if head_seq > last_seq:
        return [
            Problem(
                seq=last_seq + 1,
                damage="deleted",
                detail=f"the ledger head records sequence {head_seq} but the last event is "
                f"{last_seq}: sequence {last_seq + 1}..{head_seq} missing",
            )
        ]
    if head_seq < last_seq:
        return [
            Problem(
                seq=head_seq + 1,
                damage="inserted",
                detail=f"events after the ledger head ({head_seq}) were added outside hischange",
            )
        ]
    return [
        Problem(
            seq=last_seq,
            damage="edited",
            detail="the last event's hash differs from the ledger head: edited and re-hashed",
        )
    ]


_EXPECTED_HEAD = re.compile(r"^(\d{1,18}):([0-9a-f]{64})$")


def _parse_expected(expect: str | None) -> int:
    """The sequence number of ``--expect-head SEQ:HASH`` (-1 when absent); a value that is
    not SEQ:HASH is the caller's mistake (exit 2), not damage to the ledger."""
    if not expect:
        return -1
    if not _EXPECTED_HEAD.match(expect.strip().lower()):
        raise UsageError(
            f"--expect-head {clip(expect)} is not SEQ:HASH",
            hint="give the sequence number and the 64 hex digits of its hash, as "
            "`audit verify` prints them (e.g. 42:7a8d363e…)",
        )
    return int(expect.strip().partition(":")[0])


def _expected_digest(expect: str) -> str:
    return expect.strip().lower().partition(":")[2]


def _rewritten(seq: int, digest: str) -> Problem:
    return Problem(
        seq=seq,
        damage="head",
        detail=f"event {seq} does not have the hash held elsewhere ({digest[:16]}…): "
        "the chain was rewritten",
    )


class _Replay:
    """The per-event checks of ``verify_store``, fed each chain-checked row as it streams
    past: the replay into a fresh ``MemoryView``, and the derived tables rebuilt from the
    hashed bodies (as running digests: memory stays flat). A new per-event check (e.g. a
    signature) is one more step in ``_check_event``."""

    def __init__(self) -> None:
        self.view = MemoryView()
        self.trust = TrustCheck(self.view)
        #: What the replay met that stops it: (sequence number, damage, detail). Reported
        #: by ``compare`` when the chain was sound, dropped when it was not.
        self.error: tuple[int, str, str] | None = None
        self._at_text, self._at = "", datetime.min
        #: ``event_changes`` as the hashed bodies say it is (a running fingerprint).
        self.refs = IndexFingerprint()
        #: The first row whose ``events.change_id`` column differs from its hashed event.
        self.column: Problem | None = None
        #: ``(seq, sha256, what)`` of every file the events name in the attachment store.
        self.named: list[tuple[int, str, str]] = []

    def feed(self, cursor: ChainCursor, row: VerifyRow, span: Span | None) -> None:
        """Parse one chain-checked event (once) and check it.

        When the cursor proved the envelope's bytes, only the event's bytes are parsed:
        they must be exactly one JSON object (so the envelope has no other members) whose
        type is the row's. Otherwise the whole body is parsed and checked as
        ``verify_chain`` checks it.
        """
        if self.error is not None:
            return
        seq, body, prev_hash, digest, _, type_, actor, at, column = row
        event: AnyEvent | None
        try:
            if span is None:
                event = _parse_body(cursor, seq, body, type_, actor, at)
            else:
                try:
                    event = _validate_event(body[span[0] : span[1]])
                except ValidationError:  # diagnose on the whole body
                    event = _parse_body(cursor, seq, body, type_, actor, at)
                else:
                    if event.type != type_:
                        cursor.fail(ChainProblem(seq, "edited", COLUMNS_DETAIL))
                        return
        except (ValueError, KeyError, TypeError) as exc:  # ValidationError is a ValueError
            # hashed and linked, yet not an event: forged and re-hashed, or written by a
            # newer hischange
            self.error = (seq, "edited", f"the hashed body is not an event: {_first_line(exc)}")
            return
        if event is None:
            return
        try:
            raw = body[span[0] : span[1]] if span is not None else None
            self._check_event(seq, prev_hash, digest, actor, at, event, column)
            self.trust.feed(seq, actor, at, digest, event, raw)
        except Exception as exc:  # reported by compare, never a traceback
            self.error = (seq, "replay", f"replaying event {seq} failed: {_first_line(exc)}")

    def _check_event(
        self,
        seq: int,
        prev_hash: str,
        digest: str,
        actor: str,
        at: str,
        event: AnyEvent,
        column: str | None,
    ) -> None:
        """Every check of one parsed event: the replay, then the derived data it implies.
        (Extension point: a further per-event check, e.g. a signature, goes here.)"""
        if at != self._at_text:  # the events of one transaction share their time
            self._at_text, self._at = at, datetime.fromisoformat(at)
        project(self.view, AppendedEvent.of(seq, self._at, actor, prev_hash, digest, event))
        for ref in _refs(event):
            self.refs.add(seq, ref)
        if isinstance(event, EvidenceRecorded):
            self.named.extend((seq, sha, what) for sha, what in attachment_refs(event))
        if column != event.__dict__.get("change_id") and self.column is None:
            hashed = event.__dict__.get("change_id")
            self.column = Problem(
                seq=seq,
                damage="derived",
                detail=f"the events.change_id column holds {clip(column)} where the hashed "
                f"event says {clip(hashed)} (edited outside hischange)",
            )

    def compare(self, proj: Project) -> list[Problem]:
        """Problems where the replay stopped, or the stored projections differ from it."""
        if self.error is not None:
            seq, damage, detail = self.error
            return [Problem(seq=seq, damage=damage, detail=detail)]
        return _compare(proj, self.view)


def check_attachments(proj: Project, named: list[tuple[int, str, str]]) -> list[Problem]:
    """Every file the ledger names in the attachment store is there and hashes to its
    SHA-256 (each file hashed once, streamed); a problem per event naming a missing or
    corrupt one."""
    if not named:
        return []
    from hischange.testing.attachments import ATTACHMENTS_DIR, attachment_state

    folder = proj.state_dir / ATTACHMENTS_DIR
    states: dict[str, str] = {}
    problems = []
    for seq, sha, what in named:
        if not is_sha256(sha):
            state = "not a SHA-256 reference"
        elif sha not in states:
            state = states[sha] = attachment_state(folder, sha)
        else:
            state = states[sha]
        if state != "present":
            problems.append(
                Problem(
                    seq=seq,
                    damage="attachment",
                    detail=f"{what}, sha256 {sha[:64]}: {state}"
                    + (" (does not hash to its SHA-256)" if state == "corrupt" else ""),
                )
            )
    return problems


class IndexFingerprint:
    """A fingerprint of a set of ``(seq, change_id)`` rows, in any order: their count and
    the sum of their hashes. Python's string hash is keyed afresh in every process
    (SipHash), so whoever edits the index cannot make a different set match; both sides
    are computed in the same process. About four times cheaper per row than a SHA-256
    over formatted lines, which mattered at a million events."""

    __slots__ = ("count", "total")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0

    def add(self, seq: object, change_id: object) -> None:
        self.count += 1
        self.total += hash((seq, change_id))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IndexFingerprint) and (self.count, self.total) == (
            other.count,
            other.total,
        )

    __hash__ = None  # type: ignore[assignment]


#: Event classes whose only change reference is their ``change_id`` field.
_SINGLE_REF: dict[type, bool] = {}


def _refs(event: AnyEvent) -> list[str]:
    """``sorted(change_refs(event))`` — what ``event_changes`` holds for the event —
    without probing each event for a ``change_refs`` method when its class has none."""
    cls = type(event)
    single = _SINGLE_REF.get(cls)
    if single is None:
        single = _SINGLE_REF[cls] = getattr(cls, "change_refs", None) is None
    if single:
        cid = getattr(event, "change_id", None)
        return [cid] if cid else []
    return sorted(change_refs(event))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return clip(text[0] if text else type(exc).__name__, 160)


def _check_derived(store: Any, replay: _Replay, upto: int) -> list[Problem]:
    """Derived data against the hashed bodies: the ``events.change_id`` column (checked
    row by row in the pass), foreign triggers, and the ``event_changes`` index — its
    fingerprint first (one streamed read of the index); only when that differs, a second
    pass names the first difference."""
    problems: list[Problem] = []
    for name in store.foreign_triggers():
        problems.append(
            Problem(
                seq=0,
                damage="trigger",
                detail=f"trigger {name} was not made by hischange: it can rewrite the "
                "store on every append (drop it, then verify again)",
            )
        )
    if replay.error is not None:
        return problems
    if replay.column is not None:
        problems.append(replay.column)
    stored = IndexFingerprint()
    add = stored.add
    for seq, cid in store.change_index(upto):
        add(seq, cid)
    if stored != replay.refs:
        problems.append(_first_index_difference(store, upto))
    return problems


def _first_index_difference(store: Any, upto: int) -> Problem:
    """Where ``event_changes`` first differs from what the hashed bodies say (the chain
    verified, so every body parses)."""

    def expected() -> Generator[tuple[int, str]]:
        for row in store.chain_rows():
            if row[0] > upto:
                return
            event = parse_event(json.loads(row[1])["event"])
            yield from ((row[0], c) for c in _refs(event))

    want = expected()
    have = iter(store.change_index(upto))
    try:
        return _first_mismatch(want, have)
    finally:
        want.close()
        getattr(have, "close", lambda: None)()


def _first_mismatch(want: Iterator[tuple[int, str]], have: Iterator[Any]) -> Problem:
    while True:
        w, h = next(want, None), next(have, None)
        if w == h:
            if w is None:  # pragma: no cover - the digests differed
                return Problem(seq=0, damage="derived", detail="event_changes differs")
            continue
        seq = min(x[0] if isinstance(x[0], int) else 0 for x in (w, h) if x is not None)
        stored = f"{h[1]!r} at {h[0]!r}" if h is not None else "nothing"
        hashed = f"{w[1]!r} at {w[0]}" if w is not None else "nothing"
        return Problem(
            seq=seq,
            damage="derived",
            detail=f"event_changes holds {stored} where the hashed events say {hashed} "
            "(edited outside hischange: it could hide an event from a trace)",
        )


def _parse_body(
    cursor: ChainCursor, seq: int, body: bytes, type_: str, actor: str, at: str
) -> AnyEvent | None:
    """The event of a whole body, or None after recording why it is not one."""
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        cursor.fail(ChainProblem(seq, "edited", NOT_AN_EVENT))
        return None
    event = doc.get("event")
    if (
        not isinstance(event, dict)
        or event.get("type") != type_
        or doc.get("actor") != actor
        or doc.get("at") != at
    ):
        cursor.fail(ChainProblem(seq, "edited", COLUMNS_DETAIL))
        return None
    return parse_event(event)


def _compare(proj: Project, view: MemoryView) -> list[Problem]:
    stored_aggs, stored_changes = proj.store.projection_rows()
    problems: list[Problem] = []
    for key in sorted(set(stored_aggs) | set(view.states)):
        replayed = view.states.get(key)
        stored = stored_aggs.get(key)
        seq = view.seqs.get(key) or (stored[1] if stored else 0)
        if replayed is None:
            problems.append(
                Problem(
                    seq=seq,
                    damage="projection",
                    detail=f"{key[0]} {key[1]} is stored but no event made it",
                )
            )
            continue
        text = canonical(replayed.model_dump(mode="json")).decode("utf-8")
        if stored is None:
            problems.append(
                Problem(
                    seq=seq,
                    damage="projection",
                    detail=f"{key[0]} {key[1]} is missing from the projections",
                )
            )
        elif stored[1] != seq or not _same_state(replayed, stored[0], text):
            problems.append(
                Problem(
                    seq=seq,
                    damage="projection",
                    detail=f"{key[0]} {key[1]} differs from a replay of its events",
                )
            )
    expected_rows = {
        k[1]: change_row(v.model_dump(mode="json"), view.seqs[k])
        for k, v in view.states.items()
        if k[0] == "change"
    }
    actual_rows = {r["change_id"]: r for r in stored_changes}
    for cid in sorted(set(expected_rows) | set(actual_rows)):
        if expected_rows.get(cid) != actual_rows.get(cid):
            seq = int((expected_rows.get(cid) or actual_rows.get(cid) or {}).get("last_seq", 0))
            problems.append(
                Problem(
                    seq=seq, damage="projection", detail=f"changes row {cid} differs from a replay"
                )
            )
    problems.sort(key=lambda p: p.seq)
    return problems


def _same_state(replayed: BaseModel, stored: str, text: str) -> bool:
    """Stored state equals the replay, read through today's model: a state stored by an
    older hischange (before a field was added, with its default) still compares equal."""
    if stored == text:
        return True
    try:
        normalised = type(replayed).model_validate_json(stored).model_dump(mode="json")
    except ValueError:
        return False
    return canonical(normalised).decode("utf-8") == text


def iter_log(
    proj: Project, *, since: int = 0, change_id: str | None = None, limit: int | None = None
) -> Iterator[EventRecord]:
    """Events in order, optionally after a sequence number or for one change, streamed
    (memory stays flat however long the ledger is).

    Read from checked data only: each event's body is hashed and linked to its
    predecessor as it is read, and the change filter reads the hashed bodies, never the
    derived ``event_changes`` table. Damage met on the way (an event that does not hash,
    a missing sequence number, a body that is no event, a deleted tail) ends the stream
    with an ``IntegrityError`` (exit 4) naming the sequence number, after the events
    before it."""
    if change_id is not None:
        change_id = normalise_change_id(change_id)
    if not 0 <= since <= MAX_SEQ or (limit is not None and not 1 <= limit <= MAX_SEQ):
        raise UsageError(
            f"--since {clip(since)} / --limit {clip(limit)}: out of range",
            hint=f"give sequence numbers from 0 and limits from 1, up to {MAX_SEQ}",
        )
    return _checked_records(proj, since, change_id, limit)


def read_log(
    proj: Project, *, since: int = 0, change_id: str | None = None, limit: int | None = None
) -> list[EventRecord]:
    """``iter_log`` as a list (the whole selection in memory)."""
    return list(iter_log(proj, since=since, change_id=change_id, limit=limit))


def iter_trace(proj: Project, change_id: str) -> Iterator[EventRecord]:
    """Every event of one change, in order, streamed and read as ``iter_log`` reads (exit 3
    if the change has no event at all, exit 4 on damage)."""
    wanted = normalise_change_id(change_id)
    return _traced(proj, change_id, wanted)


def _traced(proj: Project, given: str, wanted: str) -> Iterator[EventRecord]:
    found = False
    for record in _checked_records(proj, 0, wanted, None):
        found = True
        yield record
    if not found:
        raise NotFoundError(f"no change {given}", hint="`hischange change list` shows the changes")


def trace_change(proj: Project, change_id: str) -> list[EventRecord]:
    """``iter_trace`` as a list."""
    return list(iter_trace(proj, change_id))


def _checked_records(
    proj: Project, since: int, change_id: str | None, limit: int | None
) -> Iterator[EventRecord]:
    store = proj.store
    head_seq = _head_seq(store)  # before the rows: they are read in a later snapshot
    rows = iter(store.chain_rows(since_seq=since))
    try:
        yield from _checked(rows, head_seq, since, change_id, limit)
    finally:  # the read transaction ends now, not when the generator is collected
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _checked(
    rows: Iterator[ChainRow], head_seq: int, since: int, change_id: str | None, limit: int | None
) -> Iterator[EventRecord]:
    try:
        first = next(rows, None)
    except IntegrityError as exc:
        raise _damaged(since + 1, exc.message) from None
    last_seq = since
    if first is not None:
        prev = GENESIS if since == 0 else first[2]
        try:
            cursor = ChainCursor(since + 1, prev)
        except ValueError:
            raise _damaged(first[0], "its predecessor's stored hash is not a hash") from None
        needle = change_id.encode() if change_id is not None else None
        count = 0
        walk = cursor.walk(_guarded([first], rows))
        for row, span in walk:
            if cursor.broken:
                problem = next(p for p in cursor.problems if p.damage != "time")
                raise _damaged(problem.seq, f"{problem.damage}: {problem.detail}")
            last_seq = row[0]
            if needle is not None and needle not in row[1]:
                continue  # the id's bytes are not in the body: not this change's event
            record = _record(row, span)
            if change_id is not None and change_id not in change_refs(record.event):
                continue
            yield record
            count += 1
            if limit is not None and count >= limit:
                return
    if head_seq > last_seq:
        missing = f"sequence {last_seq + 1}..{head_seq} missing"
        raise _damaged(last_seq + 1, f"deleted: the ledger head records {head_seq}, {missing}")


def _guarded(first: list[ChainRow], rows: Iterator[ChainRow]) -> Iterator[ChainRow]:
    """The rows, a row whose columns are not of their types ending them as damage."""
    yield from first
    last = first[0][0]
    try:
        for row in rows:
            last = row[0]
            yield row
    except IntegrityError as exc:
        raise _damaged(last + 1, exc.message) from None


def _head_seq(store: Any) -> int:
    try:
        return int(store.head()[0])
    except IntegrityError as exc:
        raise _damaged(0, exc.message) from None


def _record(row: ChainRow, span: Span | None) -> EventRecord:
    """The event of a chain-checked row, or damage at its sequence number.

    When the cursor proved the envelope's bytes (``span``), its actor and time are the
    row's columns and only the event's bytes are parsed, as ``audit verify`` does."""
    seq, body, prev_hash, digest, algorithm, type_, actor, at = row
    if span is not None:
        try:
            event = _validate_event(body[span[0] : span[1]])
            when = datetime.fromisoformat(at)
        except ValueError:
            pass  # diagnosed below on the whole body
        else:
            if event.type != type_:
                raise _damaged(seq, f"edited: {COLUMNS_DETAIL}")
            values = {
                "seq": seq,
                "at": when,
                "actor": actor,
                "algorithm": algorithm,
                "prev_hash": prev_hash,
                "hash": digest,
                "event": event,
            }
            return assemble(EventRecord, values, _RECORD_FIELDS)
    try:
        doc = json.loads(body)
        return EventRecord(
            seq=seq,
            at=doc["at"],
            actor=doc["actor"],
            algorithm=algorithm,
            prev_hash=prev_hash,
            hash=digest,
            event=parse_event(doc["event"]),
        )
    except (ValueError, KeyError, TypeError) as exc:  # ValidationError is a ValueError
        raise _damaged(seq, f"the hashed body is not an event: {_first_line(exc)}") from None


#: Every field of ``EventRecord`` (the records a reader builds are frozen: shared).
_RECORD_FIELDS = frozenset(EventRecord.model_fields)


def _damaged(seq: int, detail: str) -> IntegrityError:
    return IntegrityError(
        f"the ledger is damaged at sequence {seq}: {detail}",
        hint="run `hischange audit verify` for the whole picture; restore from a backup",
    )
