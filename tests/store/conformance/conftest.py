"""Fixtures of the conformance suite: every test runs once per backend (see backends.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hischange.project import Project, init_project
from hischange.store import Store
from tests.conftest import FrozenClock, write_config
from tests.support.backends import BACKENDS, fresh_url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend's name: sqlite, or postgresql when HISCHANGE_TEST_PG_URL is set."""
    return str(request.param)


@pytest.fixture
def store_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL where no store exists yet, on the backend under test."""
    with fresh_url(backend, tmp_path / "db") as url:
        yield url


@pytest.fixture
def ledger(
    store_url: str, tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Project]:
    """An initialised project whose store is on the backend under test (frozen clock)."""
    monkeypatch.setenv("HISCHANGE_DB_URL", store_url)
    root = tmp_path / "project"
    root.mkdir()
    write_config(root)
    proj, _ = init_project(root, clock=clock)
    yield proj
    proj.close()


@pytest.fixture
def open_store(store_url: str) -> Iterator[list[Store]]:
    """Stores opened by the test (``Store(store_url, ...)``), all closed at its end."""
    opened: list[Store] = []
    yield opened
    for store in opened:
        store.close()
