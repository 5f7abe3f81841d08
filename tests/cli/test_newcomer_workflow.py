"""Issue 18 (items 1–11): what a new user tripped over following the README and the guides."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_release_cli import ready_change
from tests.conftest import Cli, NewChange, Repo


def test_attach_same_file_twice_records_one_artifact(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """`release attach` is idempotent: the same file (name and content) attached twice, or
    named twice in one command, is one artifact row and one event."""
    ready_change(run, new_change, repo, tmp_path)
    run("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    war = tmp_path.parent / f"{tmp_path.name}-his.war"
    war.write_bytes(b"PK\x03\x04 outpatient 3.2.1")
    run("release", "attach", "3.2.1", str(war), str(war), "--as", "dev@vendor")
    events = len(run.json("audit", "log"))
    rel = run.json("release", "attach", "3.2.1", str(war), "--as", "dev@vendor")
    assert len(rel["artifacts"]) == 1
    assert len(run.json("audit", "log")) == events
    assert len(run.json("release", "show", "3.2.1")["artifacts"]) == 1
