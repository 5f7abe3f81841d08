"""Audit: verify the chain and the projections, read the log, trace one change."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from hischange.errors import NotFoundError, UsageError, clip
from hischange.events import AnyEvent, EventRecord, parse_event
from hischange.ids import normalise_change_id
from hischange.ledger import (
    COLUMNS_DETAIL,
    NOT_AN_EVENT,
    AppendedEvent,
    ChainCursor,
    ChainProblem,
    ChainRow,
    Span,
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
from hischange.workflow.projector import MemoryView, project

__all__ = ["Problem", "VerifyReport", "read_log", "trace_change", "verify_store"]

#: The largest sequence number: what the store's 64-bit column holds.
MAX_SEQ = 2**63 - 1

_validate_event = TypeAdapter(AnyEvent).validator.validate_json


class Problem(BaseModel):
    """One thing wrong, at a sequence number."""

    model_config = ConfigDict(frozen=True)

    seq: int
    damage: str
    detail: str


class VerifyReport(BaseModel):
    """The result of ``audit verify``."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    events: int
    head_seq: int
    head_hash: str
    problems: tuple[Problem, ...]
    checked: tuple[Literal["chain", "head", "replay", "expected_head", "signatures"], ...]
    #: Who signed: the trust root, signed events and signers (None when not checked).
    trust: TrustSummary | None = None


def _records(
    proj: Project, *, since: int = 0, change_id: str | None = None
) -> Iterator[EventRecord]:
    for row in proj.store.stored_events(since_seq=since, change_id=change_id):
        doc = json.loads(row.body)
        yield EventRecord(
            seq=row.seq,
            at=doc["at"],
            actor=doc["actor"],
            algorithm=row.algorithm,
            prev_hash=row.prev_hash,
            hash=row.hash,
            event=parse_event(doc["event"]),
        )


def verify_store(
    proj: Project, *, expect_head: str | None = None, checkpoints: Sequence[Path] = ()
) -> VerifyReport:
    """Recompute the chain from the first event, replay every event into fresh projections,
    and compare them with the stored ones. Names the first bad sequence and the damage.

    One streaming pass: each row is chain-checked and, while the chain holds, its event is
    parsed once and replayed. The replay only counts when the chain and the head are
    sound (as if it ran afterwards): otherwise it is dropped, and so is any error it met.
    """
    store = proj.store
    want_seq = _parse_expected(expect_head)
    points = checkpoint_points(proj, checkpoints)
    wanted = {seq for _, seq, _, _ in points}
    heads: dict[int, str] = {}
    cursor = ChainCursor()
    replay = _Replay()
    count, last, seen_hash = 0, None, ""
    rows = store.chain_rows()
    feed = replay.feed
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
    last_seq, last_hash = (last[0], last[3]) if last is not None else (0, "")
    problems = [Problem(seq=p.seq, damage=p.damage, detail=p.detail) for p in cursor.problems]
    head_seq, head_hash = store.head()
    if not count:
        last_hash = head_hash
    problems.extend(_check_head(last_seq, last_hash, head_seq, head_hash))
    held = check_checkpoints(heads, last_seq, points)
    problems.extend(Problem(seq=s, damage=d, detail=t) for s, d, t in held)
    checked: list[Literal["chain", "head", "replay", "expected_head", "signatures"]] = [
        "chain",
        "head",
    ]
    summary = None
    if not problems:
        problems.extend(replay.compare(proj))
        checked.append("replay")
        summary = replay.trust.finish().model_copy(update={"checkpoints": len(points) - len(held)})
        problems.extend(Problem(seq=s, damage=d, detail=t) for s, d, t in replay.trust.problems)
        problems.sort(key=lambda p: p.seq)
        checked.append("signatures")
    if expect_head:
        checked.append("expected_head")
        if seen_hash != _expected_digest(expect_head):
            problems.append(_rewritten(want_seq, _expected_digest(expect_head)))
    return VerifyReport(
        ok=not problems,
        events=count,
        head_seq=last_seq,
        head_hash=last_hash,
        problems=tuple(problems),
        checked=tuple(checked),
        trust=summary,
    )


def _check_head(last_seq: int, last_hash: str, head_seq: int, head_hash: str) -> list[Problem]:
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
    """Replays events, as they stream past, into a fresh ``MemoryView``."""

    def __init__(self) -> None:
        self.view = MemoryView()
        self.trust = TrustCheck(self.view)
        #: An error the replay met; raised by ``compare`` (the chain was sound, so a
        #: replay that cannot run is a bug to surface), dropped if the chain was not.
        self.error: Exception | None = None
        self._at_text, self._at = "", datetime.min

    def feed(self, cursor: ChainCursor, row: ChainRow, span: Span | None) -> None:
        """Parse one chain-checked event (once) and project it.

        When the cursor proved the envelope's bytes, only the event's bytes are parsed:
        they must be exactly one JSON object (so the envelope has no other members) whose
        type is the row's. Otherwise the whole body is parsed and checked as
        ``verify_chain`` checks it.
        """
        seq, body, prev_hash, digest, _, type_, actor, at = row
        try:
            event: AnyEvent | None
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
            if event is None or self.error is not None:
                return
            if at != self._at_text:  # the events of one transaction share their time
                self._at_text, self._at = at, datetime.fromisoformat(at)
            project(self.view, AppendedEvent.of(seq, self._at, actor, prev_hash, digest, event))
            raw = body[span[0] : span[1]] if span is not None else None
            self.trust.feed(seq, actor, at, digest, event, raw)
        except Exception as exc:  # kept, then raised or dropped in compare
            if self.error is None:
                self.error = exc

    def compare(self, proj: Project) -> list[Problem]:
        """Problems where the stored projections differ from the replay."""
        if self.error is not None:
            raise self.error
        return _compare(proj, self.view)


def _parse_body(
    cursor: ChainCursor, seq: int, body: bytes, type_: str, actor: str, at: str
) -> AnyEvent | None:
    """The event of a whole body, or None after recording why it is not one."""
    try:
        doc = json.loads(body)
    except ValueError:
        cursor.fail(ChainProblem(seq, "edited", NOT_AN_EVENT))
        return None
    if (
        (doc.get("event") or {}).get("type") != type_
        or doc.get("actor") != actor
        or doc.get("at") != at
    ):
        cursor.fail(ChainProblem(seq, "edited", COLUMNS_DETAIL))
        return None
    return parse_event(doc["event"])


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


def read_log(
    proj: Project, *, since: int = 0, change_id: str | None = None, limit: int | None = None
) -> list[EventRecord]:
    """Events in order, optionally after a sequence number or for one change."""
    if change_id is not None:
        change_id = normalise_change_id(change_id)
    if not 0 <= since <= MAX_SEQ or (limit is not None and not 1 <= limit <= MAX_SEQ):
        raise UsageError(
            f"--since {clip(since)} / --limit {clip(limit)}: out of range",
            hint=f"give sequence numbers from 0 and limits from 1, up to {MAX_SEQ}",
        )
    out: list[EventRecord] = []
    for record in _records(proj, since=since, change_id=change_id):
        out.append(record)
        if limit is not None and len(out) >= limit:
            break
    return out


def trace_change(proj: Project, change_id: str) -> list[EventRecord]:
    """Every event of one change, in order (exit 3 if the change is unknown)."""
    records = read_log(proj, change_id=normalise_change_id(change_id))
    if not records:
        raise NotFoundError(
            f"no change {change_id}", hint="`hischange change list` shows the changes"
        )
    return records
