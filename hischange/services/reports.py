"""Period reports a hospital files: the monthly inspection report (月度巡检报告) and the
semi-annual assessment (半年考核), their figures computed from the ledger, and the two
parties' signatures (乙方 vendor, 甲方 hospital) over each report's digest.

``compute_monthly`` is pure: the figures of one month from the events up to its end, so a
report of a finished month never changes (its digest is what both parties sign). Month
boundaries are midnight in the site's time zone; storage and the ledger stay UTC.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict

from hischange.config import FaultsConfig
from hischange.errors import UsageError, WorkflowError, clip
from hischange.events import (
    ChangeApproved,
    ChangeRegistered,
    ChangeTransitioned,
    CommandRefused,
    DeploymentRecorded,
    EventRecord,
    RollbackRecorded,
)
from hischange.ledger import AppendedEvent, canonical
from hischange.project import Project
from hischange.services.audit import read_log
from hischange.workflow.change import ChangeState
from hischange.workflow.fault import (
    FaultState,
    RecurringGroup,
    onsite_clock,
    recurring_groups,
    remote_clock,
)
from hischange.workflow.projector import MemoryView, project
from hischange.workflow.reports import PARTIES, ReportState, decide_sign
from hischange.workflow.state import load
from hischange.workflow.training import TrainingState

__all__ = [
    "AssessmentMonth",
    "AssessmentReport",
    "ChangeLine",
    "Compliance",
    "DeploymentRow",
    "EmergencyRow",
    "FaultFigures",
    "FaultRow",
    "KindBillingRow",
    "LedgerPoint",
    "MonthlyReport",
    "ReportListing",
    "RiskRow",
    "SignatureBlock",
    "SiteHeader",
    "TrainingRow",
    "assessment_report",
    "compute_monthly",
    "list_reports",
    "monthly_report",
    "parse_half",
    "parse_month",
    "report_digest",
    "sign_report",
    "site_header",
]

#: Filed by the 10th of the following month (contract: 每月 10 日前提交).
FILING_DAY = 10
_TERMINAL = frozenset({"closed", "rejected", "withdrawn"})
_DONE = frozenset({"verified", "closed"})
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_HALF = re.compile(r"^(\d{4})H([12])$", re.IGNORECASE)
URGENCIES = ("emergency", "high", "normal", "low")
BILLINGS = ("free_interface", "covered", "negotiated")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class SiteHeader(_Model):
    """Who the report is between (the ``[site]`` settings)."""

    hospital: str = ""
    vendor: str = ""
    contract: str = ""
    contract_period: str = ""
    timezone: str = "Asia/Shanghai"


class KindBillingRow(_Model):
    """Changes of one kind and billing class that moved in the month."""

    kind: str
    billing: str
    registered: int = 0
    approved: int = 0
    released: int = 0
    deployed: int = 0
    closed: int = 0
    #: Person-days (人天) of the changes counted in this row, for negotiated changes.
    effort_days: str = "0"


class Compliance(_Model):
    """Due-time compliance of one urgency: done (verified or closed) in the month on time or
    late, and open past its due time at the month's end."""

    urgency: str
    met: int = 0
    late: int = 0
    open_overdue: int = 0


class EmergencyRow(_Model):
    """An emergency change active in the month, with its retroactive approval and review."""

    change_id: str
    title: str
    state: str
    started_unapproved: bool
    approved_at: datetime | None
    approver: str
    retroactive: bool
    reviewed: bool


class DeploymentRow(_Model):
    """Deployments and rollbacks at one site and environment in the month."""

    site: str
    env: str
    deployments: int = 0
    succeeded: int = 0
    failed: int = 0
    rolled_back: int = 0
    rollbacks: int = 0


class RiskRow(_Model):
    """An open risk at the month's end."""

    risk: Literal["overdue", "stale_approval", "unapproved_sql", "stale_evidence"]
    change_id: str
    detail: str


class ChangeLine(_Model):
    """One change active in the month, for the change list (XLSX, CSV)."""

    change_id: str
    title: str
    kind: str
    billing: str
    effort_days: str
    urgency: str
    emergency: bool
    system: str
    requester: str
    state: str
    registered_at: datetime
    due_at: datetime


class FaultRow(_Model):
    """A fault reported in the month, with its response clocks at the month's end."""

    fault_id: str
    system: str
    severity: str
    symptom: str
    reported_at: datetime
    status: str
    remote: str
    onsite: str
    recurring: bool
    change_id: str | None = None


