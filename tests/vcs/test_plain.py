"""``vcs.plain`` (git through ``subprocess``, no GitPython: the commit-msg hook's adapter)
learns what ``open_repo`` (GitPython) learns, and reads config values as ``git config --get``
does."""

from __future__ import annotations

from pathlib import Path

import pytest

from hischange.errors import IntegrityError, NotFoundError
from hischange.vcs import GitRunner, main_worktree, open_plain, open_repo
from tests.support.git import GitRepo


def _same(path: Path) -> None:
    plain, full = open_plain(path), open_repo(path)
    assert plain.info == full.info
    assert plain.git_dir.resolve() == full.git_dir.resolve()
    assert plain.common_dir.resolve() == full.common_dir.resolve()
    assert main_worktree(plain) == main_worktree(full)


def test_opens_as_gitpython_does(git_repo: GitRepo, tmp_path: Path) -> None:
    """Unborn, on a branch, from a subdirectory, detached, in a linked worktree, bare."""
    _same(git_repo.path)  # unborn: no HEAD yet
    sha = git_repo.commit("one\n", files={"sub/dir/f.txt": "x"})
    git_repo.commit("two\n", files={"f.txt": "y"})
    _same(git_repo.path)
    _same(git_repo.path / "sub" / "dir")
    linked = tmp_path / "linked"
    git_repo.git("worktree", "add", "-q", "-b", "side", str(linked))
    _same(linked)
    assert main_worktree(open_plain(linked)) == git_repo.path
    git_repo.git("checkout", "-q", "--detach", sha)
    _same(git_repo.path)
    assert open_plain(git_repo.path).info.detached
    bare = tmp_path / "bare.git"
    git_repo.git("clone", "-q", "--bare", str(git_repo.path), str(bare))
    _same(bare)


def test_outside_a_repository_and_grafts(git_repo: GitRepo, tmp_path: Path) -> None:
    """The same errors as open_repo: NotFoundError outside a clone or for a missing path,
    IntegrityError for a graft file."""
    outside = tmp_path / "plain"
    outside.mkdir()
    for path in (outside, tmp_path / "missing"):
        with pytest.raises(NotFoundError, match=path.name) as info:
            open_plain(path)
        assert info.value.hint is not None and "--project" in info.value.hint
    git_repo.commit("one\n")
    (git_repo.path / ".git" / "info").mkdir(exist_ok=True)
    (git_repo.path / ".git" / "info" / "grafts").write_text(git_repo.text("rev-parse", "HEAD"))
    with pytest.raises(IntegrityError, match="graft"):
        open_plain(git_repo.path)


KEYS = ("core.commentChar", "commit.cleanup", "i18n.commitEncoding", "user.signingKey")


def _values(repo: GitRunner) -> dict[str, str | None]:
    return {key: repo.config_value(key) for key in KEYS}


def test_config_values_as_git_config_get(
    git_repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last value wins, an include is followed, `git -c` (GIT_CONFIG_PARAMETERS)
    reaches it, keys are case-insensitive, unset and empty keys are None."""
    assert _values(open_plain(git_repo.path)) == dict.fromkeys(KEYS)
    included = tmp_path / "more.gitconfig"
    included.write_text("[i18n]\n\tcommitEncoding = GBK\n", encoding="utf-8")
    git_repo.git("config", "core.commentchar", ";")
    git_repo.git("config", "--add", "commit.cleanup", "strip")
    git_repo.git("config", "--add", "commit.cleanup", "whitespace")
    git_repo.git("config", "include.path", str(included))
    git_repo.git("config", "user.signingKey", "")
    expected = {
        "core.commentChar": ";",
        "commit.cleanup": "whitespace",
        "i18n.commitEncoding": "GBK",
        "user.signingKey": None,
    }
    assert _values(open_plain(git_repo.path)) == _values(open_repo(git_repo.path)) == expected
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'commit.cleanup=verbatim'")
    plain = _values(open_plain(git_repo.path))
    assert plain == _values(open_repo(git_repo.path))
    assert plain["commit.cleanup"] == "verbatim"
