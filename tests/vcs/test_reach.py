"""Rewritten history: recorded commits that are gone or unreachable are reported."""

from __future__ import annotations

import pytest

from hischange.errors import NotFoundError, UsageError
from hischange.vcs import default_protected_refs, missing_commits, open_repo
from tests.support.git import GitRepo


def _history(git_repo: GitRepo, n: int) -> list[str]:
    return [git_repo.commit(f"c{i}\n\nHIS-Change: CR-2026-{i:04d}\n") for i in range(n)]


def test_nothing_missing_on_intact_history(git_repo: GitRepo) -> None:
    """Every commit on main is reachable; nothing is reported."""
    shas = _history(git_repo, 4)
    assert missing_commits(open_repo(git_repo.path), shas) == []


def test_reset_and_gc_reports_absent_commit(git_repo: GitRepo) -> None:
    """After reset --hard + reflog expire + gc --prune=now the dropped commit is absent."""
    shas = _history(git_repo, 3)
    git_repo.git("reset", "-q", "--hard", "HEAD~1")
    git_repo.git("reflog", "expire", "--expire=now", "--all")
    git_repo.git("gc", "-q", "--prune=now")
    missing = missing_commits(open_repo(git_repo.path), shas)
    assert [(m.sha, m.reason) for m in missing] == [(shas[2], "absent")]


def test_force_push_style_rewrite_reports_unreachable(git_repo: GitRepo) -> None:
    """A branch rewritten to drop a commit (objects still present) reports it unreachable."""
    shas = _history(git_repo, 4)
    git_repo.git("tag", "v1", shas[0])
    # rewrite main: replay c3 on top of c1, dropping c2 (like a force-push)
    rewritten = git_repo.commit("c3\n", parents=[shas[1]], update="refs/heads/main")
    missing = missing_commits(open_repo(git_repo.path), [*shas, rewritten])
    assert [(m.sha, m.reason) for m in missing] == [
        (shas[2], "unreachable"),
        (shas[3], "unreachable"),
    ]


def test_tags_protect_commits_off_main(git_repo: GitRepo) -> None:
    """A commit reachable only from an (annotated) tag counts as reachable by default."""
    shas = _history(git_repo, 2)
    side = git_repo.commit("hotfix\n", parents=[shas[0]], update="refs/heads/hotfix")
    repo = open_repo(git_repo.path)
    assert [m.sha for m in missing_commits(repo, [side])] == [side]
    git_repo.git("tag", "-a", "-m", "release", "v1.0.1", side)
    assert missing_commits(repo, [side]) == []
    assert missing_commits(repo, [side], ["refs/heads/main"])[0].reason == "unreachable"


def test_default_refs_prefer_main_then_master(git_repo: GitRepo) -> None:
    """The default protected refs are all tags plus main, or master when only it exists."""
    _history(git_repo, 1)
    assert default_protected_refs(open_repo(git_repo.path)) == ("refs/tags/*", "refs/heads/main")
    git_repo.git("branch", "-m", "main", "master")
    assert default_protected_refs(open_repo(git_repo.path))[1] == "refs/heads/master"


def test_bad_inputs(git_repo: GitRepo) -> None:
    """Short ids are refused; protected refs that match nothing are a clear error."""
    shas = _history(git_repo, 1)
    repo = open_repo(git_repo.path)
    with pytest.raises(UsageError, match="full commit id"):
        missing_commits(repo, [shas[0][:7]])
    with pytest.raises(NotFoundError, match="refs/heads/release"):
        missing_commits(repo, shas, ["refs/heads/release"])
    assert missing_commits(repo, []) == []
