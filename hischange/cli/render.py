"""Human renderings of library results. Pure string building, no I/O."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from hischange.config import SiteConfig
from hischange.errors import visible
from hischange.events import change_refs
from hischange.workflow.words import counted

if TYPE_CHECKING:
    from hischange.events import AnyEvent, EventRecord
    from hischange.services.audit import VerifyReport
    from hischange.services.bundle import BundleReport
    from hischange.services.change_due import DueRecord
    from hischange.services.custody_scan import ScanResult
    from hischange.services.evidence import ChangeDetail
    from hischange.workflow.change import ChangeState, SqlFileState
    from hischange.workflow.custody import CustodyReport, CustodyVerifyReport
    from hischange.workflow.release import ReleaseState

__all__ = [
    "change_detail",
    "change_table",
    "counted",
    "custody_lines",
    "deployment_line",
    "display_width",
    "event_line",
    "local_time",
    "missing_lines",
    "pad",
    "release_lines",
    "scan_lines",
    "table",
    "use_site",
    "verify_lines",
]

STATE_ZH = {
    "draft": "草稿",
    "submitted": "待审批",
    "approved": "已审批",
    "in_progress": "实施中",
    "ready": "待发布",
    "released": "已发布",
    "deployed": "已部署",
    "verified": "已验证",
    "closed": "已关闭",
    "rejected": "已驳回",
    "withdrawn": "已撤回",
    "rolled_back": "已回退",
}


#: The site whose time zone human output shows times in; ``cli.output.open_project`` sets it
#: from ``[site]`` (the default until then: Asia/Shanghai, as in config.toml).
_SITE = SiteConfig()


def use_site(site: SiteConfig) -> None:
    """Show times in this site's time zone from now on (called once a project is open)."""
    global _SITE
    _SITE = site


def local_time(moment: datetime | None) -> str:
    """A stored (UTC) time as people at the site read it: ``2026-11-02 16:00 CST``."""
    return _SITE.show(moment)


#: Code point ranges whose width ``wcwidth`` gives as 2 (CJK ideographs and extension A,
#: CJK symbols and punctuation without the combining tone marks U+302A–302F, Hangul
#: syllables, full-width forms); a table of plain ASCII and these needs no ``wcwidth``
#: import (~15 ms at start-up). ``tests/cli/test_display_width.py`` checks every one.
WIDE_RANGES = (
    (0x3000, 0x3029),
    (0x3030, 0x303E),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7A3),
    (0xFF01, 0xFF60),
)


def _known_width(code: int) -> int:
    if 0x20 <= code <= 0x7E:
        return 1
    for low, high in WIDE_RANGES:
        if low <= code <= high:
            return 2
    return -1


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (``wcwidth``): wide and full-width characters
    (e.g. 汉字) take two, combining marks none; a control character counts as none."""
    total = 0
    for ch in text:
        width = _known_width(ord(ch))
        if width < 0:
            from wcwidth import wcwidth  # only for text beyond ASCII and the ranges above

            width = max(wcwidth(ch), 0)
        total += width
    return total


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (not code points)."""
    return text + " " * max(0, width - display_width(text))


