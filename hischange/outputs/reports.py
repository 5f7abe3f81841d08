"""Period reports as documents a hospital files: HTML with print CSS (A4, page numbers,
repeated table headers, a cover), PDF through WeasyPrint with a CJK font, Markdown, XLSX
(openpyxl) and CSV. zh-CN by default, English with ``lang="en"``.

WeasyPrint and openpyxl are the optional ``paper`` extra; without them PDF and XLSX are a
configuration error (exit 6) that says what to install.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape

from hischange.errors import ConfigError
from hischange.services.reports import AssessmentReport, MonthlyReport
from hischange.workflow.kinds import KINDS

__all__ = [
    "REPORT_LABELS",
    "render_report",
    "report_csv",
    "report_html",
    "report_markdown",
    "report_pdf",
    "report_xlsx",
]

Lang = Literal["zh", "en"]
Report = MonthlyReport | AssessmentReport

#: Font families the print CSS asks for, CJK first (Debian: fonts-noto-cjk).
CJK_FONTS = '"Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei"'

REPORT_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "monthly": "月度巡检报告",
        "assessment": "半年度考核报告",
        "hospital": "甲方（医院）",
        "vendor": "乙方（服务商）",
        "contract": "合同编号",
        "contract_period": "合同期限",
        "period": "报告期间",
        "timezone": "时区",
        "digest": "报告摘要 (SHA-256)",
        "events": "本期事件数",
        "s_changes": "一、变更统计",
        "kind": "变更类型",
        "billing": "计费类别",
        "registered": "登记",
        "approved": "审批",
        "released": "发布",
        "deployed": "部署",
        "closed": "关闭",
        "effort": "人天",
        "total": "合计",
        "s_compliance": "二、时限达成情况",
        "urgency": "紧急程度",
        "met": "按时完成",
        "late": "超时完成",
        "open_overdue": "逾期未完成",
        "s_emergency": "三、紧急变更",
        "change": "变更编号",
        "title": "标题",
        "state": "状态",
        "started_unapproved": "先实施后审批",
        "retro": "补充审批",
        "review": "实施后评审",
        "s_deploy": "四、部署与回退",
        "site": "院区",
        "env": "环境",
        "deployments": "部署次数",
        "succeeded": "成功",
        "failed": "失败",
        "rolled_back": "回退结果",
        "rollbacks": "回退次数",
        "s_faults": "五、故障登记与应急响应",
        "s_training": "六、培训记录",
        "fault": "故障编号",
        "severity": "严重程度",
        "symptom": "故障现象",
        "reported": "报告时间",
        "remote": "远程响应",
        "onsite": "现场响应",
        "recurring": "重复故障",
        "recurring_groups": "重复故障组",
        "sla_met": "达标",
        "sla_missed": "超时",
        "sla_open": "计时中",
        "sla_not_needed": "无需到场",
        "total_faults": "故障总数",
        "topic": "培训主题",
        "day": "日期",
        "trainer": "培训人",
        "attendees": "参训人数",
        "department": "科室",
        "training_kind": "形式",
        "t_group": "集中",
        "t_individual": "单人",
        "hours": "学时",
        "sev_major": "重大",
        "sev_normal": "一般",
        "sev_minor": "轻微",
        "faults": "故障",
        "trainings": "培训",
        "s_risks": "七、未关闭风险",
        "risk": "风险",
        "detail": "说明",
        "r_overdue": "逾期",
        "r_stale_approval": "审批后被修改",
        "r_unapproved_sql": "SQL 未审批",
        "r_stale_evidence": "测试记录已过期",
        "s_list": "八、本期变更清单",
        "system": "系统",
        "requester": "申请科室",
        "due": "要求完成时间",
        "s_ledger": "九、审计日志",
        "ledger_head": "审计日志头",
        "checkpoint": "最近检查点",
        "no_checkpoint": "无（尚未建立检查点）",
        "s_sign": "签字确认",
        "name": "签字人",
        "date": "日期",
        "unsigned": "（未签）",
        "filed": "双方已签字，已归档",
        "not_filed": "尚未由双方签字",
        "none": "无",
        "yes": "是",
        "no": "否",
        "u_emergency": "紧急",
        "u_high": "高",
        "u_normal": "普通",
        "u_low": "低",
        "b_free_interface": "免费接口调整",
        "b_covered": "维保范围内",
        "b_negotiated": "另行协商",
        "s_months": "一、各月情况",
        "month": "月份",
        "months_filed": "已归档月报",
        "on_time_rate": "按时完成率",
        "emergencies": "紧急变更",
        "reviewed": "已评审",
        "risks": "期末风险",
        "signed_by": "已签字方",
        "filing_due": "提交期限",
        "s_totals": "二、半年合计",
        "s_scores": "三、甲方考核评分",
        "score_item": "考核项目",
        "score": "得分",
        "remark": "备注",
        "sc_response": "故障响应及时性",
        "sc_change_management": "变更管理规范性",
        "sc_monthly_reports": "月度巡检报告按时提交",
        "sc_training": "培训完成情况",
        "sc_faults": "故障处理及整改",
        "sc_satisfaction": "用户满意度",
        "p_vendor": "乙方",
        "p_hospital": "甲方",
        "page": "第 {page} 页 / 共 {pages} 页",
        "colon": "：",
        "open_paren": "（",
        "close_paren": "）",
    },
    "en": {
        "monthly": "Monthly inspection report",
        "assessment": "Semi-annual assessment",
        "hospital": "Hospital (Party A)",
        "vendor": "Vendor (Party B)",
        "contract": "Contract",
        "contract_period": "Contract period",
        "period": "Period",
        "timezone": "Time zone",
        "digest": "Report digest (SHA-256)",
        "events": "Events in the period",
        "s_changes": "1. Changes",
        "kind": "Kind",
        "billing": "Billing",
        "registered": "Registered",
        "approved": "Approved",
        "released": "Released",
        "deployed": "Deployed",
        "closed": "Closed",
        "effort": "Person-days",
        "total": "Total",
        "s_compliance": "2. Due-time compliance",
        "urgency": "Urgency",
        "met": "Met",
        "late": "Late",
        "open_overdue": "Open, overdue",
        "s_emergency": "3. Emergency changes",
        "change": "Change",
        "title": "Title",
        "state": "State",
        "started_unapproved": "Started before approval",
        "retro": "Retroactive approval",
        "review": "Post-implementation review",
        "s_deploy": "4. Deployments and rollbacks",
        "site": "Site",
        "env": "Environment",
        "deployments": "Deployments",
        "succeeded": "Succeeded",
        "failed": "Failed",
        "rolled_back": "Rolled back",
        "rollbacks": "Rollbacks",
        "s_faults": "5. Faults and response times",
        "s_training": "6. Training",
        "fault": "Fault",
        "severity": "Severity",
        "symptom": "Symptom",
        "reported": "Reported",
        "remote": "Remote response",
        "onsite": "On-site response",
        "recurring": "Recurring",
        "recurring_groups": "Recurring groups",
        "sla_met": "met",
        "sla_missed": "missed",
        "sla_open": "running",
        "sla_not_needed": "not needed",
        "total_faults": "Faults",
        "topic": "Topic",
        "day": "Day",
        "trainer": "Trainer",
        "attendees": "Attendees",
        "department": "Department",
        "training_kind": "Kind",
        "t_group": "group",
        "t_individual": "one person",
        "hours": "Hours",
        "sev_major": "major",
        "sev_normal": "normal",
        "sev_minor": "minor",
        "faults": "Faults",
        "trainings": "Trainings",
        "s_risks": "7. Open risks",
        "risk": "Risk",
        "detail": "Detail",
        "r_overdue": "Overdue",
        "r_stale_approval": "Edited since approval",
        "r_unapproved_sql": "SQL not approved",
        "r_stale_evidence": "Stale test evidence",
        "s_list": "8. Changes of the period",
        "system": "System",
        "requester": "Department",
        "due": "Due",
        "s_ledger": "9. Ledger",
        "ledger_head": "Ledger head",
        "checkpoint": "Latest checkpoint",
        "no_checkpoint": "none (no checkpoint yet)",
        "s_sign": "Signatures",
        "name": "Name",
        "date": "Date",
        "unsigned": "(not signed)",
        "filed": "Signed by both parties: filed",
        "not_filed": "Not yet signed by both parties",
        "none": "None",
        "yes": "yes",
        "no": "no",
        "u_emergency": "Emergency",
        "u_high": "High",
        "u_normal": "Normal",
        "u_low": "Low",
        "b_free_interface": "Free interface adjustment",
        "b_covered": "Covered by maintenance",
        "b_negotiated": "Negotiated",
        "s_months": "1. Month by month",
        "month": "Month",
        "months_filed": "Monthly reports filed",
        "on_time_rate": "On-time rate",
        "emergencies": "Emergency changes",
        "reviewed": "Reviewed",
        "risks": "Open risks at the end",
        "signed_by": "Signed by",
        "filing_due": "Due",
        "s_totals": "2. Half-year totals",
        "s_scores": "3. The hospital's scores",
        "score_item": "Item",
        "score": "Score",
        "remark": "Remark",
        "sc_response": "Fault response times",
        "sc_change_management": "Change management",
        "sc_monthly_reports": "Monthly reports on time",
        "sc_training": "Training",
        "sc_faults": "Fault handling and corrective action",
        "sc_satisfaction": "User satisfaction",
        "p_vendor": "Party B (vendor)",
        "p_hospital": "Party A (hospital)",
        "page": "Page {page} of {pages}",
        "colon": ": ",
        "open_paren": " (",
        "close_paren": ")",
    },
}


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("hischange.outputs", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _context(report: Report, lang: Lang) -> dict[str, Any]:
    labels = REPORT_LABELS[lang]
    zone = ZoneInfo(report.site.timezone)
    kinds = {k.name: k.label(lang) for k in KINDS}

    def local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return "" if value is None else value.astimezone(zone).strftime(fmt)

    def kind(name: str) -> str:
        return kinds.get(name, name)

    def label(key: str) -> str:
        return labels.get(key, key)

    monthly = isinstance(report, MonthlyReport)
    page = (
        labels["page"]
        .replace("{page}", '" counter(page) "')
        .replace("{pages}", '" counter(pages) "')
    )
    return {
        "r": report,
        "L": labels,
        "lang": lang,
        "local": local,
        "kind": kind,
        "label": label,
        "title": labels["monthly" if monthly else "assessment"],
        "period": report.month if isinstance(report, MonthlyReport) else report.half,
        "last_day": local(report.period_end - timedelta(seconds=1), "%Y-%m-%d"),
        "cjk_fonts": CJK_FONTS,
        "page_css": f'"{page}"',
    }


def report_html(report: Report, lang: Lang = "zh") -> str:
    """The report as one HTML document with print CSS."""
    name = "monthly.html" if isinstance(report, MonthlyReport) else "assessment.html"
    return _env().get_template(name).render(**_context(report, lang))


def report_markdown(report: Report, lang: Lang = "zh") -> str:
    """The report as Markdown."""
    return _env().get_template("report.md.j2").render(**_context(report, lang))


def report_pdf(report: Report, lang: Lang = "zh") -> bytes:
    """The report as PDF (WeasyPrint; the CJK font must be installed: fonts-noto-cjk)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise ConfigError(
            f"PDF output needs WeasyPrint ({exc})",
            hint="pip install 'hischange[paper]' (and apt-get install fonts-noto-cjk)",
        ) from None
    _require_cjk_font()
    pdf: bytes = HTML(string=report_html(report, lang)).write_pdf()
    return pdf


