"""``hischange audit …``: verify, log, trace.

The auditor's commands open the store read-only (``open_reader``): an auditor's copy on a
read-only medium verifies, and a writer's lock never stops them. ``--db`` (or
``HISCHANGE_DB_URL``) reads a store without a project folder.
"""

from __future__ import annotations

from pathlib import Path

import click

from hischange.cli.output import (
    BoundedInt,
    actor_option,
    db_option,
    emit,
    emit_stream,
    example,
    format_option,
    open_project,
    open_reader,
    resolve_actor,
)
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
@db_option
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Verify an assessor bundle (.zip from `audit export`) instead: no project needed.",
)
@click.option(
    "--checkpoint",
    "checkpoints",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="A checkpoint file (`audit checkpoint`); repeat for several. The ledger must still "
    "hold each one's head at its sequence. Release tags count as checkpoints too.",
)
@format_option()
def verify(
    expect_head: str | None,
    db_url: str | None,
    bundle: Path | None,
    checkpoints: tuple[Path, ...],
    fmt: str,
) -> None:
    """Recompute the hash chain and replay every event.

    Replays every event into fresh projections and compares them with the stored ones,
    and rebuilds the derived tables (which event concerns which change) from the hashed
    events. Names the first bad sequence number and the damage (edited, deleted,
    reordered, inserted, projection drift, derived). Exit 4 when anything is wrong; the
    head is printed only when the ledger verifies. Opens the store read-only.
    """
    if bundle is not None:
        _verify_bundle(bundle, fmt)
        return
    from hischange.services.audit import verify_store

    report = verify_store(open_reader(db_url), expect_head=expect_head, checkpoints=checkpoints)
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
@db_option
@format_option()
def log(since: int, change_id: str | None, limit: int | None, db_url: str | None, fmt: str) -> None:
    """Print ledger events in order, each one's hash checked.

    Streams: memory stays flat however long the ledger is. Damage met on the way ends
    the listing with exit 4 and the sequence number. Opens the store read-only.
    """
    from hischange.services.audit import iter_log

    records = iter_log(open_reader(db_url), since=since, change_id=change_id, limit=limit)
    emit_stream(fmt, records, event_line, empty="no events")


@audit.command("trace", epilog=example("hischange audit trace CR-2026-0001"))
@click.argument("change_id")
@db_option
@format_option()
def trace(change_id: str, db_url: str | None, fmt: str) -> None:
    """Every event of one change in order, with actor, time and hash.

    Found from the hashed events themselves (never from a derived index), each one's hash
    checked as it is read. Opens the store read-only.
    """
    from hischange.services.audit import iter_trace

    records = iter_trace(open_reader(db_url), change_id)
    focus = change_id.strip().upper()
    emit_stream(fmt, records, lambda r: event_line(r, focus))


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


@audit.command(
    "checkpoint",
    epilog=example("hischange audit checkpoint --as reviewer@hospital --out 2026-11.checkpoint"),
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the checkpoint file (default: checkpoint-SEQ.json here).",
)
@actor_option
@format_option()
def checkpoint(out: Path | None, actor: str | None, fmt: str) -> None:
    """Sign the ledger head into a checkpoint file.

    Signs the head (sequence, hash, time) as a registered person and writes it to a file.

    The signer is a registered person of a signed project (their key signs); the checkpoint
    is recorded as an event too. Keep the file outside the vendor's reach: `audit verify
    --checkpoint FILE` later proves the ledger still holds that head."""
    import json

    from hischange.errors import StoreError
    from hischange.services.trust import make_checkpoint

    proj = open_project()
    point = make_checkpoint(proj, resolve_actor(actor))
    target = out or Path(f"checkpoint-{point.seq}.json")
    try:
        target.write_text(json.dumps(point.model_dump(), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot write the checkpoint {target}: {exc.strerror}") from exc
    result = {"file": str(target), **point.model_dump(exclude={"signature", "key"})}
    emit(
        fmt,
        result,
        lambda r: f"checkpoint {r['seq']}:{r['head_hash']} signed by {r['signer']} -> {r['file']}",
    )
