"""Test evidence (测试记录) as records: imported reports, pytest runs and on-site tests,
each bound to the commit it tested; the ``change ready`` command; the projection.

The adapter (``hischange.testing``) reads files and validates records; this module binds
them to commits (git), records ``EvidenceRecorded`` events, and judges staleness with the
pure rules in ``hischange.workflow.evidence``.

Evidence ids are ``EV-YYYY-NNNN``, allocated inside the write transaction from the
``evidence`` aggregates (like change ids), so two concurrent recordings never collide and
the ids read in recording order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from hischange import vcs
from hischange.errors import (
    HischangeError,
    IntegrityError,
    NotFoundError,
    UsageError,
    WorkflowError,
    clip,
)
from hischange.events import AnyEvent, CommandRefused, EvidenceRecorded, parse_event
from hischange.files import working_tree_sha256
from hischange.ids import EVIDENCE_ID, next_yearly_id, normalise_change_id
from hischange.project import Project
from hischange.services.changes import get_change, run_change_command
from hischange.testing import (
    ATTACHMENTS_DIR,
    TestReport,
    Totals,
    cases_by_reference,
    import_report,
    iter_cases,
)
from hischange.vcs.ancestry import is_ancestor, resolve_commit
from hischange.workflow.approval import ApprovalProgress
from hischange.workflow.change import ChangeState
from hischange.workflow.evidence import (
    Ancestry,
    EvidenceFacts,
    EvidenceItem,
    EvidenceStatus,
    assess,
    counted,
    decide_evidence,
    decide_ready,
    readiness_problems,
    required_kinds,
)
from hischange.workflow.projector import project
from hischange.workflow.sql import sql_readiness_problems
from hischange.workflow.state import load, load_change

if TYPE_CHECKING:  # SQLAlchemy loads only when a command writes
    from hischange.store import WriteTx

__all__ = [
    "ChangeDetail",
    "EvidenceList",
    "ReadyVerdict",
    "Recorded",
    "add_reports",
    "attachments_dir",
    "bind_commit",
    "change_detail",
    "evidence_cases",
    "evidence_facts",
    "list_evidence",
    "open_repo_or_none",
    "ready_change",
    "ready_verdict",
    "record_evidence",
    "record_session",
    "summarise",
]


class Recorded(BaseModel):
    """What a recording command did, and what the user should know about it."""

    model_config = ConfigDict(frozen=True)

    evidence: EvidenceItem
    notes: tuple[str, ...] = ()


class ReadyVerdict(BaseModel):
    """The verdict recorded when a change went ready (待发布): when, by whom, on which
    evidence. It stands as recorded; a later recomputation is a separate statement."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    by: str
    seq: int
    evidence: tuple[str, ...]
    reason: str


class ChangeDetail(ChangeState):
    """A change as ``change show`` presents it: its state, and each evidence item judged
    against its latest linked commit (git was asked; stale items say why)."""

    evidence_status: tuple[EvidenceStatus, ...] = ()
    #: multi-step approval (多级审批, ``[approval]``): who approved, who is still needed
    approvals: tuple[ApprovalProgress, ...] = ()
    #: external references (外部编号), ``system:id`` (``change new/edit --ref``)
    refs: tuple[str, ...] = ()
    #: the verdict recorded when the change last went ready (None if it never did)
    ready_verdict: ReadyVerdict | None = None


class EvidenceList(BaseModel):
    """Every evidence item of a change, judged against its latest linked commit."""

    model_config = ConfigDict(frozen=True)

    change_id: str
    latest_commit: str | None
    required: tuple[str, ...]
    items: tuple[EvidenceStatus, ...]
    #: Today's recomputation: what keeps ``change ready`` from accepting the evidence now;
    #: empty when it suffices.
    problems: tuple[str, ...]
    #: The change's state now.
    state: str = ""
    #: The verdict recorded when the change last went ready (None if it never did).
    recorded: ReadyVerdict | None = None
    #: Whether a git repository was there to answer ancestry questions today.
    git: bool = True


def summarise(tool: str, totals: Totals) -> str:
    """One line such as ``pytest: 12 tests, 0 failures, 0 errors, 1 skipped``."""
    text = (
        f"{tool}: {counted(totals.tests, 'test')}, {counted(totals.failures, 'failure')}, "
        f"{counted(totals.errors, 'error')}, {totals.skipped} skipped"
    )
    return text + (" (0 tests: evidence of nothing)" if totals.tests == 0 else "")


