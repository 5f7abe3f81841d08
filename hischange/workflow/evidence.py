"""The rules of test evidence (测试记录), without I/O: staleness and readiness.

Evidence is *current* when it tested the change's latest linked commit or a descendant of
it; older evidence is *stale*. Whether one commit descends from another is a git question,
so the caller asks git before the write transaction and passes the answers in as an
``Ancestry`` callable (for ``assess``) or as the resulting ``EvidenceFacts`` (for
``decide_ready``), which keeps both rules unit-testable without a repository.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from hischange.errors import HischangeError, WorkflowError
from hischange.events import AnyEvent, EvidenceRecorded
from hischange.ledger import AppendedEvent, ProjectionView
from hischange.workflow.change import ChangeState, EvidenceRef, decide_transition
from hischange.workflow.kinds import default_evidence
from hischange.workflow.state import load_change, put_change

__all__ = [
    "KIND_LABELS",
    "NO_EVIDENCE_STATES",
    "Ancestry",
    "EvidenceFacts",
    "EvidenceItem",
    "EvidenceStatus",
    "apply_evidence_event",
    "assess",
    "counted",
    "decide_evidence",
    "decide_ready",
    "readiness_problems",
    "required_kinds",
    "same_commit",
    "short",
]

EvidenceKind = Literal["automated", "onsite"]
#: ``ancestry(ancestor, descendant)``: True when ``ancestor`` is reachable from
#: ``descendant``. It may raise a HischangeError (unknown commit): that item is then stale.
Ancestry = Callable[[str, str], bool]

KIND_LABELS: dict[str, str] = {
    "automated": "automated test evidence (自动化测试记录)",
    "onsite": "on-site test record (现场测试记录)",
}


class EvidenceStatus(BaseModel):
    """One evidence item of a change, with whether it is stale and why."""

    model_config = ConfigDict(frozen=True)

    evidence_id: str
    kind: EvidenceKind
    env: str
    commit: str | None
    version: str = ""
    passed: bool
    summary: str
    at: datetime
    seq: int
    stale: bool
    why: str
    #: False when git could not be asked (no repository here, an unknown commit): the item
    #: is then not shown as current, but it is not known to be stale either (UNCHECKED).
    checked: bool = True


class EvidenceFacts(BaseModel):
    """Staleness of every evidence item, computed against one latest linked commit."""

    model_config = ConfigDict(frozen=True)

    latest_commit: str | None
    items: dict[str, EvidenceStatus]


def short(sha: str | None) -> str:
    """A commit id as people read it (8 characters)."""
    return sha[:8] if sha else "(no commit)"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in its number, for English text: ``1 test``, ``2 tests``."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def same_commit(a: str, b: str) -> bool:
    """Equal ids, allowing one to be an abbreviation (at least 7 characters) of the other."""
    a, b = a.lower(), b.lower()
    if min(len(a), len(b)) < 7:
        return a == b
    return a.startswith(b) or b.startswith(a)


def _judge(
    ref: EvidenceRef, commits: tuple[str, ...], ancestry: Ancestry | None
) -> tuple[bool, str]:
    """(stale, why) of one item; a ``why`` starting "cannot check" means git was not asked."""
    if not commits:
        if ref.commit is None:
            return False, "no commit recorded, and the change has no linked commits to compare"
        return False, "the change has no linked commits: nothing newer to compare with"
    latest = commits[-1]
    if ref.commit is None:
        return True, f"bound to no commit, only a version; latest commit {short(latest)}"
    if same_commit(ref.commit, latest):
        return False, f"tested the latest linked commit {short(latest)}"
    if any(same_commit(ref.commit, c) for c in commits[:-1]):
        return True, f"tested an older linked commit; latest commit {short(latest)}"
    if ancestry is None:
        return True, f"cannot check ancestry (no git repository); latest commit {short(latest)}"
    try:
        descends = ancestry(latest, ref.commit)
    except HischangeError as exc:
        return True, f"cannot check ancestry ({exc.message}); latest commit {short(latest)}"
    if descends:
        return (
            False,
            f"tested {short(ref.commit)}, which contains the latest commit {short(latest)}",
        )
    return True, f"latest commit {short(latest)}"


_UNCHECKED = "cannot check ancestry"


def assess(
    state: ChangeState, ancestry: Ancestry | None, gone: frozenset[str] = frozenset()
) -> EvidenceFacts:
    """Judge every evidence item of a change against its latest linked commit that is still
    in the repository: ``gone`` are linked commits no ref holds any more (a force-push
    dropped them), which no evidence can be stale against."""
    items: dict[str, EvidenceStatus] = {}
    commits = tuple(c for c in state.commits if c not in gone) if gone else state.commits
    for ref in state.evidence:
        stale, why = _judge(ref, commits, ancestry)
        if gone and commits != state.commits:
            dropped = [short(c) for c in state.commits if c in gone]
            why += f" (linked {', '.join(dropped)} no longer in the repository: ignored)"
        items[ref.evidence_id] = EvidenceStatus(
            evidence_id=ref.evidence_id,
            kind=ref.kind,
            env=ref.env,
            commit=ref.commit,
            passed=ref.passed,
            summary=ref.summary,
            at=ref.at,
            seq=ref.seq,
            stale=stale,
            why=why,
            checked=not why.startswith(_UNCHECKED),
        )
    return EvidenceFacts(latest_commit=state.commits[-1] if state.commits else None, items=items)


def required_kinds(
    required: Mapping[str, tuple[str, ...]], change_kind: str
) -> tuple[EvidenceKind, ...]:
    """Kinds of evidence a change kind needs: as configured, else as the kinds table says."""
    kinds = required[change_kind] if change_kind in required else default_evidence(change_kind)
    order: tuple[EvidenceKind, ...] = ("automated", "onsite")
    return tuple(k for k in order if k in kinds)


def _on(item: EvidenceStatus) -> str:
    if item.commit is None:
        return f" of version {item.version}" if item.version else ""
    return f" on {short(item.commit)}"


def _kind_problem(kind: str, items: list[EvidenceStatus]) -> str | None:
    label = KIND_LABELS[kind]
    current = [e for e in items if e.passed and not e.stale]
    if not current:
        stale = [e for e in items if e.passed and e.stale]
        if stale:
            last = stale[-1]
            return f"{label} {last.evidence_id}{_on(last)} is stale ({last.why})"
        failed = [e for e in items if not e.passed]
        if failed:
            last = failed[-1]
            return f"no passing {label}: {last.evidence_id}{_on(last)} did not pass"
        return f"no passing {label}"
    newest = current[-1]
    blocking = [e for e in items if not e.passed and not e.stale and e.seq > newest.seq]
    if blocking:
        last = blocking[-1]
        return (
            f"{label} {last.evidence_id}{_on(last)} did not pass after the last "
            f"passing {newest.evidence_id}: record newer passing evidence"
        )
    return None


def readiness_problems(
    state: ChangeState, facts: EvidenceFacts, required: tuple[str, ...]
) -> list[str]:
    """What keeps the evidence of a change from being sufficient; empty when it suffices.

    Per required kind: a passing, non-stale item, and no current failing item recorded
    after the newest such pass (failing evidence blocks until newer passing evidence).
    Stale failures do not block: they tested code that has since been superseded.
    """
    latest = state.commits[-1] if state.commits else None
    if facts.latest_commit != latest:
        return [
            f"commits were linked to {state.id} while its evidence was checked; "
            "run the command again"
        ]
    problems = []
    for kind in required:
        items = []
        for ref in sorted(state.evidence, key=lambda r: r.seq):
            if ref.kind != kind:
                continue
            status = facts.items.get(ref.evidence_id)
            if status is None:  # recorded after the facts were computed: judge it next time
                problems.append(f"{ref.evidence_id} was recorded while checking; run again")
                continue
            items.append(status)
        problem = _kind_problem(kind, items)
        if problem:
            problems.append(problem)
    return problems


def decide_ready(
    state: ChangeState,
    facts: EvidenceFacts,
    required: tuple[str, ...],
    sql_problems: Sequence[str] = (),
) -> list[AnyEvent]:
    """in_progress → ready, when the required evidence passes, is current and not overturned,
    and (``sql_problems``, from ``workflow.sql.sql_readiness_problems``) every SQL file
    reviewed for the change is approved at its current content."""
    decide_transition(state, "ready")  # refuses a move the state machine forbids
    problems = readiness_problems(state, facts, required)
    if problems:
        raise WorkflowError(
            f"{state.id} is not ready: " + "; ".join([*problems, *sql_problems]),
            hint=f"record passing evidence on the latest commit (hischange evidence add/record "
            f"{state.id}), then `hischange evidence list {state.id}`",
            rule="evidence_required",
        )
    if sql_problems:
        raise WorkflowError(
            f"{state.id} is not ready: " + "; ".join(sql_problems),
            hint=f"`hischange sql status {state.id}` shows each file; an approver runs "
            f"`hischange sql approve {state.id} FILE`",
            rule="sql_approval_required",
        )
    used = sorted(
        {
            max(
                (s for s in facts.items.values() if s.kind == k and s.passed and not s.stale),
                key=lambda s: s.seq,
            ).evidence_id
            for k in required
        }
    )
    reason = "evidence: " + ", ".join(used) if used else "no evidence required by config"
    return decide_transition(state, "ready", reason=reason, ref=",".join(used))


#: The states in which a change takes no more test evidence.
NO_EVIDENCE_STATES = frozenset({"closed", "rejected", "withdrawn"})


def decide_evidence(states: list[ChangeState]) -> None:
    """Evidence may be recorded for open changes only (every change it names)."""
    for state in states:
        if state.state in NO_EVIDENCE_STATES:
            raise WorkflowError(
                f"{state.id} is {state.state}; it takes no more test evidence",
                rule="state_machine",
                target=state.id,
            )


class EvidenceItem(BaseModel):
    """One recorded evidence item (the ``evidence`` aggregate; the event keeps the detail)."""

    model_config = ConfigDict(frozen=True)

    evidence_id: str
    change_ids: tuple[str, ...]
    kind: Literal["automated", "onsite"]
    commit: str | None
    version: str = ""
    env: str
    passed: bool
    summary: str
    recorded_by: str
    at: datetime
    seq: int


def apply_evidence_event(view: ProjectionView, appended: AppendedEvent) -> None:
    """Projection: the evidence aggregate, and a reference on every change it is for."""
    event = appended.event
    assert isinstance(event, EvidenceRecorded)
    ref = EvidenceRef(
        evidence_id=event.evidence_id,
        kind=event.kind,
        commit=event.commit,
        passed=event.passed,
        env=event.env,
        summary=event.summary,
        at=appended.at,
        seq=appended.seq,
    )
    for cid in event.change_ids:
        state = load_change(view, cid)
        if state is not None:
            put_change(
                view, state.model_copy(update={"evidence": (*state.evidence, ref)}), appended.seq
            )
    item = EvidenceItem(
        evidence_id=event.evidence_id,
        change_ids=event.change_ids,
        kind=event.kind,
        commit=event.commit,
        version=event.version,
        env=event.env,
        passed=event.passed,
        summary=event.summary,
        recorded_by=appended.actor,
        at=appended.at,
        seq=appended.seq,
    )
    view.put("evidence", event.evidence_id, item, appended.seq)