class FaultFigures(_Model):
    """The month's faults (故障登记): counts, response-time figures (应急响应) and the
    recurring groups (重复故障) with a fault in the month."""

    total: int = 0
    major: int = 0
    resolved: int = 0
    open: int = 0
    remote_met: int = 0
    remote_missed: int = 0
    remote_open: int = 0
    onsite_met: int = 0
    onsite_missed: int = 0
    onsite_open: int = 0
    onsite_not_needed: int = 0
    faults: tuple[FaultRow, ...] = ()
    recurring: tuple[RecurringGroup, ...] = ()


class TrainingRow(_Model):
    """A training held in the month (培训记录)."""

    training_id: str
    topic: str
    day: date
    trainer: str
    attendees: int
    department: str
    kind: str
    hours: str


class LedgerPoint(_Model):
    """A point of the hash chain: a sequence number and its hash."""

    seq: int
    hash: str
    at: datetime | None = None
    type: str = ""


class SignatureBlock(_Model):
    """One party's signature block: empty until the party signs this content."""

    party: Literal["vendor", "hospital"]
    label: str
    name: str = ""
    signed_at: datetime | None = None


class MonthlyReport(_Model):
    """The monthly inspection report (月度巡检报告)."""

    report: str
    month: str
    site: SiteHeader
    period_start: datetime
    period_end: datetime
    events: int
    changes: tuple[KindBillingRow, ...]
    totals: KindBillingRow
    compliance: tuple[Compliance, ...]
    emergencies: tuple[EmergencyRow, ...]
    deployments: tuple[DeploymentRow, ...]
    faults: FaultFigures
    trainings: tuple[TrainingRow, ...]
    risks: tuple[RiskRow, ...]
    change_list: tuple[ChangeLine, ...]
    ledger_head: LedgerPoint
    checkpoint: LedgerPoint | None
    #: SHA-256 of the canonical JSON of everything above (what the parties sign).
    digest: str = ""
    signatures: tuple[SignatureBlock, ...] = ()
    filed: bool = False
    filing_due: date | None = None


class AssessmentMonth(_Model):
    """One month of the half year: its figures in short and its filing status."""

    month: str
    digest: str
    registered: int
    closed: int
    met: int
    late: int
    open_overdue: int
    emergencies: int
    emergencies_reviewed: int
    deployments: int
    rollbacks: int
    faults: int
    faults_remote_missed: int
    faults_onsite_missed: int
    trainings: int
    risks: int
    signed_by: tuple[str, ...]
    filed: bool
    filing_due: date


class AssessmentReport(_Model):
    """The semi-annual assessment (半年考核): six months and their totals, plus a section for
    the hospital's own scores (filled in by the hospital on the signed copy)."""

    report: str
    half: str
    site: SiteHeader
    period_start: datetime
    period_end: datetime
    months: tuple[AssessmentMonth, ...]
    totals: AssessmentMonth
    months_filed: int
    on_time_rate: str
    score_items: tuple[str, ...]
    ledger_head: LedgerPoint
    checkpoint: LedgerPoint | None
    digest: str = ""
    signatures: tuple[SignatureBlock, ...] = ()
    filed: bool = False


class ReportListing(_Model):
    """One monthly report's filing status (``report list``)."""

    report: str
    month: str
    digest: str
    signed_by: tuple[str, ...]
    filed: bool
    filing_due: date
    overdue: bool


#: The hospital's own assessment items (scored by the hospital on the signed copy).
SCORE_ITEMS = (
    "response",
    "change_management",
    "monthly_reports",
    "training",
    "faults",
    "satisfaction",
)


def site_header(proj: Project) -> SiteHeader:
    """The site settings of the project's config (``[site]``)."""
    site = proj.config.site
    period = " — ".join(d for d in (site.contract_start, site.contract_end) if d)
    return SiteHeader(
        hospital=site.hospital,
        vendor=site.vendor,
        contract=site.contract_number,
        contract_period=period,
        timezone=site.timezone,
    )


def _zone(site: SiteHeader) -> ZoneInfo:
    try:
        return ZoneInfo(site.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {clip(site.timezone)} in [site] timezone",
            hint="give an IANA name such as Asia/Shanghai",
        ) from None


