"""Fixtures for the git adapter: real repositories in tmp_path, isolated from the machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.git import GitRepo, git_env, init_repo


@pytest.fixture
def git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME with an empty git config, also applied to the process under test."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("")
    for key, value in git_env(home).items():
        monkeypatch.setenv(key, value)
    return home


@pytest.fixture
def git_repo(tmp_path: Path, git_home: Path) -> GitRepo:
    """An empty repository on branch main with pinned author, committer and dates."""
    return init_repo(tmp_path / "repo", git_env(git_home))
