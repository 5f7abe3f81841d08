"""The CLI runner of the tests: a project folder, a frozen clock, click's CliRunner."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from hischange.cli.main import cli

__all__ = ["ROLES", "Cli", "FrozenClock", "write_config"]

#: The tests' projects are the explicit unsigned local mode (roles from config.toml) unless
#: a test makes a signed one (tests/cli/test_trust_cli.py): the one place that choice is made.
ROLES = """
trust = "none"

[roles]
approvers = ["reviewer@hospital", "dba@hospital"]
developers = ["dev@vendor", "dev2@vendor"]
auditors = ["auditor@hospital"]
"""


class FrozenClock:
    """A clock the tests move by hand; starts 2026-11-02 08:00 UTC."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def write_config(root: Path, extra: str = "") -> None:
    """Write a test config with roles (and extra TOML) into root/.hischange/."""
    (root / ".hischange").mkdir(exist_ok=True)
    (root / ".hischange" / "config.toml").write_text(ROLES + extra, encoding="utf-8")


@dataclass
class Cli:
    """Runs the CLI in a project folder, as a user would."""

    root: Path
    clock: FrozenClock
    env: dict[str, str] = field(default_factory=dict)

    def __call__(self, *args: str, code: int | None = 0, stdin: str | None = None) -> Result:
        runner = CliRunner()
        result = runner.invoke(
            cli,
            ["--project", str(self.root), *args],
            obj={"clock": self.clock},
            env={"HISCHANGE_USER": "", **self.env},
            input=stdin,
            catch_exceptions=False,
        )
        if code is not None:
            assert result.exit_code == code, (
                f"exit {result.exit_code} != {code}\nstdout: {result.stdout}\n"
                f"stderr: {result.stderr}"
            )
        return result

    def json(self, *args: str, code: int | None = 0) -> Any:
        """Run with --format json and parse stdout."""
        return json.loads(self(*args, "--format", "json", code=code).stdout)
