"""Linking commits to changes: trailer keys, several ids, subject patterns, unparsed ids."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hischange.vcs import (
    CommitInfo,
    SubjectPattern,
    extract_links,
    iter_commits,
    open_repo,
    split_change_ids,
)
from tests.support.git import GitRepo
from tests.vcs.messages import TRICKY_MESSAGES


def _read(git_repo: GitRepo, message: str | bytes) -> CommitInfo:
    sha = git_repo.commit(message)
    commit = next(iter(iter_commits(open_repo(git_repo.path), "HEAD")))
    assert commit.sha == sha
    return commit


def test_split_change_ids_separators() -> None:
    """Commas, semicolons, whitespace and full-width separators split ids; junk is kept."""
    ids, bad = split_change_ids("CR-2026-0001, cr-2026-0002;CR-2026-0003、CR-2026-00004 x")
    assert ids == ["CR-2026-0001", "CR-2026-0002", "CR-2026-0003", "CR-2026-00004"]
    assert bad == ["x"]
    assert split_change_ids("CR-26-1") == ([], ["CR-26-1"])


def test_keys_are_case_insensitive_and_configurable(git_repo: GitRepo) -> None:
    """Any configured key matches regardless of case; other keys do not link."""
    commit = _read(
        git_repo,
        "Fix\n\nhis-change: CR-2026-0001\nChange-Id: CR-2026-0002\nRefs: CR-2026-0003\n",
    )
    links = extract_links(commit, ["HIS-Change", "change-id"])
    assert links.change_ids == ("CR-2026-0001", "CR-2026-0002")
    assert [link.source for link in links.links] == ["his-change", "Change-Id"]
    assert [m.reason for m in links.unparsed_mentions] == ["key_not_configured"]
    assert extract_links(commit).change_ids == ("CR-2026-0001",)


def test_several_trailers_and_ids_are_deduplicated(git_repo: GitRepo) -> None:
    """Several trailers with several ids each link every distinct id once, in order."""
    commit = _read(git_repo, TRICKY_MESSAGES["several_ids"] + "HIS-Change: CR-2026-0015\n")
    assert extract_links(commit).change_ids == ("CR-2026-0015", "CR-2026-0016", "CR-2026-0017")


def test_subject_patterns_with_and_without_template(git_repo: GitRepo) -> None:
    """A legacy subject names changes directly or through a ticket mapping template."""
    commit = _read(git_repo, "[CR-2024-0042] 修复挂号 [HIS-7] [HIS-123456]\n")
    direct = SubjectPattern(pattern=r"\[(CR-\d{4}-\d{4,})\]")
    mapped = SubjectPattern(pattern=r"\[HIS-(\d+)\]", template="CR-2025-{0:0>4}")
    links = extract_links(commit, subject_patterns=[direct, mapped])
    assert links.change_ids == ("CR-2024-0042", "CR-2025-0007", "CR-2025-123456")
    assert {link.via for link in links.links} == {"subject"}
    assert extract_links(commit).change_ids == ()


def test_subject_mapping_to_a_non_id_is_invalid(git_repo: GitRepo) -> None:
    """A template result that is not a change id is reported, never linked."""
    commit = _read(git_repo, "[HIS-7] fix\n")
    bad = SubjectPattern(pattern=r"\[HIS-(\d+)\]", template="TICKET-{0}")
    links = extract_links(commit, subject_patterns=[bad])
    assert links.change_ids == ()
    assert [v.value for v in links.invalid_values] == ["TICKET-7"]


def test_subject_pattern_validation() -> None:
    """A broken regex or a template needing more groups than the pattern has is refused."""
    with pytest.raises(ValidationError, match="not a valid regex"):
        SubjectPattern(pattern=r"\[HIS-(\d+")
    with pytest.raises(ValidationError, match="does not fit"):
        SubjectPattern(pattern=r"\[HIS-(\d+)\]", template="CR-{0}-{1}")


@pytest.mark.parametrize(
    ("name", "linked", "mentions"),
    [
        (
            "chinese_key",
            (),
            [("CR-2026-0010", "invalid_key"), ("CR-2026-0011", "block_not_parsed")],
        ),
        ("chinese_key_sob", ("CR-2026-0013",), [("CR-2026-0012", "invalid_key")]),
        ("not_last_paragraph", (), [("CR-2026-0014", "not_in_trailer_block")]),
        ("prose_no_sob", (), [("CR-2026-0007", "block_not_parsed")]),
        ("fullwidth_colon", (), [("CR-2026-0021", "invalid_key")]),
        ("indented", (), [("CR-2026-0026", "invalid_key")]),
        ("other_key", (), [("CR-2026-0025", "key_not_configured")]),
        ("dash_divider", ("CR-2026-0001",), []),
        ("folded", ("CR-2026-0003", "CR-2026-0004"), []),
        ("crlf", ("CR-2026-0002",), []),
        ("sob_under_25", (), [("CR-2026-0006", "block_not_parsed")]),
    ],
)
def test_unparsed_mentions(
    git_repo: GitRepo, name: str, linked: tuple[str, ...], mentions: list[tuple[str, str]]
) -> None:
    """Ids written like trailers that git did not parse are reported with the reason."""
    links = extract_links(_read(git_repo, TRICKY_MESSAGES[name]))
    assert links.change_ids == linked
    assert [(m.change_id, m.reason) for m in links.unparsed_mentions] == mentions
    for mention in links.unparsed_mentions:
        assert mention.change_id in mention.explanation
        assert "HIS-Change" in mention.explanation


def test_non_ascii_key_explanation_mentions_the_block_drop(git_repo: GitRepo) -> None:
    """The explanation for 需求编号 says why git drops the whole block."""
    links = extract_links(_read(git_repo, TRICKY_MESSAGES["chinese_key"]))
    first = links.unparsed_mentions[0]
    assert "需求编号" in first.line
    assert "ASCII" in first.explanation and "dropped entirely" in first.explanation


def test_invalid_values_are_reported(git_repo: GitRepo) -> None:
    """A malformed id in a change trailer is an invalid value; the good id still links."""
    links = extract_links(_read(git_repo, TRICKY_MESSAGES["bad_value"]))
    assert links.change_ids == ("CR-2026-0027",)
    assert [(v.key, v.value) for v in links.invalid_values] == [("HIS-Change", "CR-26-1")]


def test_prose_mentions_are_not_flagged(git_repo: GitRepo) -> None:
    """An id in ordinary prose or as a sentence's subject is not a trailer mention."""
    message = "Fix\n\nThis follows up CR-2026-0001: wrong order.\nsee CR-2026-0002 too\n"
    assert extract_links(_read(git_repo, message)).unparsed_mentions == ()


def test_links_model_is_json_friendly(git_repo: GitRepo) -> None:
    """CommitLinks dumps to JSON and back unchanged."""
    links = extract_links(_read(git_repo, TRICKY_MESSAGES["chinese_key_sob"]))
    again = type(links).model_validate_json(links.model_dump_json())
    assert again == links
