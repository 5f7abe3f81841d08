"""``hischange db``: the store's schema (status, upgrade)."""

from __future__ import annotations

from typing import Any

import click

from hischange.cli.output import emit, example, format_option, open_project


@click.group(epilog=example("hischange db status"))
def db() -> None:
    """The store's database schema: show its revision, upgrade it (Alembic)."""


def _human(status: Any) -> str:
    state = "up to date" if status.up_to_date else f"older than this hischange's {status.latest}"
    moved = ""
    if status.upgraded_from is not None and status.upgraded_from != status.revision:
        moved = f" (upgraded from {status.upgraded_from})"
    return (
        f"store {status.where} ({status.backend})\n"
        f"schema {status.revision or 'none'}{moved}: {state}; ledger head {status.head_seq}"
    )


@db.command(epilog=example("hischange db status --format json"))
@format_option()
def status(fmt: str) -> None:
    """Show the store's schema revision and ledger head, changing nothing."""
    from hischange.config import env_lock_timeout
    from hischange.store.admin import schema_status

    emit(fmt, schema_status(open_project().db_url, env_lock_timeout()), _human)


@db.command(epilog=example("hischange db upgrade"))
@format_option()
def upgrade(fmt: str) -> None:
    """Upgrade the store's schema to this hischange's.

    SQLite or PostgreSQL; on a team store run it as the database owner. A store already up
    to date is left as it is."""
    from hischange.config import env_lock_timeout
    from hischange.store.admin import upgrade_store

    emit(fmt, upgrade_store(open_project().db_url, env_lock_timeout()), _human)
