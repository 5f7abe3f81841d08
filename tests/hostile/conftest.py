"""The hostile-input suite's fixtures: a template project (one change, one baseline release,
roles configured) copied for each case, with the hostile files beside it: a FIFO, a folder,
a dangling link; ``/dev/zero`` is used as it is."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hischange.cli.main import cli
from hischange.project import init_project
from tests.support.cli import FrozenClock, write_config

#: Seconds a subprocess case may take before it counts as a hang.
HANG_SECONDS = 120


@dataclass
class Outcome:
    """What one run printed and how it ended."""

    code: int
    stdout: str
    stderr: str


@dataclass
class Hostile:
    """A copy of the template project and the hostile paths beside it."""

    root: Path
    clock: FrozenClock

    def paths(self) -> dict[str, str]:
        """The placeholders a case's arguments may use."""
        side = self.root.parent / "side"
        return {
            "{fifo}": str(side / "fifo.sql"),
            "{zero}": "/dev/zero",
            "{dir}": str(side / "folder.sql"),
            "{dangling}": str(side / "dangling.sql"),
            "{missing}": str(side / "missing.sql"),
            "{file}": str(side / "ok.sql"),
            "{msg}": str(side / "msg.txt"),
            "{root}": str(self.root),
        }

    def expand(self, args: tuple[str, ...]) -> list[str]:
        """The case's arguments with placeholders replaced."""
        out = []
        for arg in args:
            for key, value in self.paths().items():
                arg = arg.replace(key, value)
            out.append(arg)
        return out

    def run(self, *args: str, env: dict[str, str] | None = None) -> Outcome:
        """Run the CLI in-process (click's runner); an escaping exception fails the test."""
        result: Result = CliRunner().invoke(
            cli,
            ["--project", str(self.root), *args],
            obj={"clock": self.clock},
            env={"HISCHANGE_USER": "dev@vendor", **(env or {})},
            catch_exceptions=False,
        )
        return Outcome(result.exit_code, result.stdout, result.stderr)

    def run_process(self, *args: str, env: dict[str, str] | None = None) -> Outcome:
        """Run the CLI in a subprocess with a time-out: a hang fails the test."""
        full = {k: v for k, v in os.environ.items() if not k.startswith("HISCHANGE_")} | {
            "HISCHANGE_USER": "dev@vendor",
            **(env or {}),
        }
        proc = subprocess.run(
            [sys.executable, "-m", "hischange", "--project", str(self.root), *args],
            capture_output=True,
            timeout=HANG_SECONDS,
            env=full,
            check=False,
        )
        return Outcome(
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
        )

    def head(self) -> int:
        """The ledger's head sequence number, after checking that the ledger verifies."""
        import json

        out = self.run("audit", "verify", "--format", "json")
        assert out.code == 0, f"audit verify failed: {out.stdout}{out.stderr}"
        return int(json.loads(out.stdout)["head_seq"])


@pytest.fixture(scope="session")
def hostile_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with roles, change CR-2026-0001 (draft) and baseline release 1.0.0."""
    base = tmp_path_factory.mktemp("hostile-template")
    root = base / "project"
    root.mkdir()
    write_config(root)
    clock = FrozenClock()
    proj, _ = init_project(root, clock=clock)
    proj.close()
    env = Hostile(root, clock)
    assert (
        env.run(
            "change",
            "new",
            "--kind",
            "bugfix",
            "--title",
            "门诊日报修正",
            "--rollback-plan",
            "回退",
        ).code
        == 0
    )
    assert env.run("release", "import", "1.0.0", "--note", "baseline").code == 0
    return root


@pytest.fixture
def hostile(hostile_template: Path, tmp_path: Path) -> Hostile:
    """A fresh copy of the template project, and the hostile files beside it."""
    root = tmp_path / "project"
    shutil.copytree(hostile_template, root)
    side = tmp_path / "side"
    side.mkdir()
    os.mkfifo(side / "fifo.sql")
    (side / "folder.sql").mkdir()
    (side / "dangling.sql").symlink_to(side / "gone")
    (side / "ok.sql").write_text("SELECT 1 FROM dual;\n", encoding="utf-8")
    (side / "msg.txt").write_text("fix\n\nHIS-Change: CR-2026-0001\n", encoding="utf-8")
    return Hostile(root, FrozenClock())
