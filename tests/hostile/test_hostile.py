"""Hostile inputs through the CLI (issue 19): no hang, no traceback, no silent skip.

Each case of ``cases.CASES`` runs the command (in-process, or in a subprocess with a
time-out when it could hang or read forever) and checks: the documented exit code, one
``error [code]:`` line naming the offending value (cut short, never echoed whole), no
traceback, and a ledger that still verifies with nothing appended by a failed command.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hischange.cli.main import cli
from tests.hostile.cases import CASES, Case
from tests.hostile.conftest import Hostile, Outcome
from tests.store.helpers import SLOW

#: The longest line a message may have (hischange.cli.main cuts at 1,000 characters).
MAX_LINE = 1200


def _write_config(hostile: Hostile, how: str) -> None:
    config = hostile.root / ".hischange" / "config.toml"
    text = config.read_text(encoding="utf-8")
    if how == "fifo":
        config.unlink()
        os.mkfifo(config)
    elif how == "zero":
        config.unlink()
        config.symlink_to("/dev/zero")
    elif how == "dir":
        config.unlink()
        config.mkdir()
    elif how == "bom":
        config.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    else:
        config.write_text(text + "\n" + how, encoding="utf-8")


def _check(case: Case, out: Outcome, hostile: Hostile) -> None:
    shown = f"exit {out.code}\nstdout: {out.stdout[:2000]}\nstderr: {out.stderr[:2000]}"
    assert "Traceback" not in out.stderr + out.stdout, shown
    assert out.code == case.code, shown
    if case.code in (2, 3, 4, 6):
        errors = [
            line for line in out.stderr.splitlines() if re.match(r"^(error \[\w+\]|Error):", line)
        ]
        assert len(errors) == 1, shown
        assert all(len(line) <= MAX_LINE for line in out.stderr.splitlines()), shown
        if case.names:
            assert case.names in out.stderr, shown


def _run(case: Case, hostile: Hostile) -> None:
    if case.config:
        _write_config(hostile, case.config)
    before = None if case.config else hostile.head()
    args = hostile.expand(case.args)
    runner = hostile.run_process if case.via == "process" else hostile.run
    out = runner(*args, env=case.env)
    _check(case, out, hostile)
    if case.config:
        return  # the store is not what the case is about; the config is broken on purpose
    after = hostile.head()  # audit verify passes
    if case.code != 0:
        assert after == before, f"a failed command appended events: {before} → {after}"


FAST = [c for c in CASES if c.fast]


@pytest.mark.parametrize("case", FAST, ids=[c.name for c in FAST])
def test_hostile_fast(case: Case, hostile: Hostile) -> None:
    """The default run's share of the table: each item of issue 19 once."""
    _run(case, hostile)


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=SLOW, id=c.name) for c in CASES if not c.fast]
)
def test_hostile_full(case: Case, hostile: Hostile) -> None:
    """Every other case of the table (HISCHANGE_RUN_SLOW=1)."""
    _run(case, hostile)


def _leaf_commands() -> set[str]:
    found: set[str] = set()
    ctx = click.Context(cli)

    def walk(group: click.Group, prefix: str) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None
            path = f"{prefix} {name}".strip()
            if isinstance(command, click.Group):
                walk(command, path)
            else:
                found.add(path)

    walk(cli, "")
    return found


def _command_of(args: tuple[str, ...]) -> str:
    words = list(args)
    if words[:1] == ["--project"]:
        words = words[2:]
    group: click.Command = cli
    path: list[str] = []
    ctx = click.Context(cli)
    for word in words:
        if not isinstance(group, click.Group):
            break
        command = group.get_command(ctx, word)
        if command is None:
            break
        path.append(word)
        group = command
    return " ".join(path)


def test_every_command_has_a_hostile_case() -> None:
    """The table covers every command of the click tree, and the tree is docs/cli.md's."""
    commands = _leaf_commands()
    covered = {_command_of(c.args) for c in CASES}
    assert commands - covered == set()
    doc = (Path(__file__).parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### hischange (.+)$", doc, flags=re.M))
    assert commands <= documented


def test_issue_items_have_fast_cases() -> None:
    """The default run has a case for each item of issue 19 (by a word of its name)."""
    names = " ".join(c.name for c in FAST)
    for word in (
        "release attach FIFO", "artifact verify /dev/zero", "sql review FIFO",
        "hook check-msg FIFO", "config FIFO", "artifact verify folder", "--as invalid UTF-8",
        "since overflow", "due_hours huge", "max_attachment_bytes -1", "subject pattern",
        "evidence record --steps folder", "title of spaces", "date far future",
        "audit trace injected id", "audit log --change injected id", "expect-head garbage",
        "config with BOM", "title 120 KB",
    ):  # fmt: skip
        assert word in names, word


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=300)


@settings(
    max_examples=int(os.environ.get("HISCHANGE_HOSTILE_EXAMPLES", "25")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    option=st.sampled_from(
        [
            ("change", "show"),
            ("audit", "trace"),
            ("audit", "log", "--change"),
            ("audit", "log", "--since"),
            ("audit", "log", "--limit"),
            ("audit", "verify", "--expect-head"),
            ("release", "show"),
            ("change", "new", "--kind", "bugfix", "--title"),
            ("change", "edit", "CR-2026-0001", "--title"),
            ("change", "submit", "CR-2026-0001", "--as"),
            ("deploy", "where", "--site"),
        ]
    ),
    value=st.one_of(_TEXT, st.integers().map(str), st.just("CR-2026-0001")),
)
def test_generated_values(hostile: Hostile, option: tuple[str, ...], value: str) -> None:
    """Generated values for ids, numbers and free text: exit 0, 2, 3 or 5 (a refusal: the
    examples share one project), never a traceback,
    a message line of bounded length, and a ledger that still verifies."""
    if value.startswith("-") and option[-1].startswith("--"):
        value = " " + value  # not taken for an option
    out = hostile.run(*option, value)
    assert out.code in (0, 2, 3, 5), (option, value, out)
    assert all(len(line) <= MAX_LINE for line in out.stderr.splitlines()), (option, value)
    hostile.head()
