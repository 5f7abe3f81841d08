"""The streaming history reader, with git itself as the oracle."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hischange.errors import NotFoundError
from hischange.vcs import count_commits, iter_commits, open_repo, resolve_range
from hischange.vcs.models import CommitInfo
from tests.support.git import AUTHOR, BASE_EPOCH, COMMITTER, GitRepo
from tests.vcs.messages import TRICKY_MESSAGES


def _render(commit: CommitInfo) -> str:
    return "".join(f"{t.key}: {t.value}\n" for t in commit.trailers)


def _by_sha(git_repo: GitRepo, rev_range: str = "HEAD") -> dict[str, CommitInfo]:
    return {c.sha: c for c in iter_commits(open_repo(git_repo.path), rev_range)}


def test_trailers_match_git_log_for_tricky_messages(git_repo: GitRepo) -> None:
    """For every tricky message our trailers equal `git log %(trailers:only,unfold)`."""
    shas = {name: git_repo.commit(msg) for name, msg in TRICKY_MESSAGES.items()}
    read = _by_sha(git_repo)
    assert set(read) == set(shas.values())
    for name, sha in shas.items():
        oracle = git_repo.oracle(sha, "%(trailers:only,unfold)")
        assert _render(read[sha]) == oracle, name
        assert read[sha].message == git_repo.oracle(sha, "%B"), name
        assert read[sha].subject == git_repo.oracle(sha, "%s"), name
    # spot checks that the oracle really is tricky, so the comparison can fail
    assert read[shas["dash_divider"]].trailers[0].value == "CR-2026-0001"
    assert read[shas["dash_in_block"]].trailers == ()
    assert read[shas["chinese_key"]].trailers == ()
    assert read[shas["folded"]].trailers[0].value == "CR-2026-0003, CR-2026-0004"


def test_reads_identity_parents_and_utc_dates(git_repo: GitRepo) -> None:
    """Authors, committers, parents and dates come back exactly, dates in UTC."""
    first = git_repo.commit("one\n")
    second = git_repo.commit("two\n")
    merge = git_repo.commit("merge\n", parents=[second, first])
    commits = list(iter_commits(open_repo(git_repo.path), "HEAD"))
    assert [c.sha for c in commits] == [merge, second, first]
    top = commits[0]
    assert top.parents == (second, first)
    assert top.is_merge and not commits[1].is_merge
    assert (top.author_name, top.author_email) == AUTHOR
    assert (top.committer_name, top.committer_email) == COMMITTER
    expected = datetime.fromtimestamp(BASE_EPOCH + 180, tz=UTC)
    assert top.authored_at == expected == top.committed_at
    assert top.authored_at.utcoffset() is not None
    assert top.encoding is None and not top.message_lossy


def test_gbk_commit_is_reencoded_to_utf8(git_repo: GitRepo) -> None:
    """A message committed with i18n.commitEncoding=GBK reads back as the same text."""
    text = "门诊挂号: 增加医保电子凭证支付\n\nHIS-Change: CR-2026-0007\n"
    sha = git_repo.commit(text.encode("gbk"), encoding="GBK")
    (commit,) = iter_commits(open_repo(git_repo.path), "HEAD")
    assert commit.sha == sha
    assert commit.encoding == "GBK"
    assert commit.message == text
    assert not commit.message_lossy
    assert _render(commit) == git_repo.oracle(sha, "%(trailers:only,unfold)")


def test_invalid_utf8_is_replaced_and_flagged(git_repo: GitRepo) -> None:
    """Invalid bytes do not crash the reader; the commit is flagged message_lossy."""
    plain = git_repo.commit_raw(b"bad \xff\xfe bytes\n\nHIS-Change: CR-2026-0021\n")
    gbk = git_repo.commit_raw(
        b"bad \xff\xff gbk\n\nHIS-Change: CR-2026-0022\n", encoding_header="GBK"
    )
    read = _by_sha(git_repo)
    for sha in (plain, gbk):
        assert read[sha].message_lossy
        assert "\ufffd" in read[sha].subject
        assert _render(read[sha]) == git_repo.oracle(sha, "%(trailers:only,unfold)")
        assert read[sha].trailers[0].key == "HIS-Change"


def test_one_megabyte_message(git_repo: GitRepo) -> None:
    """A 1 MB message is read whole, its trailer found, neighbours unaffected."""
    git_repo.commit("before\n")
    big = "Big\n\n" + ("x" * 99 + "\n") * 10_500 + "\nHIS-Change: CR-2026-0100\n"
    sha = git_repo.commit(big)
    git_repo.commit("after\n\nHIS-Change: CR-2026-0101\n")
    commits = list(iter_commits(open_repo(git_repo.path), "HEAD"))
    assert [c.subject for c in commits] == ["after", "Big", "before"]
    assert commits[1].sha == sha
    assert commits[1].message == big
    assert commits[1].trailers[0].value == "CR-2026-0100"


def test_range_and_paths_filter(git_repo: GitRepo) -> None:
    """A range yields only its commits; paths limit to commits touching them."""
    base = git_repo.commit("base\n", files={"a.txt": "1"})
    git_repo.git("tag", "v1", base)
    sql = git_repo.commit("sql\n", files={"db/x.sql": "select 1;"})
    git_repo.commit("doc\n", files={"README": "hi"})
    repo = open_repo(git_repo.path)
    assert [c.subject for c in iter_commits(repo, "v1..HEAD")] == ["doc", "sql"]
    assert [c.sha for c in iter_commits(repo, "v1..", paths=["db"])] == [sql]
    assert count_commits(repo, "v1..HEAD") == 2
    assert count_commits(repo, "HEAD") == 3
    assert count_commits(repo, "v1..HEAD", paths=["*.sql"]) == 1


def test_empty_range_yields_nothing(git_repo: GitRepo) -> None:
    """HEAD..HEAD is empty, reported as such, and is not an error."""
    git_repo.commit("one\n")
    repo = open_repo(git_repo.path)
    rng = resolve_range(repo, "HEAD..HEAD")
    assert rng.empty and rng.base == rng.tip
    assert list(iter_commits(repo, "HEAD..HEAD")) == []
    assert not resolve_range(repo, "HEAD").empty


def test_unknown_revision_names_it(git_repo: GitRepo) -> None:
    """An unknown revision raises NotFoundError naming the revision."""
    git_repo.commit("one\n")
    repo = open_repo(git_repo.path)
    with pytest.raises(NotFoundError, match=r"v9\.9\.9"):
        list(iter_commits(repo, "v9.9.9..HEAD"))
    with pytest.raises(NotFoundError, match="nope"):
        count_commits(repo, "nope")


def test_symmetric_range_resolves_both_sides(git_repo: GitRepo) -> None:
    """A...B lists commits on either side but not the common ones."""
    base = git_repo.commit("base\n")
    left = git_repo.commit("left\n", update="refs/heads/left")
    right = git_repo.commit("right\n", parents=[base], update="refs/heads/right")
    repo = open_repo(git_repo.path)
    rng = resolve_range(repo, "left...right")
    assert rng.symmetric and (rng.base, rng.tip) == (left, right)
    assert {c.subject for c in iter_commits(repo, "left...right")} == {"left", "right"}


def test_stopping_early_closes_git(git_repo: GitRepo) -> None:
    """Abandoning the iterator after one commit ends the git process cleanly."""
    for n in range(5):
        git_repo.commit(f"c{n}\n")
    iterator = iter_commits(open_repo(git_repo.path), "HEAD")
    first = next(iterator)
    iterator.close()
    assert first.subject == "c4"
