"""``hischange audit …``: verify, log, trace."""

from __future__ import annotations

import click

from hischange.cli.output import BoundedInt, emit, example, format_option, open_project
from hischange.cli.render import event_line, verify_lines
from hischange.errors import IntegrityError


@click.group(epilog=example("hischange audit verify"))
def audit() -> None:
    """The ledger (审计日志): verify it, read it, trace one change end to end."""


@audit.command("verify", epilog=example("hischange audit verify --expect-head 42:7a8d363e…"))
@click.option(
    "--expect-head",
    metavar="SEQ:HASH",
    help="A ledger head kept elsewhere (release record, tag, report); a rewrite is caught.",
)
@format_option()
def verify(expect_head: str | None, fmt: str) -> None:
    """Recompute the hash chain and replay every event.

    Replays every event into fresh projections and compares them with the stored ones.
    Names the first bad sequence number and the damage (edited, deleted, reordered,
    inserted, projection drift). Exit 4 when anything is wrong.
    """
    from hischange.services.audit import verify_store

    report = verify_store(open_project(), expect_head=expect_head)
    emit(fmt, report, verify_lines)
    if not report.ok:
        first = report.problems[0]
        raise IntegrityError(f"ledger verification failed at sequence {first.seq}: {first.damage}")


@audit.command("log", epilog=example("hischange audit log --since 100 --limit 20"))
@click.option(
    "--since", type=BoundedInt(0), default=0, help="Only events after this sequence number."
)
@click.option("--change", "change_id", help="Only events of this change.")
@click.option("--limit", type=BoundedInt(1), help="At most this many events.")
@format_option()
def log(since: int, change_id: str | None, limit: int | None, fmt: str) -> None:
    """Print ledger events in order."""
    from hischange.services.audit import read_log

    records = read_log(open_project(), since=since, change_id=change_id, limit=limit)
    emit(fmt, records, lambda rs: [event_line(r) for r in rs] or ["no events"])


@audit.command("trace", epilog=example("hischange audit trace CR-2026-0001"))
@click.argument("change_id")
@format_option()
def trace(change_id: str, fmt: str) -> None:
    """Every event of one change in order, with actor, time and hash."""
    from hischange.services.audit import trace_change

    records = trace_change(open_project(), change_id)
    focus = change_id.strip().upper()
    emit(fmt, records, lambda rs: [event_line(r, focus) for r in rs])
