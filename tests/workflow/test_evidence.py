"""The pure evidence rules: staleness against the latest linked commit, and `ready`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hischange.config import EvidenceConfig
from hischange.errors import NotFoundError, WorkflowError
from hischange.events import ChangeFields, ChangeTransitioned
from hischange.workflow.change import ChangeState, EvidenceRef
from hischange.workflow.evidence import (
    assess,
    decide_ready,
    readiness_problems,
    required_kinds,
    same_commit,
)

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
OLD, NEW, CHILD, OTHER = "a" * 40, "b" * 40, "c" * 40, "d" * 40


def _state(kind: str = "bugfix", commits: tuple[str, ...] = (), *refs: EvidenceRef) -> ChangeState:
    return ChangeState(
        id="CR-2026-0007",
        fields=ChangeFields(kind=kind, title="t"),  # type: ignore[arg-type]
        state="in_progress",
        registered_by="dev@vendor",
        registered_at=T0,
        due_at=T0,
        commits=commits,
        evidence=refs,
    )


def _ev(n: int, commit: str | None, passed: bool = True, kind: str = "automated") -> EvidenceRef:
    return EvidenceRef(
        evidence_id=f"EV-2026-{n:04d}",
        kind=kind,  # type: ignore[arg-type]
        commit=commit,
        passed=passed,
        env="test",
        summary="s",
        at=T0,
        seq=n,
    )


def _descends(ancestor: str, descendant: str) -> bool:
    """A tiny history: OLD <- NEW <- CHILD; OTHER is unrelated."""
    order = [OLD, NEW, CHILD]
    if ancestor in order and descendant in order:
        return order.index(ancestor) <= order.index(descendant)
    return False


def test_no_linked_commits_means_current() -> None:
    """With no linked commits, evidence on any commit (or none) is current."""
    facts = assess(_state("bugfix", (), _ev(1, OTHER), _ev(2, None)), _descends)
    assert [s.stale for s in facts.items.values()] == [False, False]


def test_latest_descendant_older_and_missing_commit() -> None:
    """Latest or descendant: current; older linked, unrelated, or no commit: stale."""
    state = _state("bugfix", (OLD, NEW), _ev(1, NEW), _ev(2, CHILD), _ev(3, OLD), _ev(4, OTHER))
    state = state.model_copy(update={"evidence": (*state.evidence, _ev(5, None))})
    items = assess(state, _descends).items
    assert {k: v.stale for k, v in items.items()} == {
        "EV-2026-0001": False,
        "EV-2026-0002": False,
        "EV-2026-0003": True,
        "EV-2026-0004": True,
        "EV-2026-0005": True,
    }
    assert NEW[:8] in items["EV-2026-0004"].why
    assert "only a version" in items["EV-2026-0005"].why


def test_abbreviated_commit_matches_and_git_errors_mean_stale() -> None:
    """A 7+ character prefix of the latest commit is current; a failing git check is stale."""

    def broken(_a: str, _b: str) -> bool:
        raise NotFoundError("unknown commit")

    items = assess(_state("bugfix", (NEW,), _ev(1, NEW[:10]), _ev(2, OTHER)), broken).items
    assert items["EV-2026-0001"].stale is False
    assert items["EV-2026-0002"].stale is True and "unknown commit" in items["EV-2026-0002"].why
    assert same_commit("abcdef1", "ABCDEF1234") and not same_commit("abc", "abcdef1")


def test_required_kinds_default_and_unlisted() -> None:
    """Defaults: both for customization/interface, automated for bugfix and unlisted kinds."""
    req = EvidenceConfig().required
    assert required_kinds(req, "customization") == ("automated", "onsite")
    assert required_kinds(req, "interface") == ("automated", "onsite")
    assert required_kinds(req, "bugfix") == ("automated",)
    assert required_kinds(req, "report") == ("automated",)
    assert required_kinds({"report": ()}, "report") == ()


def test_ready_refusal_names_everything_missing() -> None:
    """Missing on-site record and stale automated evidence are both named."""
    state = _state("customization", (OLD, NEW), _ev(1, OLD))
    with pytest.raises(WorkflowError) as info:
        decide_ready(state, assess(state, _descends), ("automated", "onsite"))
    message = info.value.message
    assert message.startswith("CR-2026-0007 is not ready: ")
    assert f"EV-2026-0001 on {OLD[:8]} is stale (" in message
    assert f"latest commit {NEW[:8]})" in message
    assert "no passing on-site test record (现场测试记录)" in message
    assert info.value.rule == "evidence_required"


def test_newer_failure_blocks_until_newer_pass() -> None:
    """A current failure after the newest pass blocks; a later pass clears it."""
    blocked = _state("bugfix", (NEW,), _ev(1, NEW), _ev(2, NEW, passed=False))
    problems = readiness_problems(blocked, assess(blocked, _descends), ("automated",))
    assert len(problems) == 1 and "EV-2026-0002" in problems[0]
    cleared = blocked.model_copy(update={"evidence": (*blocked.evidence, _ev(3, CHILD))})
    (event,) = decide_ready(cleared, assess(cleared, _descends), ("automated",))
    assert isinstance(event, ChangeTransitioned)
    assert (event.to, event.ref) == ("ready", "EV-2026-0003")


def test_stale_failure_does_not_block() -> None:
    """A failure on an older commit, recorded later, does not block a current pass."""
    state = _state("bugfix", (OLD, NEW), _ev(1, NEW), _ev(2, OLD, passed=False))
    assert readiness_problems(state, assess(state, _descends), ("automated",)) == []


def test_facts_from_another_latest_commit_are_refused() -> None:
    """Facts computed before a new commit was linked do not decide (run again)."""
    before = _state("bugfix", (OLD,), _ev(1, OLD))
    facts = assess(before, _descends)
    after = before.model_copy(update={"commits": (OLD, NEW)})
    assert "run the command again" in readiness_problems(after, facts, ("automated",))[0]


def test_ready_only_from_in_progress() -> None:
    """The state machine is checked first: a draft cannot become ready."""
    state = _state("bugfix", (), _ev(1, OLD)).model_copy(update={"state": "draft"})
    with pytest.raises(WorkflowError, match="cannot move from draft to ready"):
        decide_ready(state, assess(state, _descends), ("automated",))


def test_nothing_required_is_ready() -> None:
    """A kind configured to need no evidence becomes ready without any."""
    state = _state("report")
    (event,) = decide_ready(state, assess(state, None), ())
    assert isinstance(event, ChangeTransitioned)
    assert event.reason == "no evidence required by config"
