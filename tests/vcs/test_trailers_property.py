"""Hypothesis: for generated messages our reader and check_message agree with git log."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hischange.vcs import check_message, extract_links, iter_commits, open_repo
from tests.support.git import GitRepo

_LINES = st.sampled_from(
    [
        "HIS-Change: CR-2026-0001",
        "his-change: CR-2026-0002, CR-2026-0003",
        "HIS-Change : CR-2026-0004",
        "  CR-2026-0005",  # a continuation line
        "\tcontinued text",
        "Signed-off-by: 王五 <wang.wu@hospital.example>",
        "Reviewed-by: Li <li@x.example>",
        "需求编号: CR-2026-0006",
        "HIS-Change：CR-2026-0007",
        "https://his.example/a: b",
        "see https://his.example/a: b",
        "---",
        "# comment",
        "plain prose about 门诊挂号",
        "(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)",
        "Key:",
        ": no key",
        "",
    ]
)
_PARAGRAPH = st.lists(_LINES, min_size=1, max_size=5)


@st.composite
def _messages(draw: st.DrawFn) -> str:
    subject = draw(st.sampled_from(["Fix", "门诊挂号: 增加医保支付", "HIS-Change: CR-2026-0009"]))
    paragraphs = draw(st.lists(_PARAGRAPH, max_size=4))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    trailing = draw(st.sampled_from(["", "\n", "\n\n", "  \n"]))
    blocks = [subject, *(newline.join(p) for p in paragraphs)]
    return (newline + newline).join(blocks) + newline + trailing


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(message=_messages())
def test_generated_messages_match_git(git_repo: GitRepo, message: str) -> None:
    """Reader trailers == git log; check_message predicts what `git commit` records."""
    sha = git_repo.commit(message)
    repo = open_repo(git_repo.path)
    commit = next(iter(iter_commits(repo, "HEAD")))
    assert commit.sha == sha
    oracle = git_repo.oracle(sha, "%(trailers:only,unfold)")
    assert "".join(f"{t.key}: {t.value}\n" for t in commit.trailers) == oracle
    assert commit.message == git_repo.oracle(sha, "%B")
    # the hook's prediction vs what `git commit` (with its cleanup) actually records
    check = check_message(message, repo=repo)
    msg_file = git_repo.path.parent / "hypothesis-msg.txt"
    msg_file.write_bytes(message.encode())
    git_repo.git("commit", "-q", "--allow-empty", "--cleanup=strip", "-F", str(msg_file))
    committed = next(iter(iter_commits(repo, "HEAD")))
    assert committed.sha != sha
    assert check.trailers == committed.trailers
    assert check.change_ids == extract_links(committed).change_ids
