"""``hischange audit …``: verify, log, trace."""

from __future__ import annotations

from pathlib import Path

import click

from hischange.cli.output import BoundedInt, emit, example, format_option, open_project
from hischange.cli.render import bundle_lines, event_line, verify_lines
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
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Verify an assessor bundle (.zip from `audit export`) instead: no project needed.",
)
@format_option()
def verify(expect_head: str | None, bundle: Path | None, fmt: str) -> None:
    """Recompute the hash chain and replay every event.

    Replays every event into fresh projections and compares them with the stored ones.
    Names the first bad sequence number and the damage (edited, deleted, reordered,
    inserted, projection drift). Exit 4 when anything is wrong.
    """
    if bundle is not None:
        _verify_bundle(bundle, fmt)
        return
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


def _verify_bundle(bundle: Path, fmt: str) -> None:
    from hischange.services.bundle import verify_bundle

    report = verify_bundle(bundle)
    emit(fmt, report, bundle_lines)
    if not report.ok:
        first = report.problems[0]
        raise IntegrityError(f"bundle verification failed at {first.place}: {first.damage}")


@audit.command(
    "export", epilog=example("hischange audit export --bundle 2026H2.zip --since 2026-07-01")
)
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The .zip to write (replaced whole, never half-written).",
)
@click.option("--since", metavar="YYYY-MM-DD", help="First day of the period (site time).")
@click.option("--until", metavar="YYYY-MM-DD", help="Last day of the period (site time).")
@format_option()
def export(bundle: Path, since: str | None, until: str | None, fmt: str) -> None:
    """Write an assessor bundle (审计包) for offline verification.

    The ledger goes in from its first event (a chain is proven from its start) up to
    --until; the period names which months' reports go in. `audit verify --bundle` checks
    it on any machine with hischange installed, without a project or store.
    """
    from hischange.outputs.reports import report_html
    from hischange.services.bundle import export_bundle

    report = export_bundle(
        open_project(),
        bundle,
        since=since,
        until=until,
        render=lambda r: report_html(r).encode("utf-8"),
    )
    emit(fmt, report, bundle_lines)
