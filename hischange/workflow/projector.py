"""The projector: applies each event to the aggregates it concerns, with each aggregate's
``evolve`` (``apply_*``) function.

The same code runs inside ``Store.append`` and in ``audit verify``'s replay, so the stored
projections and a fresh replay can only differ if someone edited the tables. The table below
routes every event type to its handler by ordinary imports: every handler is a pure rule in
``hischange.workflow``, which loads neither git nor sqlparse nor the store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from hischange.events import (
    ApprovalStepRecorded,
    ArtifactAttached,
    ChangeApproved,
    ChangeEdited,
    ChangeRefsEdited,
    ChangeRegistered,
    ChangeRejected,
    ChangeStarted,
    ChangeSubmitted,
    ChangeTransitioned,
    ChangeWithdrawn,
    CommitsLinked,
    CommitsSuperseded,
    DeploymentRecorded,
    EvidenceRecorded,
    FaultReported,
    FaultResolved,
    FaultResponded,
    PersonAdded,
    PersonKeyAdded,
    PersonKeyRotated,
    PersonRevoked,
    ReleaseCut,
    ReleaseImported,
    ReportSigned,
    ReviewRecorded,
    RollbackRecorded,
    SqlApproved,
    SqlReviewed,
    TrainingRecorded,
    TrustRootSet,
)
from hischange.ledger import AppendedEvent, ProjectionView
from hischange.workflow import change
from hischange.workflow.approval import apply_approval_step
from hischange.workflow.custody import apply_links, apply_refs_edited, apply_superseded
from hischange.workflow.deployment import apply_baseline_sites, apply_deployment_event
from hischange.workflow.evidence import apply_evidence_event
from hischange.workflow.fault import apply_fault_event
from hischange.workflow.release import (
    apply_artifact_event,
    apply_import_event,
    apply_release_event,
)
from hischange.workflow.reports import apply_report_signed
from hischange.workflow.signing import apply_trust_event
from hischange.workflow.sql import apply_sql_event
from hischange.workflow.state import load_change, put_change
from hischange.workflow.training import apply_training_event

__all__ = ["HANDLERS", "MemoryView", "handler_for", "load_change", "project"]

Handler = Callable[[ProjectionView, AppendedEvent], None]


def _import_event(view: ProjectionView, appended: AppendedEvent) -> None:
    """A baseline is a release record (with artifacts) and what runs at its sites."""
    apply_import_event(view, appended)
    apply_baseline_sites(view, appended)


def _change_event(view: ProjectionView, appended: AppendedEvent) -> None:
    event = appended.event
    state = load_change(view, event.change_id)
    new = change.evolve(state, event, actor=appended.actor, at=appended.at, seq=appended.seq)
    put_change(view, new, appended.seq)


#: Every event type that changes a projection, and its handler; ``command_refused`` changes
#: none (a test routes every event type of ``hischange.events`` through this table).
HANDLERS: dict[type[BaseModel], Handler] = {
    ChangeRegistered: _change_event,
    ChangeEdited: _change_event,
    ChangeRefsEdited: apply_refs_edited,
    ChangeSubmitted: _change_event,
    ChangeApproved: _change_event,
    ChangeRejected: _change_event,
    ChangeStarted: _change_event,
    ChangeWithdrawn: _change_event,
    ChangeTransitioned: _change_event,
    CommitsLinked: apply_links,
    CommitsSuperseded: apply_superseded,
    SqlReviewed: apply_sql_event,
    SqlApproved: apply_sql_event,
    EvidenceRecorded: apply_evidence_event,
    ReleaseCut: apply_release_event,
    ReleaseImported: _import_event,
    ArtifactAttached: apply_artifact_event,
    DeploymentRecorded: apply_deployment_event,
    RollbackRecorded: apply_deployment_event,
    ReviewRecorded: apply_deployment_event,
    FaultReported: apply_fault_event,
    FaultResponded: apply_fault_event,
    FaultResolved: apply_fault_event,
    TrainingRecorded: apply_training_event,
    ReportSigned: apply_report_signed,
    TrustRootSet: apply_trust_event,
    PersonAdded: apply_trust_event,
    PersonRevoked: apply_trust_event,
    PersonKeyRotated: apply_trust_event,
    PersonKeyAdded: apply_trust_event,
    ApprovalStepRecorded: apply_approval_step,
}


def handler_for(event_type: type[BaseModel]) -> Handler | None:
    """The handler of one event type, or None (command_refused changes no projection)."""
    return HANDLERS.get(event_type)


def project(view: ProjectionView, appended: AppendedEvent) -> None:
    """Apply one appended event to every aggregate it concerns."""
    handler = HANDLERS.get(type(appended.event))
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
