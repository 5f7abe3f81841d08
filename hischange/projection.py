"""The projector: applies each event to the aggregates it concerns, with ``evolve``.

The same code runs inside ``Store.append`` and in ``audit verify``'s replay, so the stored
projections and a fresh replay can only differ if someone edited the tables. Each domain
module provides the handler for its own events; this table routes events to them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic import BaseModel

from hischange import change
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
from hischange.state import load_change, put_change
from hischange.store import AppendedEvent, ProjectionView

__all__ = ["MemoryView", "handlers", "load_change", "project"]

Handler = Callable[[ProjectionView, AppendedEvent], None]


def _change_event(view: ProjectionView, appended: AppendedEvent) -> None:
    event = appended.event
    state = load_change(view, event.change_id)
    new = change.evolve(state, event, actor=appended.actor, at=appended.at, seq=appended.seq)
    put_change(view, new, appended.seq)


@cache
def handlers() -> dict[type[BaseModel], Handler]:
    """Event type → its handler. Events absent here (command_refused) change no projection.

    Built on first use: the domain modules that own the handlers import the service
    layer, which imports this module.
    """
    from hischange import artifact, custody, deployment, evidence, release, sqlrecord

    return {
        ChangeRegistered: _change_event,
        ChangeEdited: _change_event,
        ChangeSubmitted: _change_event,
        ChangeApproved: _change_event,
        ChangeRejected: _change_event,
        ChangeStarted: _change_event,
        ChangeWithdrawn: _change_event,
        ChangeTransitioned: _change_event,
        CommitsLinked: custody.apply_links,
        SqlReviewed: sqlrecord.apply_sql_event,
        ReleaseCut: release.apply_release_event,
        ArtifactAttached: artifact.apply_artifact_event,
        DeploymentRecorded: deployment.apply_deployment_event,
        RollbackRecorded: deployment.apply_deployment_event,
        ReviewRecorded: deployment.apply_deployment_event,
        SqlApproved: sqlrecord.apply_sql_event,
        EvidenceRecorded: evidence.apply_evidence_event,
    }


def project(view: ProjectionView, appended: AppendedEvent) -> None:
    """Apply one appended event to every aggregate it concerns."""
    handler = handlers().get(type(appended.event))
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
