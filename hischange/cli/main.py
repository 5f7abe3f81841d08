"""The ``hischange`` command: a lazy group, global options, and the one place errors
become exit codes. Subcommand modules are imported only when used, so ``--help`` is fast."""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

import click

from hischange import __version__
from hischange.cli.output import example
from hischange.errors import GateFailed, HischangeError, StoreError, UsageError, clip, visible

__all__ = ["cli", "main"]


def _load(name: str) -> click.Command:
    """Import one subcommand's module (an ordinary import, visible to the import contracts)."""
    if name == "init":
        from hischange.cli.init import init

        return init
    if name == "change":
        from hischange.cli.change import change

        return change
    if name == "audit":
        from hischange.cli.audit import audit

        return audit
    if name == "sql":
        from hischange.cli.sql import sql

        return sql
    if name == "evidence":
        from hischange.cli.evidence import evidence

        return evidence
    if name in ("custody", "hook"):
        from hischange.cli import custody

        return custody.custody if name == "custody" else custody.hook
    if name == "db":
        from hischange.cli.db import db

        return db
    if name == "fault":
        from hischange.cli.fault import fault

        return fault
    if name == "training":
        from hischange.cli.training import training

        return training
    if name == "deploy":
        from hischange.cli.deploy import deploy

        return deploy
    if name == "report":
        from hischange.cli.report import report

        return report
    if name == "people":
        from hischange.cli.people import people

        return people
    if name == "serve":
        from hischange.cli.serve import serve

        return serve
    from hischange.cli import release

    return release.release if name == "release" else release.artifact


#: name → short help. ``_load`` imports a subcommand's module on first use; the short help
#: lives here so that the top-level ``--help`` imports no subcommand module.
COMMANDS: dict[str, str] = {
    "init": "Create .hischange/ with a config and an empty store.",
    "change": "Register, approve and move changes (变更).",
    "audit": "Verify the ledger (审计日志), read it, trace a change.",
    "sql": "Review SQL (SQL 审核) and approve it bound to content.",
    "evidence": "Test evidence (测试记录) bound to commits.",
    "custody": "Link commits to changes and gate ranges (程序保管).",
    "hook": "Install or run the commit-msg hook.",
    "release": "Cut releases (版本), notes, artifacts.",
    "artifact": "Check a delivered file (制品) by SHA-256.",
    "deploy": "Record deployments (部署) and rollbacks.",
    "db": "The store's schema: status, upgrade (Alembic).",
    "fault": "The fault register (故障登记) and response times.",
    "training": "Training records (培训记录) with sign-in sheets.",
    "report": "Monthly and half-year reports (巡检报告, 考核), signed.",
    "people": "Register people, their roles and keys (信任根).",
    "serve": "Serve the web review page (审批页面) for reviewers.",
}


#: The longest error line printed: an offending value is never echoed back whole.
MAX_MESSAGE_CHARS = 1000
_DISK_FULL = ("disk is full", "no space left", "disk full", "disk quota exceeded")


def _cut(text: str) -> str:
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    return f"{text[:MAX_MESSAGE_CHARS]}… ({len(text) - MAX_MESSAGE_CHARS} more characters cut)"


class Failure(click.ClickException):
    """A HischangeError on its way out: its exit code, its message and hint on stderr."""

    def __init__(self, error: HischangeError) -> None:
        super().__init__(error.message)
        self.error = error
        self.exit_code = error.exit_code  # type: ignore[misc]

    def show(self, file: Any = None) -> None:
        if isinstance(self.error, GateFailed) and self.error.reported:
            return  # the report printed above is the message; the exit code says the rest
        hint = self.error.hint
        if any(words in self.error.message.lower() for words in _DISK_FULL):
            hint = (
                "the disk is full (磁盘已满): free space on it and run the command again; "
                "nothing was recorded"
            )
        message = visible(_cut(self.error.message), keep_newlines=True)
        click.echo(f"error [{self.error.code}]: {message}", err=True)
        if hint:
            click.echo(f"  hint: {visible(_cut(hint), keep_newlines=True)}", err=True)


def _not_utf8(args: list[str]) -> UsageError | None:
    """An argument with bytes that are not UTF-8 (Python hands them over as lone surrogates)
    is refused, unless it names an existing file (a file name may be in another encoding)."""
    for position, arg in enumerate(args, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            if os.path.lexists(arg):
                continue
            shown = arg.encode("utf-8", "surrogateescape")
            return UsageError(
                f"argument {position} ({clip(shown)}) is not valid UTF-8 text",
                hint="pass text as UTF-8: check the terminal's encoding (e.g. LANG=C.UTF-8)",
            )
    return None


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use; the one place where
    hischange errors become exit codes (docs/architecture.md: 0 ok … 6 configuration or store)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        problem = _not_utf8(args)
        if problem is not None:
            raise Failure(problem)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HischangeError as exc:
            raise Failure(exc) from exc
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            where = f" ({clip(exc.filename)})" if exc.filename else ""
            raise Failure(StoreError(f"no space left on the disk{where}")) from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return _load(cmd_name) if cmd_name in COMMANDS else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=example(
        "hischange change new --kind report --title 门诊日报 --system 门诊 --requester 门诊部"
    ),
)
@click.version_option(__version__, prog_name="hischange")
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=str),
    envvar="HISCHANGE_PROJECT",
    help="Project folder (default: the nearest folder with .hischange/ at or above here).",
)
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False, path_type=str),
    envvar="HISCHANGE_SIGNING_KEY",
    help="SSH key that signs this act (private key file, or the .pub of a key in "
    "ssh-agent). Default: $HISCHANGE_SIGNING_KEY, else ssh-agent's key registered to you.",
)
@click.pass_context
def cli(ctx: click.Context, project_dir: str | None, key_file: str | None) -> None:
    """hischange: the auditable record of every change to a hospital information system.

    Request and approval (审批), commits (程序保管), SQL review (SQL 审核), test evidence
    (测试记录), release (版本) and deployment (部署), on a hash-chained ledger (审计日志).
    """
    ctx.ensure_object(dict)
    ctx.obj["project_dir"] = project_dir
    ctx.obj["key_file"] = key_file


def main() -> None:
    """Console entry point."""
    cli.main(sys.argv[1:], prog_name="hischange")
