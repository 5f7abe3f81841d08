"""The rules of training records (培训记录), pure: what a record needs (a topic, a trainer,
attendees; one attendee for a one-person training), and its projection."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from hischange.errors import UsageError
from hischange.events import AnyEvent, TrainingRecorded
from hischange.ledger import AppendedEvent, ProjectionView

__all__ = ["TRAINING_KINDS", "TrainingState", "apply_training_event", "decide_training"]

#: The kinds of training as the CLI takes them: 集中 (group) and 单人 (one person).
TRAINING_KINDS: dict[str, Literal["group", "individual"]] = {
    "group": "group",
    "集中": "group",
    "individual": "individual",
    "单人": "individual",
}


class TrainingState(BaseModel):
    """One training as recorded."""

    model_config = ConfigDict(frozen=True)

    id: str
    topic: str
    day: date
    trainer: str
    attendees: tuple[str, ...]
    department: str = ""
    kind: Literal["group", "individual"]
    hours: str = ""
    attachments: tuple[dict[str, Any], ...] = ()
    recorded_by: str
    recorded_at: datetime


def decide_training(
    training_id: str,
    *,
    topic: str,
    day: date,
    today: date,
    trainer: str,
    attendees: tuple[str, ...],
    department: str,
    kind: str,
    hours: str,
    attachments: tuple[dict[str, Any], ...],
) -> list[AnyEvent]:
    """A training record: topic, trainer and attendees given; held no later than today."""
    for name, value in (("--topic", topic), ("--trainer", trainer)):
        if not value.strip():
            raise UsageError(f"a training record needs {name}", hint=f"pass {name} TEXT")
    people = tuple(dict.fromkeys(a.strip() for a in attendees if a.strip()))
    if not people:
        raise UsageError(
            "a training record needs its attendees (参训人员)",
            hint="pass --attendee NAME for each person (or --attendees 'A,B,C')",
        )
    which = TRAINING_KINDS.get(kind.strip())
    if which is None:
        raise UsageError(
            f"unknown training kind {kind!r}", hint="use 集中 (group) or 单人 (individual)"
        )
    if which == "individual" and len(people) != 1:
        raise UsageError(
            f"a one-person training (单人) has one attendee, not {len(people)}",
            hint="record a group training (--kind 集中) for several people",
        )
    if day > today:
        raise UsageError(
            f"--date {day.isoformat()} is in the future (today is {today.isoformat()})",
            hint="record a training once it was held",
        )
    if hours.strip():
        try:
            amount = float(hours)
        except ValueError:
            amount = -1.0
        if not 0 < amount <= 24:
            raise UsageError(f"--hours {hours!r} is not a number of hours from 0 to 24")
    return [
        TrainingRecorded(
            training_id=training_id, topic=topic.strip(), day=day, trainer=trainer.strip(),
            attendees=people, department=department.strip(), kind=which, hours=hours.strip(),
            attachments=attachments,
        )
    ]  # fmt: skip


def apply_training_event(view: ProjectionView, appended: AppendedEvent) -> None:
    """Projection: the training's record."""
    event = appended.event
    assert isinstance(event, TrainingRecorded)
    state = TrainingState(
        id=event.training_id, topic=event.topic, day=event.day, trainer=event.trainer,
        attendees=event.attendees, department=event.department, kind=event.kind,
        hours=event.hours, attachments=event.attachments, recorded_by=appended.actor,
        recorded_at=appended.at,
    )  # fmt: skip
    view.put("training", event.training_id, state, appended.seq)
