"""The projector: applies each event to the aggregates it concerns, with ``evolve``.

The same code runs inside ``Store.append`` and in ``audit verify``'s replay, so the stored
projections and a fresh replay can only differ if someone edited the tables. Each domain
module provides the handler for its own events; this table routes events to them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from hischange.events import (
    ArtifactAttached,
    ChangeApproved,
    ChangeEdited,
    ChangeRegistered,
    ChangeRejected,
    ChangeStarted,
    ChangeSubmitted,
    ChangeTransitioned,
    ChangeWithdrawn,
    CommitsLinked,
    DeploymentRecorded,
    EvidenceRecorded,
    ReleaseCut,
    ReviewRecorded,
    RollbackRecorded,
    SqlApproved,
    SqlReviewed,
)
from hischange.store import AppendedEvent, ProjectionView
from hischange.workflow import change
from hischange.workflow.state import load_change, put_change

__all__ = ["MemoryView", "handler_for", "load_change", "project"]

Handler = Callable[[ProjectionView, AppendedEvent], None]


def _change_event(view: ProjectionView, appended: AppendedEvent) -> None:
    event = appended.event
    state = load_change(view, event.change_id)
    new = change.evolve(state, event, actor=appended.actor, at=appended.at, seq=appended.seq)
    put_change(view, new, appended.seq)


#: Handlers in the domain modules that own them, imported on first use: those modules
#: import the service layer, which imports this module, and a command that appends one
#: kind of event (a custody scan: commits_linked) need not load the others (SQL review
#: pulls in sqlparse).
_ELSEWHERE: dict[type[BaseModel], tuple[str, str]] = {
    CommitsLinked: ("services.custody", "apply_links"),
    SqlReviewed: ("services.sql", "apply_sql_event"),
    ReleaseCut: ("services.releases", "apply_release_event"),
    ArtifactAttached: ("services.artifacts", "apply_artifact_event"),
    DeploymentRecorded: ("services.deployments", "apply_deployment_event"),
    RollbackRecorded: ("services.deployments", "apply_deployment_event"),
    ReviewRecorded: ("services.deployments", "apply_deployment_event"),
    SqlApproved: ("services.sql", "apply_sql_event"),
    EvidenceRecorded: ("services.evidence", "apply_evidence_event"),
}
_CHANGE_EVENTS: tuple[type[BaseModel], ...] = (
    ChangeRegistered,
    ChangeEdited,
    ChangeSubmitted,
    ChangeApproved,
    ChangeRejected,
    ChangeStarted,
    ChangeWithdrawn,
    ChangeTransitioned,
)


_RESOLVED: dict[type[BaseModel], Handler | None] = {}


def handler_for(event_type: type[BaseModel]) -> Handler | None:
    """The handler of one event type, or None (command_refused changes no projection)."""
    if event_type in _RESOLVED:
        return _RESOLVED[event_type]
    handler: Handler | None = None
    if event_type in _CHANGE_EVENTS:
        handler = _change_event
    elif event_type in _ELSEWHERE:
        module_name, name = _ELSEWHERE[event_type]
        handler = getattr(importlib.import_module(f"hischange.{module_name}"), name)
    _RESOLVED[event_type] = handler
    return handler


def project(view: ProjectionView, appended: AppendedEvent) -> None:
    """Apply one appended event to every aggregate it concerns."""
    handler = handler_for(type(appended.event))
    if handler is not None:
        handler(view, appended)


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