def parse_month(text: str, site: SiteHeader) -> tuple[str, datetime, datetime]:
    """``YYYY-MM`` → (the month, its start, its end) as UTC instants of the site's midnight."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 9998:
        raise UsageError(
            f"month {clip(text)} is not YYYY-MM", hint="give e.g. --month 2026-11 (from 2000)"
        )
    year, month = int(match[1]), int(match[2])
    zone = _zone(site)
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return f"{year:04d}-{month:02d}", start.astimezone(UTC), end.astimezone(UTC)


def parse_half(text: str) -> tuple[str, list[str]]:
    """``2026H2`` → ("2026H2", its six months)."""
    match = _HALF.match(text.strip())
    if not match or not 2000 <= int(match[1]) <= 9998:
        raise UsageError(
            f"half year {clip(text)} is not YYYYH1 or YYYYH2", hint="give e.g. --half 2026H2"
        )
    year, half = int(match[1]), int(match[2])
    first = 1 if half == 1 else 7
    return f"{year}H{half}", [f"{year:04d}-{m:02d}" for m in range(first, first + 6)]


def _filing_due(month: str) -> date:
    year, mon = int(month[:4]), int(month[5:7])
    return date(year + (mon == 12), mon % 12 + 1, FILING_DAY)


def report_digest(report: BaseModel) -> str:
    """SHA-256 of a report's canonical JSON, without its digest and signatures."""
    data = report.model_dump(mode="json", exclude={"digest", "signatures", "filed", "filing_due"})
    return hashlib.sha256(canonical(data)).hexdigest()


def _state_at(records: Sequence[EventRecord], end: datetime) -> MemoryView:
    view = MemoryView()
    for r in records:
        if r.at >= end:
            break
        project(view, AppendedEvent.of(r.seq, r.at, r.actor, r.prev_hash, r.hash, r.event))
    return view


def _head_at(
    records: Sequence[EventRecord], end: datetime
) -> tuple[LedgerPoint, LedgerPoint | None]:
    head = LedgerPoint(seq=0, hash="00" * 32)
    checkpoint: LedgerPoint | None = None
    for r in records:
        if r.at >= end:
            break
        head = LedgerPoint(seq=r.seq, hash=r.hash, at=r.at, type=r.event.type)
        if "checkpoint" in r.event.type:
            checkpoint = head
    return head, checkpoint


def _risks(states: Iterable[ChangeState], end: datetime, zone: ZoneInfo) -> list[RiskRow]:
    out: list[RiskRow] = []
    for st in states:
        if st.state in _TERMINAL:
            continue
        if st.state not in _DONE and st.due_at < end:
            out.append(
                RiskRow(
                    risk="overdue",
                    change_id=st.id,
                    detail=f"due {st.due_at.astimezone(zone):%Y-%m-%d %H:%M %Z}",
                )
            )
        if st.approval_stale and st.state in {"approved", "in_progress", "ready"}:
            out.append(
                RiskRow(risk="stale_approval", change_id=st.id, detail="edited since approval")
            )
        for path, sql in sorted(st.sql_files.items()):
            if sql.reviewed_sha256 and sql.approved_sha256 != sql.reviewed_sha256:
                out.append(RiskRow(risk="unapproved_sql", change_id=st.id, detail=path))
        if st.state in {"in_progress", "ready"} and st.commits and st.evidence:
            latest = st.commits[-1]
            if not any(e.passed and e.commit == latest for e in st.evidence):
                out.append(
                    RiskRow(
                        risk="stale_evidence",
                        change_id=st.id,
                        detail=f"no passing evidence at {latest[:12]}",
                    )
                )
    return out


