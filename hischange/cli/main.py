"""The ``hischange`` command: a lazy group, global options, and the one place errors
become exit codes. Subcommand modules are imported only when used, so ``--help`` is fast."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from hischange import __version__
from hischange.errors import HischangeError

__all__ = ["cli", "main"]

#: name → (module, attribute, short help). Short help lives here so that the top-level
#: ``--help`` imports no subcommand module.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("hischange.cli.init", "init", "Create .hischange/ with a config and an empty store."),
    "change": ("hischange.cli.change", "change", "Register, approve and move changes (变更)."),
    "audit": (
        "hischange.cli.audit",
        "audit",
        "Verify the ledger (审计日志), read it, trace a change.",
    ),
    "sql": ("hischange.cli.sql", "sql", "Review SQL (SQL 审核) and approve it bound to content."),
    "evidence": (
        "hischange.cli.evidence",
        "evidence",
        "Test evidence (测试记录) bound to commits.",
    ),
    "custody": (
        "hischange.cli.custody",
        "custody",
        "Link commits to changes and gate ranges (程序保管).",
    ),
    "hook": ("hischange.cli.custody", "hook", "Install or run the commit-msg hook."),
    "release": ("hischange.cli.release", "release", "Cut releases (版本), notes, artifacts."),
    "artifact": ("hischange.cli.release", "artifact", "Check a delivered file (制品) by SHA-256."),
    "deploy": ("hischange.cli.release", "deploy", "Record deployments (部署) and rollbacks."),
    "db": ("hischange.cli.db", "db", "The store's schema: status, upgrade (Alembic)."),
}


class Failure(click.ClickException):
    """A HischangeError on its way out: its exit code, its message and hint on stderr."""

    def __init__(self, error: HischangeError) -> None:
        super().__init__(error.message)
        self.error = error
        self.exit_code = error.exit_code  # type: ignore[misc]

    def show(self, file: Any = None) -> None:
        click.echo(f"error [{self.error.code}]: {self.error.message}", err=True)
        if self.error.hint:
            click.echo(f"  hint: {self.error.hint}", err=True)


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use; the one place where
    hischange errors become exit codes (DESIGN.md: 0 ok … 6 configuration or store)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HischangeError as exc:
            raise Failure(exc) from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module = importlib.import_module(spec[0])
        command: click.Command = getattr(module, spec[1])
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hischange")
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=str),
    envvar="HISCHANGE_PROJECT",
    help="Project folder (default: the nearest folder with .hischange/ at or above here).",
)
@click.pass_context
def cli(ctx: click.Context, project_dir: str | None) -> None:
    """hischange: the auditable record of every change to a hospital information system.

    Request and approval (审批), commits (程序保管), SQL review (SQL 审核), test evidence
    (测试记录), release (版本) and deployment (部署), on a hash-chained ledger (审计日志).
    """
    ctx.ensure_object(dict)
    ctx.obj["project_dir"] = project_dir


def main() -> None:
    """Console entry point."""
    cli.main(sys.argv[1:], prog_name="hischange")