def open_repo_or_none(proj: Project) -> vcs.GitRepository | None:
    """The project's git repository, or None when the project is not inside one."""
    try:
        return vcs.open_repo(proj.root)
    except NotFoundError:
        return None


def bind_commit(proj: Project, commit: str | None) -> str:
    """The full id of ``commit`` (else of HEAD) in the project's repository."""
    repo = open_repo_or_none(proj)
    if commit:
        if repo is not None:
            return resolve_commit(repo, commit)
        if not re.fullmatch(r"[0-9a-fA-F]{7,64}", commit):
            raise UsageError(f"--commit {commit!r} is not a hex commit id (7 to 64 characters)")
        return commit.lower()
    if repo is None:
        raise UsageError(
            f"{proj.root} is not inside a git repository, so the tested commit is unknown",
            hint="pass --commit SHA (the commit the tests ran on)",
        )
    return vcs.head_sha(repo)


def _check_env(proj: Project, env: str) -> str:
    allowed = proj.config.evidence.environments
    if env not in allowed:
        raise UsageError(
            f"unknown environment {env!r}; valid: {', '.join(allowed)}",
            hint="add it to [evidence] environments in .hischange/config.toml",
        )
    return env


def _next_evidence_id(tx: WriteTx) -> str:
    year = tx.now.year
    return next_yearly_id(EVIDENCE_ID, "EV", year, tx.keys("evidence", f"EV-{year}-"))


def _ids(change_ids: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(normalise_change_id(c) for c in change_ids))


def record_evidence(
    proj: Project,
    actor: str,
    command: str,
    change_ids: Sequence[str],
    event: EvidenceRecorded,
) -> EvidenceItem:
    """Record one evidence event for several changes in one transaction; its id
    (``EV-YYYY-NNNN``) is allocated inside that transaction and replaces ``event``'s.

    An unknown change records nothing (exit 3); a closed, rejected or withdrawn change is
    a refusal, recorded as such (exit 5).
    """
    ids = _ids(change_ids)
    if not ids:
        raise UsageError("name at least one change (CR-…) the evidence is for")
    refusal: WorkflowError | None = None
    with proj.store.write(project) as tx:
        states = []
        for cid in ids:
            state = load_change(tx, cid)
            if state is None:
                raise NotFoundError(f"no change {cid}", hint="`hischange change list` shows them")
            states.append(state)
        events: list[AnyEvent]
        try:
            decide_evidence(states)
        except WorkflowError as exc:
            refusal = exc
            events = [
                CommandRefused(
                    command=command, change_id=exc.target, rule=exc.rule, reason=exc.message
                )
            ]
            evidence_id = ""
        else:
            evidence_id = _next_evidence_id(tx)
            events = [event.model_copy(update={"evidence_id": evidence_id})]
        tx.append(actor, list(events))
        item = load(tx, "evidence", evidence_id, EvidenceItem) if evidence_id else None
    if refusal is not None:
        raise refusal
    assert item is not None
    return item


def add_reports(
    proj: Project,
    actor: str,
    change_ids: Sequence[str],
    paths: Sequence[Path],
    *,
    env: str,
    commit: str | None = None,
) -> Recorded:
    """Import JUnit/TRX reports and record them as ONE automated evidence item.

    It passes only when every report ran at least one test and none failed or errored: a
    report with 0 tests is recorded, but as evidence of nothing (not passing).
    """
    if not paths:
        raise UsageError("no report files given", hint="pass --junit FILE or --trx FILE")
    _check_env(proj, env)
    for cid in change_ids:  # fail on an unknown change before reading anything
        get_change(proj, cid)
    limit = proj.config.evidence.max_message_chars
    reports: list[TestReport] = []
    notes: list[str] = []
    for path in dict.fromkeys(paths):
        report = import_report(path, max_message_chars=limit)
        if any(r.sha256 == report.sha256 for r in reports):
            notes.append(f"{report.file_name}: same content as an earlier file, counted once")
            continue
        reports.append(report)
        if report.empty:
            notes.append(
                f"{report.file_name}: 0 tests — recorded as evidence of nothing, NOT passing"
            )
        if not report.totals_consistent:
            notes.append(
                f"{report.file_name}: the counts the file declares disagree with its test "
                "cases; the cases were counted"
            )
    tested = bind_commit(proj, commit)
    passed = all(r.passed for r in reports)
    summary = "; ".join(summarise(r.tool, r.totals) for r in reports)
    detail: dict[str, Any] = {"reports": [_report_detail(proj, r) for r in reports]}

    event = EvidenceRecorded(
        evidence_id="",  # allocated inside the write transaction
        change_ids=_ids(change_ids),
        kind="automated",
        commit=tested,
        env=env,
        passed=passed,
        summary=summary,
        detail=detail,
    )
    item = record_evidence(proj, actor, "evidence add", change_ids, event)
    return Recorded(evidence=item, notes=tuple(notes))