def compute_monthly(
    records: Sequence[EventRecord],
    month: str,
    site: SiteHeader,
    faults_cfg: FaultsConfig | None = None,
) -> MonthlyReport:
    """The figures of one month from the ledger's events (in order); pure.

    Counts are of events in the month (site time); the change's kind and billing class are
    its fields at the month's end. A change is done when it is verified or closed: met if
    that happened by its due time, late if after; open-overdue if not done and past its
    due time at the month's end. Faults are those reported in the month, their response
    clocks read at the month's end against ``faults_cfg``; trainings those held on a day
    of the month. Open risks are the states at the month's end.
    """
    name, start, end = parse_month(month, site)
    view = _state_at(records, end)
    states: dict[str, ChangeState] = {
        key: value for (kind, key), value in view.states.items() if kind == "change"
    }
    moves: dict[tuple[str, str], set[str]] = defaultdict(set)
    done_at: dict[str, datetime] = {}
    active: set[str] = set()
    dep_rows: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    count = 0
    for r in records:
        if r.at >= end:
            break
        ev = r.event
        if isinstance(ev, ChangeTransitioned) and ev.to in _DONE:
            done_at.setdefault(ev.change_id, r.at)
        if r.at < start:
            continue
        count += 1
        cid = r.change_id
        if cid:
            active.add(cid)
        if isinstance(ev, ChangeRegistered):
            moves[("registered", ev.change_id)].add(ev.change_id)
        elif isinstance(ev, ChangeApproved):
            moves[("approved", ev.change_id)].add(ev.change_id)
        elif isinstance(ev, ChangeTransitioned) and ev.to in {"released", "deployed", "closed"}:
            moves[(ev.to, ev.change_id)].add(ev.change_id)
        elif isinstance(ev, DeploymentRecorded):
            row = dep_rows[(ev.site, ev.env)]
            row["deployments"] += 1
            row[{"success": "succeeded", "failed": "failed"}.get(ev.result, "rolled_back")] += 1
            active.update(ev.change_ids)
        elif isinstance(ev, RollbackRecorded):
            dep_rows[(ev.site, ev.env)]["rollbacks"] += 1
            active.update(ev.change_ids)
    rows: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    effort: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    counted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (what, cid), _ in sorted(moves.items()):
        st = states.get(cid)
        if st is None:
            continue
        key = (st.fields.kind, st.fields.billing)
        rows[key][what] += 1
        if cid not in counted[key]:
            counted[key].add(cid)
            if st.fields.effort_days:
                effort[key] += Decimal(st.fields.effort_days)
    changes = tuple(
        KindBillingRow(kind=k, billing=b, effort_days=str(effort[(k, b)]), **rows[(k, b)])
        for k, b in sorted(rows)
    )
    total = Counter[str]()
    for c in rows.values():
        total.update(c)
    totals = KindBillingRow(
        kind="*", billing="*", effort_days=str(sum(effort.values(), Decimal())), **total
    )
    compliance = []
    for urgency in URGENCIES:
        met = late = overdue = 0
        for st in states.values():
            if st.fields.urgency != urgency or st.state in {"rejected", "withdrawn"}:
                continue
            finished = done_at.get(st.id)
            if finished is not None and start <= finished < end:
                if finished <= st.due_at:
                    met += 1
                else:
                    late += 1
            elif finished is None and st.due_at < end:
                overdue += 1
        compliance.append(Compliance(urgency=urgency, met=met, late=late, open_overdue=overdue))
    emergencies = []
    for cid in sorted(states):
        st = states[cid]
        if not st.fields.emergency or (cid not in active and st.state in _TERMINAL):
            continue
        emergencies.append(
            EmergencyRow(
                change_id=cid,
                title=st.fields.title,
                state=st.state,
                started_unapproved=st.unapproved_emergency,
                approved_at=st.approval.at if st.approval else None,
                approver=st.approval.approver if st.approval else "",
                retroactive=bool(st.approval and st.approval.retroactive),
                reviewed=bool(st.pir),
            )
        )
    deployments = tuple(
        DeploymentRow(site=s, env=e, **counts) for (s, e), counts in sorted(dep_rows.items())
    )
    change_list = tuple(
        ChangeLine(
            change_id=st.id,
            title=st.fields.title,
            kind=st.fields.kind,
            billing=st.fields.billing,
            effort_days=st.fields.effort_days or "",
            urgency=st.fields.urgency,
            emergency=st.fields.emergency,
            system=st.fields.system,
            requester=st.fields.requester_dept,
            state=st.state,
            registered_at=st.registered_at,
            due_at=st.due_at,
        )
        for cid, st in sorted(states.items())
        if cid in active
    )
    faults = _faults(view, start, end, faults_cfg or FaultsConfig())
    trainings = _trainings(view, start, end, site)
    head, checkpoint = _head_at(records, end)
    report = MonthlyReport(
        report=f"monthly:{name}",
        month=name,
        site=site,
        period_start=start,
        period_end=end,
        events=count,
        changes=changes,
        totals=totals,
        compliance=tuple(compliance),
        emergencies=tuple(emergencies),
        deployments=deployments,
        faults=faults,
        trainings=trainings,
        risks=tuple(_risks((states[k] for k in sorted(states)), end, _zone(site))),
        change_list=change_list,
        ledger_head=head,
        checkpoint=checkpoint,
    )
    return report.model_copy(
        update={"digest": report_digest(report), "filing_due": _filing_due(name)}
    )


