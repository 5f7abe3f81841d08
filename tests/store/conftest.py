"""Fixtures for the store tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from hischange.project import init_project


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    """A project folder with an initialised (empty) store, closed again."""
    proj, _ = init_project(tmp_path)
    proj.close()
    return tmp_path
