"""``hischange sql …``: review SQL (SQL 审核), approve it bound to its content, show status."""

from __future__ import annotations

import json
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
)
from hischange.errors import GateFailed, UsageError

if TYPE_CHECKING:
    from hischange.project import Project

DIALECTS = ("oracle", "tsql", "mysql", "postgres")


@click.group(epilog=example("hischange sql review db/2026-11/*.sql"))
def sql() -> None:
    """SQL review (SQL 审核): static review of scripts, never executed; approvals bound to
    each file's SHA-256."""


def _project_or_none() -> Project | None:
    """The project, or None outside one: a plain review records nothing and needs none."""
    from hischange.errors import NotFoundError

    try:
        return open_project()
    except NotFoundError:
        click.echo(
            "note: no hischange project here (.hischange/ not found): reviewed with the "
            "default settings; nothing is recorded",
            err=True,
        )
        return None


@sql.command(
    "review", epilog=example("hischange sql review --range v3.2.0..HEAD --change CR-2026-0002")
)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--range", "rev_range", help="Review the *.sql files this git range adds or changes.")
@click.option("--change", "change_id", help="Record the review for this change (CR-…).")
@click.option(
    "--dialect",
    type=click.Choice(DIALECTS),
    help="oracle (also DM 达梦), tsql, mysql, postgres (also KingbaseES 人大金仓).",
)
@actor_option
@format_option("sarif")
def review(
    files: tuple[Path, ...],
    rev_range: str | None,
    change_id: str | None,
    dialect: str | None,
    actor: str | None,
    fmt: str,
) -> None:
    """Review SQL files, or the SQL of a range.

    A view is compared with the range's base for removed columns (HC140). Exit 1 when an
    unsuppressed error finding remains. Reviewing files needs no project (default settings
    outside one); --range and --change do."""
    from hischange import __version__
    from hischange.services import sql as sqlrecord
    from hischange.sqlreview import render_human, to_sarif

    if rev_range and files:
        raise UsageError("pass files or --range, not both")
    if rev_range:
        result = sqlrecord.review_range(open_project(), rev_range, dialect)
    else:
        project = open_project() if change_id else _project_or_none()
        result = sqlrecord.review_paths(project, list(files), dialect)
    if change_id:
        sqlrecord.record_review(
            open_project(), resolve_actor(actor), change_id, result, rev_range or ""
        )
    if fmt == "sarif":
        click.echo(json.dumps(to_sarif(result, __version__), ensure_ascii=False, indent=2))
    else:
        emit(fmt, result, render_human)
    if result.has_errors:
        raise GateFailed("SQL review found unsuppressed error findings", reported=True)


@sql.command(
    "approve",
    epilog=example(
        "hischange sql approve CR-2026-0002 db/2026-11/0002_report.sql --as dba@hospital"
    ),
)
@click.argument("change_id")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--accept-risk",
    default="",
    metavar="REASON",
    help="Required to approve a file with error findings; recorded.",
)
@actor_option
@format_option()
def approve(change_id: str, file: Path, accept_risk: str, actor: str | None, fmt: str) -> None:
    """Approve one reviewed SQL file at its current SHA-256.

    Approvers only, and not an author of the file's commits. A later edit makes the
    approval stale."""
    from hischange.services import sql as sqlrecord

    project = open_project()
    state = sqlrecord.approve_sql(project, resolve_actor(actor), change_id, file, accept_risk)
    emit(fmt, state, lambda s: f"approved {file} for {s.id}")


@sql.command("status", epilog=example("hischange sql status CR-2026-0002"))
@click.argument("change_id")
@format_option()
def status(change_id: str, fmt: str) -> None:
    """Which SQL files of a change are reviewed, approved, or stale."""
    from hischange.services import sql as sqlrecord
    from hischange.services.changes import get_change

    project = open_project()
    result = sqlrecord.sql_status(project, get_change(project, change_id))
    emit(
        fmt,
        result,
        lambda r: (
            [
                f"{f.status:<15} {f.path}  errors={f.errors}"
                + (f"  approved by {f.approved_by}" if f.approved_by else "")
                + (f"  accepted risk: {f.accept_risk}" if f.accept_risk else "")
                for f in r.files
            ]
            or [f"{r.change_id}: no SQL files reviewed"]
        ),
    )
