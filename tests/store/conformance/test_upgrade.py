"""Conformance: a store of an older schema upgrades (on open and by `hischange db upgrade`)."""

from __future__ import annotations

import json
import sqlite3
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from hischange.cli.main import cli
from hischange.project import Project
from hischange.services.audit import verify_store
from hischange.store.schema import SCHEMA_HEAD
from tests.conftest import write_config

DUMP = Path(__file__).parents[1] / "data" / "store-0002.sql"
#: Tables of schema 0002, parents first; their rows come from the SQLite dump.
TABLES = ("events", "event_changes", "ledger_head", "aggregates", "changes", "store_meta")


def _make_0002(url: str) -> None:
    """A store at schema 0002 holding the dump's ledger (28 events), on any backend."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.executescript(DUMP.read_text("utf-8"))
        conn.close()
        return
    from alembic import command
    from alembic.config import Config

    source = sqlite3.connect(":memory:")
    source.executescript(DUMP.read_text("utf-8"))
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            cfg = Config()
            cfg.set_main_option("script_location", str(files("hischange.store") / "migrations"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0002")
            for table in TABLES:
                cursor = source.execute(f"SELECT * FROM {table}")
                names = [d[0] for d in cursor.description]
                rows = [dict(zip(names, row, strict=True)) for row in cursor]
                for row in rows:
                    for key in ("emergency", "approved"):
                        if key in row:
                            row[key] = bool(row[key])
                if rows:
                    cols = ", ".join(f'"{n}"' for n in names)
                    binds = ", ".join(f":{n}" for n in names)
                    conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({binds})"), rows)
    finally:
        engine.dispose()
        source.close()


@pytest.fixture
def old_project(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, str]:
    """A project folder whose store (on the backend under test) is at schema 0002."""
    monkeypatch.setenv("HISCHANGE_DB_URL", store_url)
    root = tmp_path / "old"
    root.mkdir()
    write_config(root)
    _make_0002(store_url)
    return root, store_url


def _db(root: Path, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["--project", str(root), "db", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_db_upgrade_moves_an_old_store_to_the_latest_schema(old_project: tuple[Path, str]) -> None:
    """`db status` reports 0002 without changing it; `db upgrade` upgrades to the latest
    revision keeping all 28 events; the ledger then verifies and a second upgrade is a no-op."""
    root, _ = old_project
    before = _db(root, "status")
    assert (before["revision"], before["up_to_date"], before["head_seq"]) == ("0002", False, 28)
    assert _db(root, "status")["revision"] == "0002"
    done = _db(root, "upgrade")
    assert (done["upgraded_from"], done["revision"], done["up_to_date"]) == (
        "0002",
        SCHEMA_HEAD,
        True,
    )
    assert done["head_seq"] == 28
    again = _db(root, "upgrade")
    assert (again["upgraded_from"], again["revision"]) == (SCHEMA_HEAD, SCHEMA_HEAD)
    proj = Project(root)
    try:
        report = verify_store(proj)
        assert report.ok, report.problems
        assert proj.store.head()[0] == 28
    finally:
        proj.close()


def test_an_old_store_upgrades_when_opened(old_project: tuple[Path, str]) -> None:
    """Opening a schema-0002 store upgrades it in place; it verifies and takes appends
    that continue its chain."""
    from hischange.services import changes as service

    root, _ = old_project
    proj = Project(root)
    try:
        assert proj.store.head()[0] == 28
        fields = service.make_fields({"kind": "report", "title": "t", "rollback_plan": "r"})
        service.register_change(proj, "dev@vendor", fields)
        report = verify_store(proj)
        assert report.ok, report.problems
        assert report.head_seq == 29
    finally:
        proj.close()
    assert _db(root, "status")["revision"] == SCHEMA_HEAD


def test_db_upgrade_without_a_store_is_a_store_error(tmp_path: Path) -> None:
    """`db upgrade` where no store exists: exit 6 saying so, no traceback."""
    write_config(tmp_path)
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "db", "upgrade"])
    assert result.exit_code == 6, result.output
    assert "no hischange store" in result.stderr


def test_processes_opening_an_old_store_at_once_all_succeed(
    old_project: tuple[Path, str],
) -> None:
    """Eight processes open the same schema-0002 store at the same moment: one migrates, the
    others wait for it and find the schema current; none fails, and the ledger verifies."""
    import subprocess
    import sys

    root, url = old_project
    code = (
        "import sys; from hischange.store import Store; sys.stdin.readline(); "
        "Store(sys.argv[1]).close(); print('ok')"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out == "ok\n", err
    proj = Project(root)
    try:
        report = verify_store(proj)
        assert report.ok, report.problems
    finally:
        proj.close()
    assert _db(root, "status")["revision"] == SCHEMA_HEAD
