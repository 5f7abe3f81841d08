"""Due-time compliance of changes (时限): when each change was done (verified by the
requester side, 验收) against its due time, so that changes done late are counted, not only
open ones past their due time (``change list --late`` / ``--overdue``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from hischange.project import Project
from hischange.workflow.change import ChangeState

__all__ = ["DONE_STATES", "DueRecord", "done_times", "due_record", "due_records"]

#: A change is done, for its due time, once it reaches one of these (closing follows
#: verification; ``change list --overdue`` has always treated a verified change as done).
DONE_STATES = frozenset({"verified", "closed"})
_DROPPED = frozenset({"rejected", "withdrawn"})

DueStatus = Literal["met", "late", "open", "overdue", "dropped"]


class DueRecord(BaseModel):
    """One change against its due time."""

    model_config = ConfigDict(frozen=True)

    change_id: str
    urgency: str
    due_at: datetime
    #: When it was first verified (or closed); None while it is not done.
    done_at: datetime | None
    #: met / late (done after its due time) / open / overdue (open past its due time) /
    #: dropped (rejected or withdrawn: no due time applies).
    status: DueStatus


def done_times(proj: Project) -> dict[str, datetime]:
    """When each change was first verified or closed, from its ``change_transitioned``
    events (one pass over the ledger, reading only those events' bodies)."""
    found: dict[str, datetime] = {}
    for row in proj.store.stored_events():
        if row.type != "change_transitioned":
            continue
        doc = json.loads(row.body)
        event = doc["event"]
        if event.get("to") in DONE_STATES and event["change_id"] not in found:
            found[event["change_id"]] = datetime.fromisoformat(doc["at"])
    return found


def due_record(item: ChangeState, done_at: datetime | None, now: datetime) -> DueRecord:
    """One change's due-time status as of ``now``."""
    status: DueStatus
    if item.state in _DROPPED:
        status = "dropped"
    elif done_at is not None:
        status = "met" if done_at <= item.due_at else "late"
    else:
        status = "overdue" if item.due_at < now else "open"
    return DueRecord(
        change_id=item.id,
        urgency=item.fields.urgency,
        due_at=item.due_at,
        done_at=done_at,
        status=status,
    )


def due_records(proj: Project, items: Iterable[ChangeState]) -> dict[str, DueRecord]:
    """The due-time status of each of ``items`` as of now (the store's clock)."""
    done = done_times(proj)
    now = proj.store.clock()
    return {c.id: due_record(c, done.get(c.id), now) for c in items}
