"""A project initialised on a team store remembers it: no silent switch to a local file."""

from __future__ import annotations

from pathlib import Path

import pytest

from hischange.errors import ConfigError, StoreError
from hischange.project import Project, init_project
from hischange.store.location import MARKER, public_url, remember_store


def test_public_url_drops_only_the_password() -> None:
    """The remembered URL keeps user, host, port, database and options, never the password."""
    url = "postgresql+psycopg://app:s3cret@db.hospital.local:5433/hischange?sslmode=require"
    assert public_url(url) == (
        "postgresql+psycopg://app@db.hospital.local:5433/hischange?sslmode=require"
    )


def test_sqlite_project_records_nothing(tmp_path: Path) -> None:
    """A project on its local SQLite file writes no store-url file."""
    proj, _ = init_project(tmp_path)
    proj.close()
    assert not (tmp_path / ".hischange" / MARKER).exists()


def test_team_project_without_its_url_is_an_error(tmp_path: Path) -> None:
    """A project initialised on PostgreSQL, opened without HISCHANGE_DB_URL: exit 6 naming
    the remembered URL (without password) and the variable; no local file is created,
    by opening or by running init again."""
    state = tmp_path / ".hischange"
    state.mkdir()
    remember_store(state, "postgresql+psycopg://app:s3cret@db.hospital.local/hischange")
    text = (state / MARKER).read_text("utf-8")
    assert "s3cret" not in text and "app@db.hospital.local/hischange" in text
    proj = Project(tmp_path)
    with pytest.raises(StoreError) as caught:
        proj.store.head()
    assert caught.value.exit_code == 6
    assert "postgresql+psycopg://app@db.hospital.local/hischange" in caught.value.message
    assert caught.value.hint is not None and "HISCHANGE_DB_URL" in caught.value.hint
    with pytest.raises(StoreError):
        init_project(tmp_path)
    with pytest.raises(StoreError) as caught:  # the auditor's read-only reader says it too
        Project(tmp_path, read_only=True).store.head()
    assert "app@db.hospital.local/hischange" in caught.value.message
    assert not (state / "hischange.db").exists()


@pytest.mark.parametrize("value", ["soon", "-1", "0", "nan"])
def test_a_bad_lock_timeout_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """HISCHANGE_LOCK_TIMEOUT that is not a positive number of seconds: exit 6 naming it."""
    monkeypatch.setenv("HISCHANGE_LOCK_TIMEOUT", value)
    with pytest.raises(ConfigError) as caught:
        init_project(tmp_path)
    assert caught.value.exit_code == 6
    assert f"HISCHANGE_LOCK_TIMEOUT={value!r}" in caught.value.message
