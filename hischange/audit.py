"""Audit: verify the chain and the projections, read the log, trace one change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from hischange.errors import NotFoundError
from hischange.events import EventRecord, parse_event
from hischange.ledger import canonical, verify_chain
from hischange.project import Project
from hischange.projection import MemoryView, project
from hischange.store import AppendedEvent
from hischange.store.store import change_row

__all__ = ["Problem", "VerifyReport", "read_log", "trace_change", "verify_store"]


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
    checked: tuple[Literal["chain", "head", "replay", "expected_head"], ...]


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


def verify_store(proj: Project, *, expect_head: str | None = None) -> VerifyReport:
    """Recompute the chain from the first event, replay every event into fresh projections,
    and compare them with the stored ones. Names the first bad sequence and the damage."""
    store = proj.store
    rows = list(store.stored_events())
    problems = [Problem(seq=p.seq, damage=p.damage, detail=p.detail) for p in verify_chain(rows)]
    head_seq, head_hash = store.head()
    last_seq, last_hash = (rows[-1].seq, rows[-1].hash) if rows else (0, head_hash)
    problems.extend(_check_head(last_seq, last_hash, head_seq, head_hash))
    checked: list[Literal["chain", "head", "replay", "expected_head"]] = ["chain", "head"]
    if not problems:
        problems.extend(_replay(proj, rows))
        checked.append("replay")
    if expect_head:
        checked.append("expected_head")
        problems.extend(_check_expected(rows, expect_head))
    return VerifyReport(
        ok=not problems,
        events=len(rows),
        head_seq=last_seq,
        head_hash=last_hash,
        problems=tuple(problems),
        checked=tuple(checked),
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


def _check_expected(rows: list, expect: str) -> list[Problem]:  # type: ignore[type-arg]
    seq_text, _, digest = expect.partition(":")
    by_seq = {r.seq: r.hash for r in rows}
    try:
        seq = int(seq_text)
    except ValueError:
        return [Problem(seq=0, damage="head", detail=f"--expect-head {expect!r} is not SEQ:HASH")]
    if by_seq.get(seq) != digest:
        return [
            Problem(
                seq=seq,
                damage="head",
                detail=f"event {seq} does not have the hash held elsewhere ({digest[:16]}…): "
                "the chain was rewritten",
            )
        ]
    return []


def _replay(proj: Project, rows: list) -> list[Problem]:  # type: ignore[type-arg]
    view = MemoryView()
    for row in rows:
        doc = json.loads(row.body)
        appended = AppendedEvent(
            seq=row.seq,
            at=datetime.fromisoformat(doc["at"]),
            actor=doc["actor"],
            prev_hash=row.prev_hash,
            hash=row.hash,
            event=parse_event(doc["event"]),
        )
        project(view, appended)
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
    out: list[EventRecord] = []
    for record in _records(proj, since=since, change_id=change_id):
        out.append(record)
        if limit is not None and len(out) >= limit:
            break
    return out


def trace_change(proj: Project, change_id: str) -> list[EventRecord]:
    """Every event of one change, in order (exit 3 if the change is unknown)."""
    records = read_log(proj, change_id=change_id.strip().upper())
    if not records:
        raise NotFoundError(
            f"no change {change_id}", hint="`hischange change list` shows the changes"
        )
    return records
