"""Every event type (pydantic, discriminated on ``type``) and the envelope.

Events are facts. They hold no floats (decimals are strings) so that their canonical
bytes are unambiguous. A new event type is added here and handled in ``projection.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

__all__ = [
    "AnyEvent",
    "ChangeApproved",
    "ChangeEdited",
    "ChangeFields",
    "ChangeRegistered",
    "ChangeRejected",
    "ChangeStarted",
    "ChangeSubmitted",
    "ChangeTransitioned",
    "ChangeWithdrawn",
    "CommandRefused",
    "EventRecord",
    "parse_event",
]

Kind = Literal["customization", "interface", "report", "view_interface", "bugfix", "security"]
Urgency = Literal["emergency", "high", "normal", "low"]
Billing = Literal["covered", "free_interface", "negotiated"]
Risk = Literal["low", "medium", "high"]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChangeFields(BaseModel):
    """What a requester asks for; the approval fingerprint covers exactly these fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind
    title: str = Field(min_length=1, max_length=500)
    description: str = ""
    system: str = ""
    module: str = ""
    requester_dept: str = ""
    requester_person: str = ""
    urgency: Urgency = "normal"
    billing: Billing = "covered"
    #: Person-days as a decimal string (e.g. "3.5"); required for negotiated changes.
    effort_days: str | None = None
    third_party: str = ""
    risk: Risk = "medium"
    rollback_plan: str = ""
    emergency: bool = False
    breaking: bool = False


class ChangeRegistered(_Event):
    type: Literal["change_registered"] = "change_registered"
    change_id: str
    fields: ChangeFields
    due_at: datetime


class ChangeEdited(_Event):
    type: Literal["change_edited"] = "change_edited"
    change_id: str
    fields: ChangeFields
    #: Names of the fields that differ from the previous version.
    changed: tuple[str, ...]
    reason: str = ""


class ChangeSubmitted(_Event):
    type: Literal["change_submitted"] = "change_submitted"
    change_id: str


class ChangeApproved(_Event):
    type: Literal["change_approved"] = "change_approved"
    change_id: str
    #: SHA-256 of the canonical ChangeFields that were approved.
    fingerprint: str
    comment: str = ""
    #: An emergency change approved after it was implemented.
    retroactive: bool = False


class ChangeRejected(_Event):
    type: Literal["change_rejected"] = "change_rejected"
    change_id: str
    reason: str


class ChangeStarted(_Event):
    type: Literal["change_started"] = "change_started"
    change_id: str
    #: True when an emergency change starts before approval.
    unapproved_emergency: bool = False


class ChangeWithdrawn(_Event):
    type: Literal["change_withdrawn"] = "change_withdrawn"
    change_id: str
    reason: str


class ChangeTransitioned(_Event):
    """A state move driven by a later stage (ready, released, deployed, verified, closed)."""

    type: Literal["change_transitioned"] = "change_transitioned"
    change_id: str
    to: str
    reason: str = ""
    ref: str = ""


class CommandRefused(_Event):
    """A refused attempt, kept because 等保 wants failed attempts audited too."""

    type: Literal["command_refused"] = "command_refused"
    command: str
    change_id: str | None = None
    target: str = ""
    rule: str
    reason: str


AnyEvent = Annotated[
    ChangeRegistered
    | ChangeEdited
    | ChangeSubmitted
    | ChangeApproved
    | ChangeRejected
    | ChangeStarted
    | ChangeWithdrawn
    | ChangeTransitioned
    | CommandRefused,
    Field(discriminator="type"),
]

_EVENT_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)  # type: ignore[arg-type]


def parse_event(data: dict[str, Any]) -> AnyEvent:
    """Validate a plain dict (as stored) into its event model."""
    return _EVENT_ADAPTER.validate_python(data)


class EventRecord(BaseModel):
    """An event as stored: the envelope (sequence, time, actor, chain) around the event."""

    model_config = ConfigDict(frozen=True)

    seq: int
    at: datetime
    actor: str
    algorithm: str
    prev_hash: str
    hash: str
    event: AnyEvent

    @property
    def change_id(self) -> str | None:
        """The change this event is about, if any."""
        return getattr(self.event, "change_id", None)
