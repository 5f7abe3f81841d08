"""Start-up where it is felt (issue 17): the commit-msg hook and `change list` on a local
SQLite store read their projections through the standard `sqlite3` module, so they import
neither SQLAlchemy nor Alembic; neither imports GitPython (the hook runs git through
`subprocess`, `hischange.vcs.plain`); `change list` imports neither sqlparse nor the projector's
aggregates it does not read. Checked on `sys.modules` of the real command in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ON_PG, Cli, NewChange, Repo

#: What a command imports depends on the store: the standard-library reader serves a local
#: SQLite file, a team store on PostgreSQL is read through SQLAlchemy by design.
pytestmark = pytest.mark.skipif(ON_PG, reason="reads a local SQLite store (PostgreSQL pass)")

_PROBE = """
import json, sys
from hischange.cli.main import main
sys.argv = ["hischange", *sys.argv[1:]]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
heavy = (
    "sqlalchemy", "alembic", "git", "sqlparse", "wcwidth", "hischange.store.store",
    "hischange.workflow.projector", "hischange.workflow.release", "hischange.sqlreview",
)
print(json.dumps([code, sorted(m for m in heavy if m in sys.modules)]))
"""


def _imported(root: Path, *args: str) -> tuple[int, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HISCHANGE_")}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    code, imported = json.loads(proc.stdout.strip().splitlines()[-1])
    return int(code or 0), imported


def _approved(run: Cli, new_change: NewChange) -> str:
    cid = new_change(kind="bugfix")
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital")
    return cid


def test_hook_imports_no_sqlalchemy_nor_gitpython(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """The hook's OK path and its refusal read the store without SQLAlchemy or Alembic, and
    ask git what they need (trailers, config, author, staged paths) through `subprocess`:
    no GitPython (`git`) is imported."""
    cid = _approved(run, new_change)
    message = repo.path / "MSG"
    message.write_text(f"fix: 挂号费\n\nHIS-Change: {cid}\n", encoding="utf-8")
    code, imported = _imported(repo.path, "hook", "check-msg", str(message))
    assert (code, imported) == (0, [])
    message.write_text("fix: 挂号费\n\nHIS-Change: CR-2026-9999\n", encoding="utf-8")
    code, imported = _imported(repo.path, "hook", "check-msg", str(message))
    assert (code, imported) == (1, [])


def test_change_list_imports_only_what_it_reads(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """`change list` (human and JSON) loads no SQLAlchemy, Alembic, GitPython, sqlparse,
    wcwidth (its table is ASCII and Chinese), nor the projector with every aggregate's rules."""
    _approved(run, new_change)
    assert _imported(repo.path, "change", "list") == (0, [])
    assert _imported(repo.path, "change", "list", "--format", "json") == (0, [])


def test_a_write_still_opens_the_store(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """A command that writes loads the store (and the projector) as before."""
    cid = new_change(kind="bugfix")
    code, imported = _imported(repo.path, "change", "submit", cid, "--as", "dev@vendor")
    assert code == 0
    assert {"sqlalchemy", "hischange.store.store", "hischange.workflow.projector"} <= set(imported)
