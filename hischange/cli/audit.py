"""``hischange audit …``: verify, log, trace."""

from __future__ import annotations

from pathlib import Path

import click

from hischange.cli.output import (
    BoundedInt,
    actor_option,
    emit,
    example,
    format_option,
    open_project,
    resolve_actor,
)
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
def verify(expect_head: str | None, checkpoints: tuple[Path, ...], fmt: str) -> None:
    """Recompute the hash chain and replay every event.

    Replays every event into fresh projections and compares them with the stored ones.
    Names the first bad sequence number and the damage (edited, deleted, reordered,
    inserted, projection drift). Exit 4 when anything is wrong.
    """
    from hischange.services.audit import verify_store

    report = verify_store(open_project(), expect_head=expect_head, checkpoints=checkpoints)
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