def attachments_dir(proj: Project) -> Path:
    """The project's attachment store (on-site test files, stored test cases)."""
    return proj.state_dir / ATTACHMENTS_DIR


def _report_detail(proj: Project, report: TestReport) -> dict[str, Any]:
    """What the event keeps of a report: everything but its cases, which go to the
    attachment store by reference (the failed ones are kept inline too)."""
    kept = report.model_dump(mode="json", exclude={"cases"})
    return kept | cases_by_reference(
        attachments_dir(proj),
        report.cases,
        lambda c: c.outcome,  # type: ignore[attr-defined]
    )


def record_session(
    proj: Project,
    actor: str,
    change_ids: Sequence[str],
    *,
    totals: Totals,
    cases: list[dict[str, Any]],
    configuration: dict[str, str],
    env: str = "test",
    extra: dict[str, Any] | None = None,
) -> Recorded:
    """Record a pytest session (the plugin) as automated evidence for HEAD."""
    _check_env(proj, env)
    repo = open_repo_or_none(proj)
    if repo is None:
        raise UsageError(
            f"{proj.root} is not inside a git repository; a run is recorded for HEAD",
            hint="run the tests inside the repository, or import the JUnit XML with "
            "`hischange evidence add --commit SHA`",
        )
    head = vcs.head_sha(repo)
    dirty = vcs.is_dirty(repo)
    notes = ["the working tree had uncommitted changes: the run tested more than HEAD"] * dirty
    passed = totals.tests > 0 and totals.failures == 0 and totals.errors == 0
    run = {"tool": "pytest", "totals": totals.model_dump(mode="json")}
    run |= cases_by_reference(attachments_dir(proj), cases, lambda c: c["outcome"])  # type: ignore[index]
    detail: dict[str, Any] = {
        "run": run,
        "configuration": configuration,
        "dirty": dirty,
        **(extra or {}),
    }

    event = EvidenceRecorded(
        evidence_id="",  # allocated inside the write transaction
        change_ids=_ids(change_ids),
        kind="automated",
        commit=head,
        env=env,
        passed=passed,
        summary=summarise("pytest", totals) + (" (uncommitted changes)" if dirty else ""),
        detail=detail,
    )
    item = record_evidence(proj, actor, "pytest --hischange-change", change_ids, event)
    return Recorded(evidence=item, notes=tuple(notes))


def evidence_cases(
    proj: Project, evidence_id: str, *, failed_only: bool = False
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every test case of an automated evidence item as ``(report, case)``, in report order,
    streamed: read from the attachment store by the event's reference (or inline, from an
    event written before cases went by reference). A missing or corrupt blob is an integrity
    error (exit 4); an unknown id is exit 3."""
    wanted = evidence_id.strip().upper()
    if not EVIDENCE_ID.match(wanted):
        raise UsageError(
            f"{clip(evidence_id)} is not an evidence id",
            hint="evidence ids look like EV-2026-0001 (`hischange evidence list CR-…`)",
        )
    item = proj.store.aggregate("evidence", wanted)
    if item is None:
        raise NotFoundError(
            f"no evidence {clip(evidence_id)}", hint="`hischange evidence list CR-…` shows them"
        )
    seq = int(item["seq"])
    row = next(proj.store.stored_events(since_seq=seq - 1, batch=1), None)
    if row is None or row.seq != seq:
        raise IntegrityError(
            f"the event of {wanted} (sequence {seq}) is missing",
            hint="run `hischange audit verify`",
        )
    event = parse_event(json.loads(row.body)["event"])
    if not isinstance(event, EvidenceRecorded) or event.evidence_id != wanted:
        raise IntegrityError(
            f"sequence {seq} is not the event of {wanted}", hint="run `hischange audit verify`"
        )
    parts = [(str(r.get("file_name", "")), r) for r in event.detail.get("reports", ())]
    if isinstance(event.detail.get("run"), dict):
        parts.append(("pytest", event.detail["run"]))
    folder = attachments_dir(proj)
    for label, part in parts:
        for case in iter_cases(folder, part):
            if not failed_only or case.get("outcome") in ("failed", "error"):
                yield label, case


class _LazyAncestry:
    """Opens the repository only when a question needs git."""

    def __init__(self, proj: Project) -> None:
        self.proj = proj
        self.repo: vcs.GitRepository | None = None

    def __call__(self, ancestor: str, descendant: str) -> bool:
        if self.repo is None:
            self.repo = vcs.open_repo(self.proj.root)
        return is_ancestor(self.repo, ancestor, descendant)


def evidence_facts(proj: Project, state: ChangeState) -> EvidenceFacts:
    """Staleness of every evidence item of a change (asks git when it must)."""
    # Without a repository each question fails and the item is reported stale, saying why.
    ancestry: Ancestry = _LazyAncestry(proj)
    return assess(state, ancestry, _gone(proj, state))


def _gone(proj: Project, state: ChangeState) -> frozenset[str]:
    """The change's linked commits that no branch, tag or remote ref holds any more."""
    if not state.commits or not state.evidence:
        return frozenset()
    try:
        repo = vcs.open_repo(proj.root)
        return frozenset(vcs.gone_commits(repo, state.commits))
    except HischangeError:
        return frozenset()  # no repository: ancestry questions fail and say so


