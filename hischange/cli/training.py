"""``hischange training …``: training records (培训记录) with their sign-in sheets."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from hischange.cli.output import (
    actor_option,
    emit,
    example,
    format_option,
    open_project,
    resolve_actor,
    site_day,
)

if TYPE_CHECKING:
    from hischange.workflow.training import TrainingState

_KIND = {"group": "集中", "individual": "单人"}


@click.group(
    epilog=example(
        'hischange training record --topic "新版挂号流程" --date 2026-11-12 --trainer 李工 '
        "--attendee 王护士 --attendee 赵护士 --department 门诊部 --kind 集中 --attach 签到表.pdf"
    )
)
def training() -> None:
    """Training records (培训记录): record one, list them over a period."""


@training.command(
    "record",
    epilog=example(
        'hischange training record --topic "新版挂号流程" --date 2026-11-12 --trainer 李工 '
        "--attendee 王护士 --attendee 赵护士 --department 门诊部 --kind 集中 --attach 签到表.pdf"
    ),
)
@click.option("--topic", required=True, help="What was taught (培训内容).")
@click.option("--date", "day", required=True, help="The day it was held (YYYY-MM-DD, site time).")
@click.option("--trainer", required=True, help="Who taught (培训人).")
@click.option("--attendee", "attendees", multiple=True, help="One attendee (参训人员); repeat.")
@click.option("--attendees", "attendee_list", help="Attendees separated by commas (, or ，).")
@click.option("--department", default="", help="The department trained (科室).")
@click.option(
    "--kind",
    type=click.Choice(["集中", "单人", "group", "individual"]),
    default="集中",
    show_default=True,
    help="集中 (group) or 单人 (one person).",
)
@click.option("--hours", default="", help="How long, in hours (e.g. 1.5).")
@click.option(
    "--attach",
    "attachments",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A file kept with the record (签到表, slides); repeat.",
)
@actor_option
@format_option()
def record(
    topic: str,
    day: str,
    trainer: str,
    attendees: tuple[str, ...],
    attendee_list: str | None,
    department: str,
    kind: str,
    hours: str,
    attachments: tuple[Path, ...],
    actor: str | None,
    fmt: str,
) -> None:
    """Record a training held (培训记录).

    Its sign-in sheet (签到表) and other files are kept under their SHA-256 in the
    attachment store."""
    from hischange.services.trainings import record_training

    people = tuple(attendees) + tuple(
        (attendee_list or "").replace("，", ",").split(",") if attendee_list else ()
    )
    held = site_day(day, "--date")
    assert held is not None
    state = record_training(
        open_project(),
        resolve_actor(actor),
        topic=topic,
        day=held,
        trainer=trainer,
        attendees=people,
        department=department,
        kind=kind,
        hours=hours,
        attachments=attachments,
    )
    emit(
        fmt,
        state,
        lambda t: (
            f"recorded {t.id} (培训记录): {t.topic}, {t.day}, {len(t.attendees)} attendee(s), "
            f"{len(t.attachments)} attachment(s)"
        ),
    )


@training.command(
    "list", epilog=example("hischange training list --since 2026-11-01 --until 2026-11-30")
)
@click.option("--since", help="Held on or after this day (YYYY-MM-DD).")
@click.option("--until", help="Held on or before this day (YYYY-MM-DD).")
@format_option()
def list_(since: str | None, until: str | None, fmt: str) -> None:
    """Trainings held over a period.

    With kind, department, trainer, attendees and attachments."""
    from hischange.services.trainings import list_trainings

    items = list_trainings(
        open_project(), since=site_day(since, "--since"), until=site_day(until, "--until")
    )
    emit(fmt, items, _lines)


def _lines(items: list[TrainingState]) -> list[str]:
    from hischange.cli.render import table

    if not items:
        return ["no trainings recorded in the period (training record adds one)"]
    rows = [
        (
            t.id,
            t.day.isoformat(),
            _KIND[t.kind],
            t.department or "-",
            t.trainer,
            str(len(t.attendees)),
            str(len(t.attachments)),
            t.topic,
        )
        for t in items
    ]
    head = (
        "ID",
        "date 日期",
        "kind 形式",
        "dept 科室",
        "trainer 培训人",
        "attendees",
        "files",
        "topic 内容",
    )
    return [*table(head, rows), f"{len(items)} training(s)"]
