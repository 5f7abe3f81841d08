"""The SQLAlchemy-free reader (`hischange.store.lite`) answers as the Store does, or not at all.

It reads a current local SQLite store only; anything the Store would create, upgrade or
refuse is left to the Store (`open_reader` gives None)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hischange.errors import IntegrityError
from hischange.project import Project
from hischange.store.lite import LiteReader, open_reader
from hischange.store.revisions import SCHEMA_HEAD
from tests.conftest import Cli, NewChange


def _reader(project: Project) -> LiteReader:
    reader = open_reader(project.db_url, clock=None, lock_timeout=5.0)
    assert reader is not None
    return reader


def _db(project: Project) -> Path:
    return project.state_dir / "hischange.db"


def test_reads_equal_the_store(project: Project, run: Cli, new_change: NewChange) -> None:
    """Every aggregate kind read through both, present and absent keys alike."""
    cid = new_change(kind="bugfix")
    run("change", "submit", cid, "--as", "dev@vendor")
    new_change(kind="report")
    reader = _reader(project)
    try:
        for kind in ("change", "evidence", "release", "nothing"):
            assert reader.aggregates_of(kind) == project.store.aggregates_of(kind)
        assert reader.aggregate("change", cid) == project.store.aggregate("change", cid)
        assert reader.aggregate("change", "CR-2026-9999") is None
    finally:
        reader.close()


def test_a_damaged_row_is_the_same_integrity_error(
    project: Project, run: Cli, new_change: NewChange
) -> None:
    """A projection row that is not a JSON object: exit 4 with the Store's own words."""
    cid = new_change()
    with sqlite3.connect(_db(project)) as conn:
        conn.execute("UPDATE aggregates SET state = 'not json' WHERE key = ?", (cid,))
    reader = _reader(project)
    try:
        with pytest.raises(IntegrityError) as lite:
            reader.aggregate("change", cid)
        with pytest.raises(IntegrityError) as full:
            project.store.aggregate("change", cid)
        assert str(lite.value) == str(full.value)
        with pytest.raises(IntegrityError):
            reader.aggregates_of("change")
    finally:
        reader.close()


@pytest.mark.parametrize("revision", ["0004", "9999"])
def test_an_old_or_newer_schema_is_left_to_the_store(project: Project, revision: str) -> None:
    """An older schema (the Store upgrades it) or a newer one (the Store refuses it)."""
    project.close()
    with sqlite3.connect(_db(project)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    assert open_reader(project.db_url, clock=None, lock_timeout=5.0) is None
    with sqlite3.connect(_db(project)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (SCHEMA_HEAD,))
    assert open_reader(project.db_url, clock=None, lock_timeout=5.0) is not None


def test_what_it_does_not_open(tmp_path: Path) -> None:
    """A team store URL, a file that does not exist (the Store says so or creates it), a
    file that is not a database."""
    assert open_reader("postgresql://h/db", clock=None, lock_timeout=1.0) is None
    assert open_reader(f"sqlite:///{tmp_path / 'none.db'}", clock=None, lock_timeout=1.0) is None
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    assert open_reader(f"sqlite:///{junk}", clock=None, lock_timeout=1.0) is None


def test_it_cannot_write(project: Project) -> None:
    """The connection is query_only: a write through it fails."""
    reader = _reader(project)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader._conn.execute("DELETE FROM aggregates")
    finally:
        reader.close()


def test_project_reader_is_the_open_store(project: Project) -> None:
    """Once the Store is open (a write command), reads go through it."""
    assert "store" in project.__dict__  # init opened it
    assert project.reader is project.store
    fresh = Project(project.root)
    try:
        assert isinstance(fresh.reader, LiteReader)
    finally:
        fresh.close()
