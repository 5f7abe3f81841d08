"""Opening repositories: clear errors and flags for the cases the caller must handle."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hischange.errors import IntegrityError, NotFoundError
from hischange.vcs import head_sha, is_dirty, iter_commits, open_repo
from tests.support.git import GitRepo


def test_not_a_repository(tmp_path: Path, git_home: Path) -> None:
    """A directory outside any repository raises NotFoundError naming it and the fix."""
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(NotFoundError, match="plain") as info:
        open_repo(plain)
    # the hint names an option hischange has (there is no --repo)
    assert info.value.hint is not None and "--project" in info.value.hint
    assert "--repo" not in info.value.hint
    with pytest.raises(NotFoundError, match="missing"):
        open_repo(tmp_path / "missing")


def test_opens_from_a_subdirectory(git_repo: GitRepo) -> None:
    """A path inside the working tree finds the repository root and branch."""
    sha = git_repo.commit("one\n", files={"sub/dir/f.txt": "x"})
    repo = open_repo(git_repo.path / "sub" / "dir")
    assert Path(repo.info.root) == git_repo.path
    assert repo.info.branch == "main"
    assert repo.info.head_sha == sha == head_sha(repo)
    assert not repo.info.shallow and not repo.info.detached and not repo.info.bare


def test_shallow_clone_is_flagged(git_repo: GitRepo, tmp_path: Path) -> None:
    """A --depth 1 clone opens, with shallow=True, and history stops at the graft."""
    for n in range(3):
        git_repo.commit(f"c{n}\n", files={"f": str(n)})
    clone = tmp_path / "clone"
    git_repo.git("clone", "-q", "--depth", "1", f"file://{git_repo.path}", str(clone))
    repo = open_repo(clone)
    assert repo.info.shallow
    assert [c.subject for c in iter_commits(repo, "HEAD")] == ["c2"]
    assert not open_repo(git_repo.path).info.shallow


def test_detached_head_is_flagged(git_repo: GitRepo) -> None:
    """A detached HEAD opens with detached=True and no branch."""
    first = git_repo.commit("one\n")
    git_repo.commit("two\n")
    git_repo.git("checkout", "-q", "--detach", first)
    repo = open_repo(git_repo.path)
    assert repo.info.detached and repo.info.branch is None
    assert repo.info.head_sha == first


def test_unborn_repository_has_no_head(git_repo: GitRepo) -> None:
    """A repository without commits opens; head_sha then raises NotFoundError."""
    repo = open_repo(git_repo.path)
    assert repo.info.head_sha is None
    with pytest.raises(NotFoundError, match="no commits"):
        head_sha(repo)


def test_dirty_working_tree(git_repo: GitRepo) -> None:
    """is_dirty sees a modified tracked file; untracked files only when asked."""
    git_repo.commit("one\n", files={"a.txt": "1"})
    repo = open_repo(git_repo.path)
    assert not is_dirty(repo)
    (git_repo.path / "new.txt").write_text("n")
    assert not is_dirty(repo)
    assert is_dirty(repo, include_untracked=True)
    (git_repo.path / "a.txt").write_text("2")
    assert is_dirty(repo)


def test_corrupt_object_is_a_clear_error(git_repo: GitRepo) -> None:
    """A corrupt loose commit object gives IntegrityError suggesting git fsck."""
    git_repo.commit("one\n")
    sha = git_repo.commit("two\n")
    git_repo.commit("three\n")
    obj = git_repo.path / ".git" / "objects" / sha[:2] / sha[2:]
    os.chmod(obj, 0o644)
    obj.write_bytes(b"garbage, not zlib")
    repo = open_repo(git_repo.path)
    with pytest.raises(IntegrityError, match="corrupt") as info:
        list(iter_commits(repo, "HEAD"))
    assert info.value.hint is not None and "fsck" in info.value.hint