def table(head: Sequence[str], rows: Sequence[Sequence[str]], gap: str = "  ") -> list[str]:
    """Rows under a header, each column as wide as its widest cell in terminal columns
    (a Chinese character takes two), the last column unpadded."""
    widths = [max(display_width(str(r[i])) for r in (head, *rows)) for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        padded = [pad(str(c), w) for c, w in zip(cells[:-1], widths, strict=False)]
        return gap.join([*padded, str(cells[-1])]).rstrip()

    return [line(head), *(line(r) for r in rows)]


BILLING_ZH = {"covered": "维保范围内", "free_interface": "免费接口调整", "negotiated": "另行协商"}
DUE_ZH = {"met": "按时", "late": "超期完成", "open": "未到期", "overdue": "逾期", "dropped": "-"}


def change_table(items: Sequence[ChangeState], due: Mapping[str, DueRecord]) -> list[str]:
    """Changes as a table, aligned by display width: state, kind, billing class (person-days
    for negotiated work), urgency, due time in site time and due status, title."""
    rows = []
    for c in items:
        f = c.fields
        bill = BILLING_ZH.get(f.billing, f.billing)
        if f.effort_days:
            bill += f" {f.effort_days}人天"
        flags = " [emergency 紧急]" if f.emergency else ""
        flags += " [approval stale 审批已失效]" if c.approval_stale else ""
        record = due.get(c.id)
        status = f"{record.status} {DUE_ZH[record.status]}" if record else ""
        rows.append(
            (c.id, f"{c.state} {STATE_ZH.get(c.state, '')}", f.kind, bill, f.urgency,
             local_time(c.due_at), status, visible(f.title + flags))
        )  # fmt: skip
    head = (
        "ID",
        "state 状态",
        "kind 类型",
        "billing 计费",
        "urgency",
        "due 期限",
        "due status",
        "title",
    )
    counts: dict[str, int] = {}
    for record in due.values():
        counts[record.status] = counts.get(record.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    return [
        *table(head, rows),
        f"{counted(len(items), 'change')}" + (f" ({summary})" if summary else ""),
    ]


#: Where the continuation lines of a multi-line field start in ``change show``: below
#: the value, marked, so no line of stored text can pass for a field of its own.
_MORE = " " * 21 + "┆ "


def _field(label: str, text: str) -> str:
    """``label`` and a stored value: one-line parts escaped (``visible``), the value's own
    lines kept, each continuation marked as part of it."""
    lines = text.split("\n")
    return "\n".join([label + visible(lines[0]), *(_MORE + visible(x) for x in lines[1:])])


def change_detail(c: ChangeDetail) -> Iterator[str]:
    """Every recorded field of one change."""
    f = c.fields
    yield visible(f"{c.id}  {f.title}")
    yield f"  state 状态:        {c.state} ({STATE_ZH.get(c.state, '')})"
    yield f"  kind 类型:         {f.kind}"
    yield visible(f"  system/module:     {f.system} / {f.module}")
    yield visible(f"  requester 申请方:  {f.requester_dept} {f.requester_person}".rstrip())
    yield f"  urgency 紧急程度:  {f.urgency}, due {local_time(c.due_at)}"
    effort = f", effort {f.effort_days} person-days" if f.effort_days else ""
    yield f"  billing 计费:      {f.billing}{effort}"
    if f.third_party:
        yield visible(f"  third party:       {f.third_party}")
    yield f"  risk 风险:         {f.risk}"
    yield _field("  rollback 回退方案: ", f.rollback_plan or "(none)")
    yield f"  registered by:     {c.registered_by} at {local_time(c.registered_at)}"
    if c.refs:
        yield f"  refs 外部编号:     {', '.join(c.refs)}"
    if c.approval:
        stale = "  STALE: edited after approval" if c.approval_stale else ""
        retro = " (retroactive)" if c.approval.retroactive else ""
        yield (
            f"  approved 审批:     {c.approval.approver} at "
            f"{local_time(c.approval.at)}{retro}{stale}"
        )
    for p in c.approvals:
        done = ", ".join(f"{g}: {who}" for g, who in p.approved.items()) or "nobody yet"
        still = ", ".join(p.missing) or "nobody (complete)"
        yield f"  approvals 多级审批 {p.subject}: approved by {done}; still needed: {still}"
    if c.rejected_reason:
        yield _field("  rejected 驳回:     ", c.rejected_reason)
    if c.withdrawn_reason:
        yield _field("  withdrawn 撤回:    ", c.withdrawn_reason)
    if f.description:
        yield _field("  description:       ", f.description)
    yield from _custody_lines(c)
    if c.evidence:
        yield from _evidence_lines(c)


def _custody_lines(c: ChangeDetail) -> Iterator[str]:
    """The change's commits, SQL files and releases."""
    if c.commits:
        authors = f" by {', '.join(c.authors)}" if c.authors else ""
        yield f"  commits 提交:      {counted(len(c.commits), 'commit')}{authors}"
        for sha in c.commits:
            yield f"    {sha[:12]}"
    if c.sql_files:
        yield "  SQL 脚本:"
        for path, f in sorted(c.sql_files.items()):
            yield f"    {path}  {_sql_status(f)}"
    if c.releases:
        yield f"  releases 版本:     {', '.join(c.releases)}"


def _sql_status(f: SqlFileState) -> str:
    reviewed = f"reviewed sha256 {f.reviewed_sha256[:12]}" if f.reviewed_sha256 else "not reviewed"
    text = f"{reviewed}, {counted(f.errors, 'error')}"
    if not f.approved_sha256:
        return text + ", not approved 未审批"
    stale = "" if f.approved_sha256 == f.reviewed_sha256 else " (an earlier content)"
    risk = f", accepted risk: {f.accept_risk}" if f.accept_risk else ""
    return f"{text}, approved 已审批 by {f.approved_by} at {f.approved_sha256[:12]}{stale}{risk}"


def _evidence_lines(c: ChangeDetail) -> Iterator[str]:
    """Evidence with its staleness, as the service judged it."""
    from hischange.workflow.evidence import short

    yield "  evidence 测试记录:"
    v = c.ready_verdict
    if v is not None:
        on = ", ".join(v.evidence) or "no evidence required by config"
        yield f"    recorded verdict (记录的结论): ready at {local_time(v.at)} by {v.by} on {on}"
    for s in c.evidence_status:
        verdict = "pass" if s.passed else "FAIL"
        flag = "current" if not s.stale else "STALE" if s.checked else "UNCHECKED"
        yield (
            f"    {s.evidence_id} {s.kind} {s.env} {short(s.commit)} {verdict} "
            f"today {flag}: {s.why}"
        )


def event_line(r: EventRecord, focus: str | None = None) -> str:
    """One ledger event: whom it concerns and what it records (commits, files, versions,
    evidence ids). ``focus`` (the change ``audit trace`` follows) narrows both to that change."""
    ev = r.event
    refs = sorted(change_refs(ev))
    target = focus if focus in refs else ",".join(refs[:3]) + (",…" if len(refs) > 3 else "")
    own = getattr(ev, "fault_id", None) or getattr(ev, "training_id", None)
    if own:  # faults and trainings (故障登记, 培训记录) have ids of their own
        target = f"{own} {target}".strip()
    detail = "".join(f" {k}={v}" for k, v in _event_detail(ev, focus))
    fields = ev.__dict__  # the event's fields (a missing one costs pydantic's __getattr__)
    for attr in ("to", "reason", "command"):
        value = fields.get(attr)
        if value:
            detail += f" {attr}={value}"
    when = local_time(r.at)
    line = f"#{r.seq:<6} {when}  {r.actor:<24} {ev.type:<22} {target}{detail}  {r.hash[:16]}"
    return visible(line)


def _some(values: list[str], limit: int = 5) -> str:
    more = f",+{len(values) - limit} more" if len(values) > limit else ""
    return ",".join(values[:limit]) + more


def _event_detail(ev: AnyEvent, focus: str | None) -> Iterator[tuple[str, str]]:
    """The identifying facts of an event, as key=value pairs."""
    if ev.type == "commits_linked":
        links = [x for x in ev.links if focus is None or focus in x.change_ids] or list(ev.links)
        yield "range", ev.range
        yield "commits", _some([x.sha[:12] for x in links])
    elif ev.type == "sql_reviewed":
        yield "files", _some([f"{f.path}@{f.sha256[:12]}" for f in ev.files])
        if any(f.errors for f in ev.files):
            yield "errors", str(sum(f.errors for f in ev.files))
    elif ev.type == "sql_approved":
        yield "file", f"{ev.path}@{ev.sha256[:12]}"
    elif ev.type == "release_cut":
        yield "version", ev.version
        yield "tag", ev.tag
        yield "head", ev.head_commit[:12]
    elif ev.type == "evidence_recorded":
        yield "evidence", ev.evidence_id
        yield "kind", ev.kind
        yield "env", ev.env
        yield "commit", ev.commit[:12] if ev.commit else f"version {ev.version or '?'}"
        yield "result", "pass" if ev.passed else "FAIL"
    elif ev.type == "artifact_attached":
        yield "version", ev.version
        yield "artifact", f"{ev.name}@{ev.sha256[:12]}"
    elif ev.type == "deployment_recorded":
        yield "deployment", ev.deployment_id
        yield "version", ev.version
        yield "where", f"{ev.env}@{ev.site}"
        yield "result", ev.result
    elif ev.type == "rollback_recorded":
        yield "version", ev.version
        yield "to_version", ev.to_version
        yield "where", f"{ev.env}@{ev.site}"


def verify_lines(report: VerifyReport) -> Iterator[str]:
    """The verdict of ``audit verify``."""
    if report.ok:
        yield (
            f"ledger OK 审计日志完整: {report.events} events, chain and projections verified "
            f"({', '.join(report.checked)}); "
            f"{counted(report.attachments, 'attachment')} (附件) present, SHA-256 checked"
        )
    else:
        yield f"ledger DAMAGED 审计日志被篡改: {counted(len(report.problems), 'problem')}"
        for p in report.problems:
            yield f"  sequence {p.seq}: {p.damage}: {p.detail}"
        yield "no head printed: a damaged ledger's head is no anchor to keep"
        return
    trust = report.trust
    if trust is not None and trust.mode == "signed":
        yield (
            f"{counted(trust.signed_events, 'event')} signed by "
            f"{counted(trust.signers, 'person', 'people')} 签名; trust root 信任根 "
            f"{trust.root_fingerprint} (held by {trust.root_holder}); "
            f"checkpoints matched {trust.checkpoints}"
        )
        if trust.unsigned_before_root:
            before = counted(trust.unsigned_before_root, "event")
            yield f"  {before} before the trust root, unsigned"
    elif trust is not None:
        yield (
            "WARNING UNSIGNED 未签名: this ledger has no trust root; nothing is signed and anyone "
            'could act as anyone (trust = "none" is for trying the tool only)'
        )
    yield f"head: {report.head_seq}:{report.head_hash}"


#: How many unknown ids (ignored commits) human output names; the rest are counted.
SHOWN_IDS = 10


def custody_lines(r: CustodyReport) -> Iterator[str]:
    """The custody gate's violations and verdict."""
    for v in r.violations:
        yield f"{v.code} {v.severity:<7} {v.sha[:12]} {v.subject}\n    {v.message}"
    if r.ignored:
        by_rule: dict[str, int] = {}
        for i in r.ignored:
            by_rule[i.rule] = by_rule.get(i.rule, 0) + 1
        rules = ", ".join(f"{rule} {n}" for rule, n in by_rule.items())
        yield f"{counted(len(r.ignored), 'commit')} need no change by a custody rule ({rules}):"
        for i in r.ignored[:SHOWN_IDS]:
            yield f"  ignored {i.sha[:12]} {i.subject}  [{i.detail}]"
        if len(r.ignored) > SHOWN_IDS:
            yield f"  … {len(r.ignored) - SHOWN_IDS} more (--format json lists all)"
    if not r.commits:
        yield f"the range {r.range} has no commits: nothing to check"
    verdict = "custody OK 程序保管合规" if r.ok else "custody FAILED 程序保管不合规"
    count = (
        f"{counted(r.commits, 'commit')}, {counted(len(r.changes), 'change')}, "
        f"{counted(len(r.violations), 'violation')}"
    )
    yield f"{count}: {verdict}"


def scan_lines(r: ScanResult) -> Iterator[str]:
    """What a scan found: counts, and the unknown change ids bounded to a few examples (a
    vendor history may name thousands; ``--format json`` lists them all)."""
    if not r.commits:
        yield f"the range {r.range} has no commits: nothing to scan"
    yield (
        f"{counted(r.commits, 'commit')} in {r.range}: {r.linked} name a known change, "
        f"{r.new_links} newly recorded, {r.already_recorded} already recorded"
    )
    unknown = r.unknown_changes
    if unknown:
        shown = ", ".join(unknown[:SHOWN_IDS])
        more = f", … ({len(unknown) - SHOWN_IDS} more; --format json lists all)"
        yield (
            f"{counted(len(unknown), 'unknown change id')} (not registered): {shown}"
            + (more if len(unknown) > SHOWN_IDS else "")
        )
    if r.unmatched_values:
        yield (
            f"{counted(r.unmatched_values, 'value')} under a change trailer key named no change "
            f"id and linked nothing, e.g. {'; '.join(r.unmatched_examples)} (check "
            "[custody] trailer_keys and the id shapes; `custody check` flags them as HC-C006)"
        )


def missing_lines(r: CustodyVerifyReport) -> Iterator[str]:
    """Linked commits that history no longer holds."""
    for m in r.missing:
        reason = "beyond the shallow boundary" if m.reason == "shallow" else m.reason
        yield (
            f"MISSING {m.sha[:12]} ({reason}) of {', '.join(m.change_ids)}, linked "
            f"{local_time(m.linked_at)} at sequence {m.linked_seq}"
        )
        for c in m.candidates:
            yield (
                f"  likely replacement {c.sha[:12]} ({c.why}): hischange custody supersede "
                f"{m.sha[:12]} --by {c.sha[:12]} --reason …"
            )
    if r.superseded:
        yield (
            f"{counted(r.superseded, 'linked commit')} superseded by commits in protected history"
        )
    state = "all present" if not r.missing else f"{len(r.missing)} missing"
    refs = ", ".join(r.protected_refs)
    yield f"{counted(r.checked, 'linked commit')} checked against {refs}: {state}"


def release_lines(r: ReleaseState) -> Iterator[str]:
    """A release record (a baseline, imported rather than cut, has no range or manifest)."""
    when = local_time(r.cut_at)
    tip = r.head_commit[:12]
    if r.baseline:
        tag = r.tag or "no tag"
        yield f"release {r.version} ({tag}) baseline (版本基线), registered {when} by {r.cut_by}"
        yield f"  commit {tip or '(unknown)'}: {r.bump_reason}"
    else:
        yield f"release {r.version} ({r.tag}) cut {when} by {r.cut_by}"
        commits = counted(len(r.commits), "commit")
        yield f"  range {r.range} (tip {tip}): {commits}; {r.bump_reason}"
        yield f"  manifest sha256 {r.manifest_digest}"
        yield f"  ledger head {r.ledger_head_seq}:{r.ledger_head_hash}"
    if r.dirty:
        yield "  WARNING: cut from a working tree with uncommitted changes"
    for c in r.changes:
        flag = "  UNAPPROVED EMERGENCY 未审批紧急变更" if c.unapproved_emergency else ""
        yield visible(f"  {c.change_id}  {c.kind:<14} {c.billing:<14} {c.title}{flag}")
    for change_id, path, sha in r.sql_files:
        yield f"  sql {path} ({change_id}) sha256 {sha[:16]}"
    for a in r.artifacts:
        yield f"  artifact {a.name} sha256 {a.sha256[:16]} {counted(a.size, 'byte')}"
    for d in r.deployments:
        when = local_time(d.at)
        yield f"  {d.deployment_id} {d.env}@{d.site} {d.result} by {d.operator} {when}"


def deployment_line(r: ReleaseState) -> str:
    """The deployment just recorded (the release's last one)."""
    d = r.deployments[-1]
    return f"recorded {d.deployment_id}: {r.version} → {d.env}@{d.site} {d.result} by {d.operator}"


def bundle_lines(report: BundleReport) -> list[str]:
    """An assessor bundle written or verified."""
    lines = [
        f"bundle {report.bundle}: {counted(report.events, 'event')}, head "
        f"{report.head_seq}:{report.head_hash}, {counted(report.attachments, 'attachment')}, "
        f"{counted(len(report.reports), 'report file')}"
    ]
    lines += [f"  {p.place}: {p.damage}: {p.detail}" for p in report.problems]
    lines.append("OK" if report.ok else f"FAILED: {counted(len(report.problems), 'problem')}")
    return lines
