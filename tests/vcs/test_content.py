"""File contents at revisions, changed files in a range, and release tags."""

from __future__ import annotations

import pytest

from hischange.errors import NotFoundError, UsageError
from hischange.vcs import changed_files, create_annotated_tag, file_at, open_repo, tag_exists
from tests.support.git import GitRepo


def test_file_at_revisions(git_repo: GitRepo) -> None:
    """file_at returns each revision's bytes and None for a missing path or a directory."""
    first = git_repo.commit("v1\n", files={"db/view.sql": b"create view v1;\n"})
    git_repo.commit("v2\n", files={"db/view.sql": "create view v2; -- 视图\n"})
    repo = open_repo(git_repo.path)
    assert file_at(repo, first, "db/view.sql") == b"create view v1;\n"
    assert file_at(repo, "HEAD", "./db/view.sql") == "create view v2; -- 视图\n".encode()
    assert file_at(repo, "HEAD", "db/none.sql") is None
    assert file_at(repo, "HEAD", "db") is None
    with pytest.raises(NotFoundError, match="v9"):
        file_at(repo, "v9", "db/view.sql")


def test_changed_files_in_range(git_repo: GitRepo) -> None:
    """Added and modified paths matching the pattern; deleted and unmatched ones are not."""
    git_repo.commit("base\n", files={"a.sql": "1", "old.sql": "o", "doc.md": "d"})
    git_repo.git("tag", "v1")
    git_repo.git("rm", "-q", "old.sql")
    git_repo.commit("work\n", files={"a.sql": "2", "db/new.sql": "n", "doc.md": "e"})
    repo = open_repo(git_repo.path)
    assert changed_files(repo, "v1..HEAD", "*.sql") == ["a.sql", "db/new.sql"]
    assert changed_files(repo, "v1..HEAD") == ["a.sql", "db/new.sql", "doc.md"]
    assert changed_files(repo, "v1", "*.sql") == ["a.sql", "old.sql"]
    assert changed_files(repo, "HEAD..HEAD") == []


def test_annotated_tag(git_repo: GitRepo) -> None:
    """A tag is created verbatim at the revision, never moved, and names are validated."""
    sha = git_repo.commit("one\n")
    repo = open_repo(git_repo.path)
    assert not tag_exists(repo, "v1.0.0")
    message = "Release v1.0.0\n\n# ledger head: 42 ab12\n"
    tag_id = create_annotated_tag(repo, "v1.0.0", message)
    assert tag_exists(repo, "v1.0.0")
    assert git_repo.text("rev-parse", "v1.0.0^{commit}") == sha
    assert git_repo.text("rev-parse", "v1.0.0") == tag_id != sha
    assert git_repo.text("tag", "-l", "--format=%(contents)", "v1.0.0") == message.rstrip("\n")
    with pytest.raises(UsageError, match="already exists"):
        create_annotated_tag(repo, "v1.0.0", "again")
    with pytest.raises(UsageError, match="not a valid git tag name"):
        tag_exists(repo, "bad..name")
