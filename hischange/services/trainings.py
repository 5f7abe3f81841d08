"""Training records (培训记录): a training held for the hospital's staff, with its sign-in
sheet and other files kept in the content-addressed attachment store (as on-site tests'
screenshots are), and the trainings held over a period."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from hischange.errors import NotFoundError, UsageError
from hischange.events import AnyEvent
from hischange.files import refuse_non_file
from hischange.ids import TRAINING_ID, next_yearly_id, normalise_id
from hischange.project import Project
from hischange.services.onsite import ATTACHMENTS_DIR
from hischange.testing import MAX_ATTACHMENT_BYTES_KEY, store_attachment
from hischange.workflow.projector import project
from hischange.workflow.state import parse_state
from hischange.workflow.training import TrainingState, decide_training

__all__ = ["get_training", "list_trainings", "normalise_training_id", "record_training"]


def normalise_training_id(text: str) -> str:
    """A training id in its written form (``TR-2026-0001``); a usage error otherwise."""
    return normalise_id(text, TRAINING_ID, "a training id", "TR-2026-0001")


def _check_files(paths: tuple[Path, ...], max_bytes: int) -> None:
    """Refuse a missing or oversize attachment before any file is copied."""
    for path in paths:
        if not refuse_non_file(path, "attachment"):
            raise NotFoundError(f"attachment not found: {path}", hint="check the path")
        size = path.stat().st_size
        if size > max_bytes:
            raise UsageError(
                f"attachment {path.name!r} is {size} bytes, over the limit of {max_bytes} bytes",
                hint=f"attach a smaller file or raise {MAX_ATTACHMENT_BYTES_KEY} in the config",
            )


def record_training(
    proj: Project,
    actor: str,
    *,
    topic: str,
    day: date,
    trainer: str,
    attendees: tuple[str, ...],
    kind: str,
    department: str = "",
    hours: str = "",
    attachments: tuple[Path, ...] = (),
) -> TrainingState:
    """Record a training (培训记录); ``kind`` is 集中/group or 单人/individual. The files are
    checked first, then copied under their SHA-256, then the event is appended."""
    today = proj.store.clock().astimezone(proj.config.site.zone).date()
    max_bytes = proj.config.evidence.max_attachment_bytes

    def decide(training_id: str, files: tuple[dict[str, Any], ...]) -> list[AnyEvent]:
        return decide_training(
            training_id, topic=topic, day=day, today=today, trainer=trainer,
            attendees=attendees, department=department, kind=kind, hours=hours,
            attachments=files,
        )  # fmt: skip

    decide("TR-0000-0000", ())  # every rule checked before a file is copied
    _check_files(attachments, max_bytes)
    target = proj.state_dir / ATTACHMENTS_DIR
    stored = tuple(
        store_attachment(p, target, max_bytes=max_bytes).model_dump(mode="json")
        for p in attachments
    )
    with proj.store.write(project) as tx:
        year = tx.now.year
        training_id = next_yearly_id(TRAINING_ID, "TR", year, tx.keys("training", f"TR-{year}-"))
        tx.append(actor, decide(training_id, stored))
    return get_training(proj, training_id)


def get_training(proj: Project, training_id: str) -> TrainingState:
    """One training record (exit 3 if unknown)."""
    ident = normalise_training_id(training_id)
    data = proj.store.aggregate("training", ident)
    if data is None:
        raise NotFoundError(
            f"no training {training_id}", hint="`hischange training list` shows the trainings"
        )
    return parse_state(TrainingState, data, "training", ident)


def list_trainings(
    proj: Project, *, since: date | None = None, until: date | None = None
) -> list[TrainingState]:
    """The trainings held from ``since`` to ``until`` (days, both included; None:
    unbounded), by day."""
    found = [
        parse_state(TrainingState, data, "training", str(data.get("id", "?")))
        for data in proj.store.aggregates_of("training")
    ]
    return sorted(
        (
            t
            for t in found
            if (since is None or t.day >= since) and (until is None or t.day <= until)
        ),
        key=lambda t: (t.day, t.id),
    )
