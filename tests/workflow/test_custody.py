"""The commit-link projection equals the plain one-link-at-a-time definition, on any events
(shas named again within an event or across events, several changes per commit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hischange.events import ChangeFields, CommitLink, CommitsLinked
from hischange.store import AppendedEvent
from hischange.workflow.change import ChangeState
from hischange.workflow.custody import CommitRecord, apply_links
from hischange.workflow.projector import MemoryView

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CHANGES = ["CR-2026-0001", "CR-2026-0002", "CR-2026-0003"]
SHAS = [f"{n:040x}" for n in range(6)]
AUTHORS = ["a@x", "b@x", "c@x"]


def _state(change_id: str) -> ChangeState:
    fields = ChangeFields(kind="bugfix", title="t")
    return ChangeState(
        id=change_id, fields=fields, registered_by="r", registered_at=T0, due_at=T0, last_seq=0
    )


def _link(sha: str, ids: list[str], author: str) -> CommitLink:
    return CommitLink(
        sha=sha,
        change_ids=tuple(ids),
        author_name="n",
        author_email=author,
        committer_email=author,
        authored_at=T0,
        committed_at=T0,
        subject="s",
        via="trailer",
    )


def _reference(view: MemoryView, event: CommitsLinked, seq: int, at: datetime) -> None:
    """The definition: link by link, validated models, a sha named again moves last."""
    for link in event.links:
        record = CommitRecord(
            sha=link.sha,
            change_ids=link.change_ids,
            author_email=link.author_email,
            linked_at=at,
            linked_seq=seq,
        )
        view.put("commit", link.sha, record, seq)
        for change_id in link.change_ids:
            state = view.get("change", change_id)
            authors = tuple(dict.fromkeys((*state.authors, link.author_email)))
            commits = (*(c for c in state.commits if c != link.sha), link.sha)
            new = state.model_copy(update={"authors": authors, "commits": commits, "last_seq": seq})
            view.put("change", change_id, new, seq)


links = st.builds(
    _link,
    st.sampled_from(SHAS),
    st.lists(st.sampled_from(CHANGES), min_size=1, max_size=3, unique=True),
    st.sampled_from(AUTHORS),
)


@given(st.lists(st.lists(links, min_size=1, max_size=6), min_size=1, max_size=5))
def test_apply_links_equals_link_by_link_definition(batches: list[list[CommitLink]]) -> None:
    """Same commit records and change states (values, order and JSON) as the definition."""
    fast, slow = MemoryView(), MemoryView()
    for view in (fast, slow):
        for change_id in CHANGES:
            view.put("change", change_id, _state(change_id), 0)
    for seq, batch in enumerate(batches, 1):
        at = T0 + timedelta(minutes=seq)
        event = CommitsLinked(range="HEAD", links=tuple(batch))
        apply_links(fast, AppendedEvent.of(seq, at, "dev", "0" * 64, "1" * 64, event))
        _reference(slow, event, seq, at)
    assert fast.states.keys() == slow.states.keys()
    for key, state in slow.states.items():
        assert fast.states[key] == state, key
        assert fast.states[key].model_dump(mode="json") == state.model_dump(mode="json")
    assert fast.seqs == slow.seqs


def test_ignore_rule_globs_keep_brackets_literal_and_order_rules() -> None:
    """Author globs know only * and ? (``[bot]`` is literal, any case); subjects are
    regexes; a revert counts only when it reverts a linked commit; autosquash only off
    protected refs; no rule, no ignore."""
    from hischange.config import CustodyIgnore
    from hischange.workflow.custody import ignore_rule, reverted_commit

    rules = CustodyIgnore(
        reverts=True, autosquash=True, authors=("*[bot]@users.noreply.github.com",),
        subjects=(r"^Bump \S+ from ",),
    )  # fmt: skip
    bot = "1+Dependabot[bot]@users.noreply.github.com"
    assert ignore_rule("x", bot, rules) == ("author", "authors = '*[bot]@users.noreply.github.com'")
    assert ignore_rule("x", "b@users.noreply.github.com", rules) is None
    assert ignore_rule("Bump a from 1 to 2", "dev@vendor", rules)[0] == "subject"  # type: ignore[index]
    assert ignore_rule("Revert x", "dev@vendor", rules, reverts_linked=True)[0] == "revert"  # type: ignore[index]
    assert ignore_rule("Revert x", "dev@vendor", rules) is None
    assert ignore_rule("fixup! a", "dev@vendor", rules)[0] == "autosquash"  # type: ignore[index]
    assert ignore_rule("fixup! a", "dev@vendor", rules, protected=True) is None
    assert ignore_rule("fixup! a", "dev@vendor", CustodyIgnore()) is None
    sha = "a" * 40
    assert reverted_commit(f'Revert "x"\n\nThis reverts commit {sha}.\n') == sha
    assert reverted_commit("This reverts commit abc1234.") is None