def _require_cjk_font() -> None:
    """Refuse to make a PDF whose Chinese would print as empty boxes (豆腐): fontconfig
    (which WeasyPrint renders through) must know a font covering Chinese."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return  # not a fontconfig system: nothing to ask
    try:
        found = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return
    if not found:
        raise ConfigError(
            "PDF output needs a font with Chinese glyphs, and fontconfig knows none",
            hint="install one, e.g. `apt-get install fonts-noto-cjk` (Debian/Ubuntu)",
        )


def _rows(report: Report, lang: Lang) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report as sheets: (name, header, rows), shared by XLSX and CSV."""
    ctx = _context(report, lang)
    L, local, kind, label = ctx["L"], ctx["local"], ctx["kind"], ctx["label"]
    if isinstance(report, AssessmentReport):
        head = [
            "month",
            "registered",
            "closed",
            "met",
            "late",
            "open_overdue",
            "emergencies",
            "reviewed",
            "deployments",
            "rollbacks",
            "risks",
            "signed_by",
            "filed",
        ]
        rows = [
            [
                m.month,
                m.registered,
                m.closed,
                m.met,
                m.late,
                m.open_overdue,
                m.emergencies,
                m.emergencies_reviewed,
                m.deployments,
                m.rollbacks,
                m.risks,
                " ".join(L[f"p_{p}"] for p in m.signed_by),
                L["yes"] if m.filed else L["no"],
            ]
            for m in (*report.months, report.totals)
        ]
        return [("assessment", [L[h] for h in head], rows)]
    sheets = []
    sheets.append(
        (
            "changes",
            [
                L[h]
                for h in (
                    "change",
                    "title",
                    "kind",
                    "billing",
                    "effort",
                    "urgency",
                    "system",
                    "requester",
                    "state",
                    "registered",
                    "due",
                )
            ],
            [
                [
                    c.change_id,
                    c.title,
                    kind(c.kind),
                    label(f"b_{c.billing}"),
                    c.effort_days,
                    label(f"u_{c.urgency}"),
                    c.system,
                    c.requester,
                    c.state,
                    local(c.registered_at),
                    local(c.due_at),
                ]
                for c in report.change_list
            ],
        )
    )
    sheets.append(
        (
            "figures",
            [
                L[h]
                for h in (
                    "kind",
                    "billing",
                    "registered",
                    "approved",
                    "released",
                    "deployed",
                    "closed",
                    "effort",
                )
            ],
            [
                [
                    kind(r.kind) if r.kind != "*" else L["total"],
                    label(f"b_{r.billing}") if r.billing != "*" else "",
                    r.registered,
                    r.approved,
                    r.released,
                    r.deployed,
                    r.closed,
                    r.effort_days,
                ]
                for r in (*report.changes, report.totals)
            ],
        )
    )
    sheets.append(
        (
            "compliance",
            [L[h] for h in ("urgency", "met", "late", "open_overdue")],
            [[label(f"u_{c.urgency}"), c.met, c.late, c.open_overdue] for c in report.compliance],
        )
    )
    sheets.append(
        (
            "deployments",
            [
                L[h]
                for h in (
                    "site",
                    "env",
                    "deployments",
                    "succeeded",
                    "failed",
                    "rolled_back",
                    "rollbacks",
                )
            ],
            [
                [d.site, d.env, d.deployments, d.succeeded, d.failed, d.rolled_back, d.rollbacks]
                for d in report.deployments
            ],
        )
    )
    sheets.append(
        (
            "faults",
            [
                L[h]
                for h in (
                    "fault", "system", "severity", "symptom", "reported", "state", "remote",
                    "onsite", "recurring", "change",
                )
            ],
            [
                [
                    f.fault_id, f.system, label(f"sev_{f.severity}"), f.symptom,
                    local(f.reported_at), f.status, label(f"sla_{f.remote}"),
                    label(f"sla_{f.onsite}") if f.onsite else "",
                    L["yes"] if f.recurring else L["no"], f.change_id or "",
                ]
                for f in report.faults.faults
            ],
        )
    )  # fmt: skip
    sheets.append(
        (
            "trainings",
            [
                L[h]
                for h in (
                    "day", "topic", "trainer", "attendees", "department", "training_kind",
                    "hours",
                )
            ],
            [
                [
                    t.day.isoformat(), t.topic, t.trainer, t.attendees, t.department,
                    label(f"t_{t.kind}"), t.hours,
                ]
                for t in report.trainings
            ],
        )
    )  # fmt: skip
    sheets.append(
        (
            "risks",
            [L[h] for h in ("risk", "change", "detail")],
            [[label(f"r_{x.risk}"), x.change_id, x.detail] for x in report.risks],
        )
    )
    return sheets