def change_detail(proj: Project, change_id: str) -> ChangeDetail:
    """One change with the staleness of its evidence (``change show``)."""
    state = get_change(proj, change_id)
    facts = evidence_facts(proj, state) if state.evidence else None
    items = sorted(facts.items.values(), key=lambda s: s.seq) if facts else []
    refs = (proj.store.aggregate("change_refs", state.id) or {}).get("refs", ())
    from hischange.services.sql import approval_progress

    return ChangeDetail(
        **dict(state),
        evidence_status=tuple(items),
        refs=tuple(refs),
        ready_verdict=ready_verdict(proj, state.id),
        approvals=tuple(approval_progress(proj, state)),
    )


def list_evidence(proj: Project, change_id: str) -> EvidenceList:
    """Every evidence item of a change, stale or current and why, and what blocks ready."""
    state = get_change(proj, change_id)
    facts = evidence_facts(proj, state)
    items = []
    for status in sorted(facts.items.values(), key=lambda s: s.seq):
        data = proj.store.aggregate("evidence", status.evidence_id) or {}
        items.append(status.model_copy(update={"version": data.get("version", "")}))
    required = required_kinds(proj.config.evidence.required, state.fields.kind)
    return EvidenceList(
        change_id=state.id,
        latest_commit=facts.latest_commit,
        required=required,
        items=tuple(items),
        problems=tuple(readiness_problems(state, facts, required)),
        state=state.state,
        recorded=ready_verdict(proj, state.id),
        git=open_repo_or_none(proj) is not None,
    )


def ready_verdict(proj: Project, change_id: str) -> ReadyVerdict | None:
    """The verdict recorded when the change last went ready: its ``change_transitioned``
    event to ``ready`` (read through the store's per-change index)."""
    found: ReadyVerdict | None = None
    for row in proj.store.stored_events(change_id=change_id):
        if row.type != "change_transitioned":
            continue
        doc = json.loads(row.body)
        event = doc["event"]
        if event.get("to") == "ready" and event.get("change_id") == change_id:
            found = ReadyVerdict(
                at=datetime.fromisoformat(doc["at"]),
                by=row.actor,
                seq=row.seq,
                evidence=tuple(x for x in str(event.get("ref", "")).split(",") if x),
                reason=str(event.get("reason", "")),
            )
    return found


def ready_change(proj: Project, actor: str, change_id: str) -> ChangeState:
    """in_progress → ready (待发布) when passing, current evidence of each required kind
    exists and the change's SQL is approved at its current content; refused (and the refusal
    recorded) naming everything missing."""
    state = get_change(proj, change_id)
    facts = evidence_facts(proj, state)  # git I/O happens here, before the transaction
    required = required_kinds(proj.config.evidence.required, state.fields.kind)
    sql = sql_readiness_problems(state, _sql_hashes(proj, state))

    def decide(s: ChangeState, _tx: WriteTx) -> list[AnyEvent]:
        return decide_ready(s, facts, required, sql)

    return run_change_command(proj, actor, "change ready", change_id, decide)


def _sql_hashes(proj: Project, state: ChangeState) -> dict[str, str | None]:
    """The SHA-256 of each SQL file of the change in the working tree (what `sql approve`
    hashes), None when it is gone."""
    out: dict[str, str | None] = {}
    for name in state.sql_files:
        path = proj.root / name
        out[name] = working_tree_sha256(path)
    return out
