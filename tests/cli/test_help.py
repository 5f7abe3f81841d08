"""Every CLI command has help text and an entry in docs/cli.md."""

from __future__ import annotations

import re
from pathlib import Path

import click
from click.testing import CliRunner

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


def _limit(group: click.Group, ctx: click.Context) -> int:
    """How many characters of a summary `hischange GROUP --help` shows in 80 columns."""
    width = click.HelpFormatter(width=80).width
    return width - 6 - max(len(name) for name in group.list_commands(ctx))


def test_every_command_has_an_example() -> None:
    """Each command's help ends with an example that runs that very command."""
    ctx = click.Context(cli)
    for name, command in [("", cli), *_walk(cli, ctx, "")]:
        shown = command.get_help(click.Context(command, info_name=f"hischange {name}".strip()))
        assert "Example:" in shown, f"`hischange {name} --help` has no example"
        assert f"  hischange {name}".rstrip() in shown.split("Example:")[1], name


def test_summaries_are_not_cut_off() -> None:
    """In a group's command list every summary shows whole (no "..."), in 80 columns."""
    ctx = click.Context(cli)
    groups = [c for _, c in _walk(cli, ctx, "") if isinstance(c, click.Group)]
    for group in groups:
        for name in group.list_commands(ctx):
            summary = group.get_command(ctx, name).get_short_help_str(_limit(group, ctx))  # type: ignore[union-attr]
            assert not summary.endswith("..."), f"{group.name} {name}: {summary}"


def test_help_is_english_with_the_chinese_term_beside_it() -> None:
    """Help text never uses a Chinese word in place of English (e.g. "需要 for")."""
    ctx = click.Context(cli)
    for name, command in _walk(cli, ctx, ""):
        texts = [command.help or ""] + [getattr(p, "help", "") or "" for p in command.params]
        for text in texts:
            assert not re.search(r"[\u4e00-\u9fff]+ (for|of|to|the|a|and|or)\b", text), (name, text)


def test_shell_completion_is_documented_and_works() -> None:
    """docs/cli.md says how to turn on completion, and the variable it names gives a script."""
    assert "_HISCHANGE_COMPLETE=bash_source hischange" in DOCS.read_text(encoding="utf-8")
    result = CliRunner().invoke(
        cli, [], prog_name="hischange", env={"_HISCHANGE_COMPLETE": "bash_source"}
    )
    assert result.exit_code == 0 and "_hischange_completion" in result.output
