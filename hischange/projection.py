"""The projector: applies each event to the aggregates it concerns, with ``evolve``.

The same code runs inside ``Store.append`` and in ``audit verify``'s replay, so the stored
projections and a fresh replay can only differ if someone edited the tables.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from hischange import change
from hischange.events import (
    ChangeApproved,
    ChangeEdited,
    ChangeRegistered,
    ChangeRejected,
    ChangeStarted,
    ChangeSubmitted,
    ChangeTransitioned,
    ChangeWithdrawn,
)
from hischange.store import AppendedEvent, ProjectionView

__all__ = ["MemoryView", "load_change", "project"]

_CHANGE_EVENTS = (
    ChangeRegistered,
    ChangeEdited,
    ChangeSubmitted,
    ChangeApproved,
    ChangeRejected,
    ChangeStarted,
    ChangeWithdrawn,
    ChangeTransitioned,
)


def load_change(view: ProjectionView, change_id: str) -> change.ChangeState | None:
    """A change's state from a projection view."""
    data = view.get("change", change_id)
    if data is None or isinstance(data, change.ChangeState):
        return data
    return change.ChangeState.model_validate(data)


def project(view: ProjectionView, appended: AppendedEvent) -> None:
    """Apply one appended event to every aggregate it concerns."""
    event = appended.event
    if isinstance(event, _CHANGE_EVENTS):
        state = load_change(view, event.change_id)
        new = change.evolve(state, event, actor=appended.actor, at=appended.at, seq=appended.seq)
        view.put("change", event.change_id, new, appended.seq)


class MemoryView:
    """An in-memory projection view, for replaying the ledger from nothing."""

    def __init__(self) -> None:
        self.states: dict[tuple[str, str], Any] = {}
        self.seqs: dict[tuple[str, str], int] = {}

    def get(self, kind: str, key: str) -> Any | None:
        """The replayed state of one aggregate."""
        return self.states.get((kind, key))

    def put(self, kind: str, key: str, state: BaseModel, seq: int) -> None:
        """Record a replayed state."""
        self.states[(kind, key)] = state
        self.seqs[(kind, key)] = seq
