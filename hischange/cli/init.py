"""``hischange init``."""

from __future__ import annotations

from pathlib import Path

import click

from hischange.cli.output import emit, example, format_option


@click.command(epilog=example("hischange init"))
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@format_option()
@click.pass_context
def init(ctx: click.Context, folder: Path | None, fmt: str) -> None:
    """Create .hischange/ with a config and an empty store.

    In FOLDER (default: --project or the current folder). config.toml shows every setting
    with its default, commented out. Running it again changes nothing."""
    from hischange.project import init_project

    root = folder or Path(ctx.find_root().obj.get("project_dir") or ".")
    project, created = init_project(root.resolve(), clock=ctx.find_root().obj.get("clock"))
    result = {"project": str(project.state_dir), "created": created, "store": project.store.where}
    project.close()
    emit(
        fmt,
        result,
        lambda r: (
            f"{'initialised' if r['created'] else 'already initialised'}: {r['project']}\n"
            "next: list approvers under [roles] in .hischange/config.toml"
        ),
    )
