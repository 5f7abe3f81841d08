"""A store that cannot be used gives a StoreError (exit 6) with a message, never a traceback."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from hischange.errors import StoreError
from hischange.project import Project
from hischange.services import changes as service

FIELDS = {"kind": "report", "title": "门诊日报表", "rollback_plan": "恢复旧版报表"}


def _db(root: Path) -> Path:
    return root / ".hischange" / "hischange.db"


def _open_error(root: Path) -> StoreError:
    proj = Project(root)
    with pytest.raises(StoreError) as caught:
        proj.store.head()
    proj.close()
    assert caught.value.exit_code == 6
    return caught.value


def test_store_locked_past_timeout_on_open(
    store_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer holding the lock past HISCHANGE_LOCK_TIMEOUT: 'locked', exit 6."""
    monkeypatch.setenv("HISCHANGE_LOCK_TIMEOUT", "0.2")
    holder = sqlite3.connect(_db(store_root), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        error = _open_error(store_root)
    finally:
        holder.close()
    assert "locked by another writer past the timeout" in error.message
    assert str(_db(store_root)) in error.message
    assert error.hint is not None and "HISCHANGE_LOCK_TIMEOUT" in error.hint


def test_store_locked_past_timeout_on_append(
    store_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An append that cannot take the ledger lock in time fails with exit 6, recording nothing."""
    monkeypatch.setenv("HISCHANGE_LOCK_TIMEOUT", "0.2")
    proj = Project(store_root)
    try:
        proj.store.head()
        holder = sqlite3.connect(_db(store_root), isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            with pytest.raises(StoreError, match="locked") as caught:
                service.register_change(proj, "dev@vendor", service.make_fields(FIELDS))
        finally:
            holder.close()
        assert caught.value.exit_code == 6
        assert proj.store.head()[0] == 0
    finally:
        proj.close()


def test_store_made_by_newer_hischange(store_root: Path) -> None:
    """A schema revision this hischange does not know: exit 6, naming the revision."""
    with sqlite3.connect(_db(store_root)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
        conn.execute("UPDATE store_meta SET value = '99.0.0' WHERE key = 'hischange_version'")
    conn.close()
    error = _open_error(store_root)
    assert "newer hischange" in error.message
    assert "schema 9999" in error.message and "99.0.0" in error.message
    assert error.hint is not None and "upgrade hischange" in error.hint


def test_store_file_is_not_sqlite(store_root: Path) -> None:
    """Garbage bytes where the database should be: a StoreError naming the file."""
    _db(store_root).write_bytes(bytes(range(256)) * 64)
    error = _open_error(store_root)
    assert str(_db(store_root)) in error.message
    assert "not a database" in error.message


def test_store_url_under_a_file(store_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """HISCHANGE_DB_URL pointing below a regular file: a StoreError, not an OSError."""
    blocker = store_root / "plain.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("HISCHANGE_DB_URL", f"sqlite:///{blocker / 'hischange.db'}")
    error = _open_error(store_root)
    assert str(blocker) in error.message


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0,
    reason="root ignores folder permissions, so a read-only folder cannot be simulated",
)
def test_store_folder_not_writable(store_root: Path) -> None:
    """A store folder the user may not write: exit 6 'cannot be written'."""
    folder = store_root / ".hischange"
    folder.chmod(0o500)
    try:
        error = _open_error(store_root)
    finally:
        folder.chmod(0o700)
    assert "cannot be written" in error.message


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("garbage", "not a database URL"),
        ("http://his.example/x", "not http"),
        ("postgresql+nosuch://h/d", "no such database driver"),
        ("mysql+pymysql://u:secret@h/d", "not mysql"),
        ("postgresql+pg8000://u@h/d", "its driver is not installed (pg8000)"),
    ],
)
@pytest.mark.parametrize("where", ["env", "config"])
def test_a_bad_store_url_is_a_store_error(store_root: Path, url: str, why: str, where: str) -> None:
    """HISCHANGE_DB_URL or db_url that is no URL, names another database, or a driver that is
    missing: exit 6 "cannot open store URL …" naming it (password hidden), no traceback."""
    from click.testing import CliRunner

    from hischange.cli.main import cli

    env = {"HISCHANGE_DB_URL": url} if where == "env" else {}
    if where == "config":
        config = store_root / ".hischange" / "config.toml"
        config.write_text(f'db_url = "{url}"\n' + config.read_text("utf-8"), encoding="utf-8")
        (store_root / ".hischange" / "store-url").unlink(missing_ok=True)
    result = CliRunner().invoke(cli, ["--project", str(store_root), "change", "list"], env=env)
    assert result.exit_code == 6, result.output
    assert "cannot open store URL" in result.stderr and why in result.stderr
    assert "secret" not in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("state", ["not json", "[]", '{"id": "CR-2026-0001"}'])
@pytest.mark.parametrize(
    "command",
    [("change", "list"), ("change", "show", "CR-2026-0001"), ("change", "submit", "CR-2026-0001")],
)
def test_a_damaged_projection_row_is_an_integrity_error(
    store_root: Path, state: str, command: tuple[str, ...]
) -> None:
    """A stored change state that is not JSON, not an object, or not a change: exit 4 naming
    the change and pointing at `audit verify`, no traceback; `audit verify` names it too."""
    from click.testing import CliRunner

    from hischange.cli.main import cli

    runner = CliRunner()
    base = ["--project", str(store_root)]
    new = ["change", "new", "--kind", "bugfix", "--title", "t", "--as", "dev@vendor"]
    assert runner.invoke(cli, [*base, *new]).exit_code == 0
    with sqlite3.connect(store_root / ".hischange" / "hischange.db") as conn:
        conn.execute("UPDATE aggregates SET state = ? WHERE kind = 'change'", (state,))
    conn.close()
    actor = ["--as", "dev@vendor"] if command[1] == "submit" else []
    result = runner.invoke(cli, [*base, *command, *actor])
    assert result.exit_code == 4, result.output
    assert "CR-2026-0001 is damaged" in result.stderr and "audit verify" in result.stderr
    verify = runner.invoke(cli, [*base, "audit", "verify"])
    assert verify.exit_code == 4 and "projection" in verify.output