def _faults(view: MemoryView, start: datetime, end: datetime, cfg: FaultsConfig) -> FaultFigures:
    everything: list[FaultState] = [v for (kind, _), v in view.states.items() if kind == "fault"]
    groups = recurring_groups(everything, cfg.recurring_days)
    recurring_ids = {fid for g in groups for fid in g.faults}
    chosen = sorted(
        (f for f in everything if start <= f.reported_at < end), key=lambda f: (f.reported_at, f.id)
    )
    counts: Counter[str] = Counter()
    rows = []
    for f in chosen:
        remote = remote_clock(f, cfg, end)
        onsite = onsite_clock(f, cfg, end)
        counts[f"remote_{remote.status}"] += 1
        if onsite is not None:
            counts[f"onsite_{onsite.status}"] += 1
        counts["major"] += f.severity == "major"
        counts["resolved" if f.resolution is not None else "open"] += 1
        rows.append(
            FaultRow(
                fault_id=f.id,
                system=f.system,
                severity=f.severity,
                symptom=f.symptom,
                reported_at=f.reported_at,
                status=f.status,
                remote=remote.status,
                onsite=onsite.status if onsite is not None else "",
                recurring=f.id in recurring_ids,
                change_id=f.resolution.change_id if f.resolution else None,
            )
        )
    ids = {f.id for f in chosen}
    return FaultFigures(
        total=len(chosen),
        faults=tuple(rows),
        recurring=tuple(g for g in groups if ids & set(g.faults)),
        **counts,
    )


def _trainings(
    view: MemoryView, start: datetime, end: datetime, site: SiteHeader
) -> tuple[TrainingRow, ...]:
    zone = _zone(site)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    held: list[TrainingState] = [
        v for (kind, _), v in view.states.items() if kind == "training" and first <= v.day < last
    ]
    return tuple(
        TrainingRow(
            training_id=t.id,
            topic=t.topic,
            day=t.day,
            trainer=t.trainer,
            attendees=len(t.attendees),
            department=t.department,
            kind=t.kind,
            hours=t.hours,
        )
        for t in sorted(held, key=lambda t: (t.day, t.id))
    )


def _signature_state(proj: Project, key: str) -> ReportState | None:
    data = proj.store.aggregate("report", key)
    return None if data is None else ReportState.model_validate(data)


def _blocks(state: ReportState | None, digest: str) -> tuple[tuple[SignatureBlock, ...], bool]:
    signed = state.signed(digest) if state is not None else {}
    blocks = tuple(
        SignatureBlock(
            party=party,  # type: ignore[arg-type]
            label=label,
            name=signed[party].name if party in signed else "",
            signed_at=signed[party].at if party in signed else None,
        )
        for party, label in PARTIES.items()
    )
    return blocks, set(signed) == set(PARTIES)


def monthly_report(
    proj: Project, month: str, *, records: Sequence[EventRecord] | None = None
) -> MonthlyReport:
    """The monthly inspection report of ``month`` (YYYY-MM), with its signatures
    (``records``: the ledger's events already read, for a caller making many reports)."""
    site = site_header(proj)
    if records is None:
        records = read_log(proj)
    report = compute_monthly(records, month, site, proj.config.faults)
    blocks, filed = _blocks(_signature_state(proj, report.report), report.digest)
    return report.model_copy(update={"signatures": blocks, "filed": filed})


def _short(report: MonthlyReport, state: ReportState | None) -> AssessmentMonth:
    signed = state.signed(report.digest) if state is not None else {}
    return AssessmentMonth(
        month=report.month,
        digest=report.digest,
        registered=report.totals.registered,
        closed=report.totals.closed,
        met=sum(c.met for c in report.compliance),
        late=sum(c.late for c in report.compliance),
        open_overdue=sum(c.open_overdue for c in report.compliance),
        emergencies=len(report.emergencies),
        emergencies_reviewed=sum(1 for e in report.emergencies if e.reviewed),
        deployments=sum(d.deployments for d in report.deployments),
        rollbacks=sum(d.rollbacks for d in report.deployments),
        faults=report.faults.total,
        faults_remote_missed=report.faults.remote_missed,
        faults_onsite_missed=report.faults.onsite_missed,
        trainings=len(report.trainings),
        risks=len(report.risks),
        signed_by=tuple(p for p in PARTIES if p in signed),
        filed=set(signed) == set(PARTIES),
        filing_due=report.filing_due or _filing_due(report.month),
    )


