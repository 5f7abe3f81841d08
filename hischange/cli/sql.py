"""``hischange sql …``: review SQL (SQL 审核), approve it bound to its content, show status."""

from __future__ import annotations

import json
import os
import sys
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
    from hischange.sqlreview import SqlReview

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
        _no_project_note()
        return None


def _no_project_note() -> None:
    click.echo(
        "note: no hischange project here (.hischange/ not found): reviewed with the "
        "default settings; nothing is recorded",
        err=True,
    )


def _root_obj() -> dict[str, object]:
    obj = click.get_current_context().find_root().obj
    return obj if isinstance(obj, dict) else {}


def _given_project() -> bool:
    """True when the caller handed the command an open project (tests, the library)."""
    return _root_obj().get("project") is not None


def _start_dir() -> Path:
    """Where the project is looked for: ``--project``, else the working directory."""
    return Path(str(_root_obj().get("project_dir") or "."))


@sql.command(
    "review", epilog=example("hischange sql review --range v3.2.0..HEAD --change CR-2026-0002")
)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--range", "rev_range", help="Review the *.sql files this git range adds or changes.")
@click.option("--staged", is_flag=True, help="Review the *.sql files staged for the next commit.")
@click.option(
    "--change",
    "change_id",
    help="Record the review for this change (CR-…); with --range, only the files its commits"
    " modified.",
)
@click.option(
    "--base",
    "base_ref",
    metavar="REF",
    help="Compare files with their version at REF (HC140). Default: before the change's first"
    " commit of the file, else HEAD.",
)
@click.option(
    "--dialect",
    type=click.Choice(DIALECTS),
    help="oracle (also DM 达梦), tsql, mysql, postgres (also KingbaseES 人大金仓).",
)
@click.option(
    "--context",
    "context_lines",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Human output: statement lines shown around a warning or info (errors show all).",
)
@click.option(
    "--color",
    type=click.Choice(("auto", "always", "never")),
    default="auto",
    show_default=True,
    help="Colour the human output; auto: on a terminal unless NO_COLOR is set.",
)
@click.option(
    "--lang",
    type=click.Choice(("zh-CN", "en")),
    default="zh-CN",
    show_default=True,
    help="Language of the HTML review.",
)
@actor_option
@format_option("sarif", "html")
def review(
    files: tuple[Path, ...],
    rev_range: str | None,
    staged: bool,
    change_id: str | None,
    base_ref: str | None,
    dialect: str | None,
    context_lines: int,
    color: str,
    lang: str,
    actor: str | None,
    fmt: str,
) -> None:
    """Review SQL files, the SQL of a range, or the staged SQL.

    A view is compared with a base version for removed columns (HC140): the range's base,
    else --base REF, else the version before the change's first commit of the file, else
    HEAD. Exit 1 when an unsuppressed error finding remains. Reviewing files needs no project
    (default settings outside one); --range, --staged and --change do."""
    from hischange.services import sql as sqlrecord

    if sum((bool(files), bool(rev_range), staged)) > 1:
        raise UsageError("pass files, --range or --staged, only one of them")
    if rev_range and base_ref:
        raise UsageError("--base is for files; a range is compared with its own base")
    if rev_range:
        result = sqlrecord.review_range(open_project(), rev_range, dialect)
    elif staged:
        from hischange.services import sql_base

        settings = sqlrecord.sql_settings(open_project(), dialect)
        result = sql_base.review_staged(open_project(), settings, base_ref)
    elif change_id or base_ref or fmt == "html" or _given_project():
        project = open_project() if change_id else _project_or_none()
        diff = fmt == "html"
        result = sqlrecord.review_files(project, list(files), dialect, base_ref, change_id, diff)
    else:  # the common case (pre-commit, an editor): only [sqlreview] of the config is read
        root = sqlrecord.project_root(_start_dir())
        if root is None:
            _no_project_note()
        result = sqlrecord.review_plain(root, list(files), dialect)
    if change_id:
        mine = sqlrecord.for_change(result, change_id, rev_range)
        sqlrecord.record_review(
            open_project(), resolve_actor(actor), change_id, mine, rev_range or ""
        )
    _render(result, fmt, context_lines, _use_color(color), lang)
    if result.has_errors:
        raise GateFailed("SQL review found unsuppressed error findings", reported=True)


def _use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def _render(result: SqlReview, fmt: str, context_lines: int, color: bool, lang: str) -> None:
    from hischange import __version__
    from hischange.sqlreview import render_human, to_sarif

    if fmt == "sarif":
        click.echo(json.dumps(to_sarif(result, __version__), ensure_ascii=False, indent=2))
    elif fmt == "html":
        from hischange.outputs.sql_html import render_review_html

        click.echo(render_review_html(result, lang=lang, tool_version=__version__), nl=False)
    elif fmt == "human":
        # click strips colour from a non-terminal unless told: --color always means always
        click.echo(render_human(result, context_lines, color), color=color, nl=False)
    else:  # json: written as it is encoded (a 50 MB script has a million statements)
        from hischange.sqlreview import json_chunks

        pending: list[str] = []
        size = 0
        for chunk in json_chunks(result):
            pending.append(chunk)
            size += len(chunk)
            if size >= 1 << 16:
                click.echo("".join(pending), nl=False)
                pending.clear()
                size = 0
        click.echo("".join(pending))


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
    state = get_change(project, change_id)
    result = sqlrecord.sql_status(project, state)
    steps = {p.subject: p for p in sqlrecord.approval_progress(project, state)}

    def needed(path: str) -> str:
        p = steps.get(path)
        if p is None:
            return ""
        done = ", ".join(f"{g}: {who}" for g, who in p.approved.items()) or "nobody yet"
        return f"  多级审批 approved by {done}; still needed: {', '.join(p.missing) or 'none'}"

    emit(
        fmt,
        result,
        lambda r: (
            [
                f"{f.status:<15} {f.path}  errors={f.errors}"
                + (f"  approved by {f.approved_by}" if f.approved_by else "")
                + (f"  accepted risk: {f.accept_risk}" if f.accept_risk else "")
                + needed(f.path)
                for f in r.files
            ]
            or [f"{r.change_id}: no SQL files reviewed"]
        ),
    )