def report_csv(report: Report, lang: Lang = "zh") -> str:
    """The report as CSV: each table after a line naming it (``# changes``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["# report", report.report, report.digest])
    for name, head, rows in _rows(report, lang):
        writer.writerow([f"# {name}"])
        writer.writerow(head)
        writer.writerows(rows)
    return out.getvalue()


def report_xlsx(report: Report, lang: Lang = "zh") -> bytes:
    """The report as an XLSX workbook, one sheet per table (the change list first)."""
    try:
        from openpyxl import Workbook
    except ImportError as exc:
        raise ConfigError(
            f"XLSX output needs openpyxl ({exc})", hint="pip install 'hischange[paper]'"
        ) from None
    book = Workbook()
    first = True
    for name, head, rows in _rows(report, lang):
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = name
        sheet.append(head)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render_report(report: Report, fmt: str, lang: Lang = "zh") -> bytes:
    """The report in one of html, pdf, md, xlsx, csv, json, as bytes."""
    if fmt == "html":
        return report_html(report, lang).encode("utf-8")
    if fmt == "md":
        return report_markdown(report, lang).encode("utf-8")
    if fmt == "pdf":
        return report_pdf(report, lang)
    if fmt == "xlsx":
        return report_xlsx(report, lang)
    if fmt == "csv":
        return report_csv(report, lang).encode("utf-8")
    return (report.model_dump_json(indent=2) + "\n").encode("utf-8")