def assessment_report(proj: Project, half: str) -> AssessmentReport:
    """The semi-annual assessment (半年考核) of ``half`` (e.g. 2026H2)."""
    name, months = parse_half(half)
    site = site_header(proj)
    records = read_log(proj)
    rows = []
    for month in months:
        month_report = compute_monthly(records, month, site, proj.config.faults)
        rows.append(_short(month_report, _signature_state(proj, month_report.report)))
    _, start, _ = parse_month(months[0], site)
    _, _, end = parse_month(months[-1], site)
    met, late = sum(r.met for r in rows), sum(r.late for r in rows)
    totals = AssessmentMonth(
        month=name,
        digest="",
        registered=sum(r.registered for r in rows),
        closed=sum(r.closed for r in rows),
        met=met,
        late=late,
        open_overdue=rows[-1].open_overdue,
        emergencies=sum(r.emergencies for r in rows),
        emergencies_reviewed=sum(r.emergencies_reviewed for r in rows),
        deployments=sum(r.deployments for r in rows),
        rollbacks=sum(r.rollbacks for r in rows),
        faults=sum(r.faults for r in rows),
        faults_remote_missed=sum(r.faults_remote_missed for r in rows),
        faults_onsite_missed=sum(r.faults_onsite_missed for r in rows),
        trainings=sum(r.trainings for r in rows),
        risks=rows[-1].risks,
        signed_by=(),
        filed=all(r.filed for r in rows),
        filing_due=rows[-1].filing_due,
    )
    rate = "—" if not met + late else f"{Decimal(100 * met) / Decimal(met + late):.1f}%"
    head, checkpoint = _head_at(records, end)
    report = AssessmentReport(
        report=f"assessment:{name}",
        half=name,
        site=site,
        period_start=start,
        period_end=end,
        months=tuple(rows),
        totals=totals,
        months_filed=sum(1 for r in rows if r.filed),
        on_time_rate=rate,
        score_items=SCORE_ITEMS,
        ledger_head=head,
        checkpoint=checkpoint,
    )
    digest = report_digest(report)
    blocks, filed = _blocks(_signature_state(proj, report.report), digest)
    return report.model_copy(update={"digest": digest, "signatures": blocks, "filed": filed})


def sign_report(proj: Project, actor: str, report: str) -> MonthlyReport | AssessmentReport:
    """Sign a finished month (``2026-11``) or half year (``2026H2``) for the actor's party
    (乙方 or 甲方), over the report's digest as computed now."""
    text = report.strip()
    built: MonthlyReport | AssessmentReport = (
        assessment_report(proj, text) if _HALF.match(text) else monthly_report(proj, text)
    )
    now = proj.store.clock()
    if built.period_end > now:
        raise UsageError(
            f"{built.report} is not over yet (ends {built.period_end:%Y-%m-%d %H:%M} UTC): "
            "only a finished period is signed",
            hint="sign it after the period ends; `report monthly` shows the draft",
        )
    roles = proj.config.roles
    hospital = (*roles.approvers, *roles.auditors)
    key = built.report
    refusal: WorkflowError | None = None
    with proj.store.write(project) as tx:
        state = load(tx, "report", key, ReportState)
        try:
            events = decide_sign(state, key, actor, built.digest, roles.developers, hospital)
        except WorkflowError as exc:
            refusal = exc
            events = [
                CommandRefused(command="report sign", target=key, rule=exc.rule, reason=exc.message)
            ]
        tx.append(actor, events)
    if refusal is not None:
        raise refusal
    if isinstance(built, AssessmentReport):
        return assessment_report(proj, text)
    return monthly_report(proj, text)


def list_reports(proj: Project) -> list[ReportListing]:
    """Every finished month from the ledger's first event to last month, with who signed it
    and whether it is late (not filed after the 10th of the next month)."""
    site = site_header(proj)
    records = read_log(proj)
    if not records:
        return []
    zone = _zone(site)
    now = proj.store.clock()
    first = records[0].at.astimezone(zone)
    today = now.astimezone(zone).date()
    year, month = first.year, first.month
    out = []
    while (year, month) < (today.year, today.month):
        name = f"{year:04d}-{month:02d}"
        report = compute_monthly(records, name, site, proj.config.faults)
        state = _signature_state(proj, report.report)
        signed = state.signed(report.digest) if state is not None else {}
        due = _filing_due(name)
        filed = set(signed) == set(PARTIES)
        out.append(
            ReportListing(
                report=report.report,
                month=name,
                digest=report.digest,
                signed_by=tuple(p for p in PARTIES if p in signed),
                filed=filed,
                filing_due=due,
                overdue=not filed and today > due,
            )
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
