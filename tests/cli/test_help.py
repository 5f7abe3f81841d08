"""Every CLI command has help text and an entry in docs/cli.md."""

from __future__ import annotations

from pathlib import Path

import click

from hischange.cli.main import COMMANDS, cli

DOCS = Path(__file__).parents[2] / "docs" / "cli.md"


def _walk(group: click.Group, ctx: click.Context, prefix: str) -> list[tuple[str, click.Command]]:
    out = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        full = f"{prefix} {name}".strip()
        out.append((full, command))
        if isinstance(command, click.Group):
            out.extend(_walk(command, ctx, full))
    return out


def test_every_command_has_help_and_docs() -> None:
    """Each command and subcommand has help text and a `### hischange …` heading in docs/cli.md."""
    ctx = click.Context(cli)
    docs = DOCS.read_text(encoding="utf-8")
    commands = _walk(cli, ctx, "")
    assert len(commands) >= len(COMMANDS)
    for name, command in commands:
        assert (command.help or "").strip(), f"{name} has no help"
        assert f"### hischange {name}\n" in docs, f"docs/cli.md lacks '### hischange {name}'"


def test_every_read_command_offers_json() -> None:
    """list/show/verify/log/trace-style commands accept --format json."""
    ctx = click.Context(cli)
    readers = [
        (n, c)
        for n, c in _walk(cli, ctx, "")
        if n.split()[-1] in {"list", "show", "verify", "log", "trace", "status"}
    ]
    assert readers
    for name, command in readers:
        options = {o for p in command.params for o in getattr(p, "opts", [])}
        assert "--format" in options, name
