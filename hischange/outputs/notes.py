"""Release notes (发布说明) rendered from Jinja2 templates: Markdown or HTML, zh-CN by default
and English with ``lang="en"``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, select_autoescape

from hischange.workflow.change import ChangeState
from hischange.workflow.kinds import KINDS
from hischange.workflow.release import ReleaseState

__all__ = ["LABELS", "notes_context", "render_notes"]

Lang = Literal["zh", "en"]

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "发布说明",
        "version": "版本",
        "cut": "发布时间",
        "cut_by": "发布人",
        "range": "代码范围",
        "manifest": "清单摘要",
        "ledger_head": "审计日志头",
        "bump": "版本号依据",
        "changes": "变更",
        "id": "编号",
        "name": "标题",
        "dept": "申请科室",
        "urgency": "紧急程度",
        "billing": "计费",
        "billing_summary": "计费汇总",
        "free": "免费接口调整",
        "third_party": "其中第三方系统",
        "negotiated": "另行协商",
        "effort": "工作量（人天）",
        "covered": "维保范围内",
        "sql": "SQL 脚本",
        "path": "文件",
        "state": "审核状态",
        "approved": "已审批",
        "not_approved": "未审批",
        "accepted_risk": "接受风险",
        "emergency": "紧急变更，发布时未审批",
        "none": "无",
        "commits": "提交数",
        "artifacts": "发布制品",
        "dirty": "发布时工作区有未提交修改",
        "emergency_u": "紧急",
        "high": "高",
        "normal": "普通",
        "low": "低",
        "b_free_interface": "免费接口调整",
        "b_negotiated": "另行协商",
        "b_covered": "维保范围内",
        "bump_major": "主版本号: 含不兼容的接口变更",
        "bump_minor": "次版本号: 含新增或修改的功能",
        "bump_patch": "修订号: 仅缺陷与安全修复",
        "bump_given": "指定版本号",
    },
    "en": {
        "title": "Release notes",
        "version": "Version",
        "cut": "Cut at",
        "cut_by": "Cut by",
        "range": "Range",
        "manifest": "Manifest digest",
        "ledger_head": "Ledger head",
        "bump": "Why this version",
        "changes": "Changes",
        "id": "Id",
        "name": "Title",
        "dept": "Requesting department",
        "urgency": "Urgency",
        "billing": "Billing",
        "billing_summary": "Billing summary",
        "free": "Free interface adjustments",
        "third_party": "of which third-party",
        "negotiated": "Negotiated changes",
        "effort": "effort (person-days)",
        "covered": "Covered by maintenance",
        "sql": "SQL scripts",
        "path": "File",
        "state": "Review state",
        "approved": "approved",
        "not_approved": "not approved",
        "accepted_risk": "accepted risk",
        "emergency": "emergency change, released before approval",
        "none": "none",
        "commits": "Commits",
        "artifacts": "Artifacts",
        "dirty": "cut from a working tree with uncommitted changes",
        "emergency_u": "emergency",
        "high": "high",
        "normal": "normal",
        "low": "low",
        "b_free_interface": "free interface adjustment",
        "b_negotiated": "negotiated",
        "b_covered": "covered",
        "bump_major": "major: breaking interface change",
        "bump_minor": "minor: new or changed function",
        "bump_patch": "patch: fixes only",
        "bump_given": "given explicitly",
    },
}


def notes_context(
    release: ReleaseState, changes: dict[str, ChangeState], lang: Lang
) -> dict[str, Any]:
    """Everything the templates show, computed here so templates stay plain."""
    groups = []
    for kind in KINDS:
        items = [
            (rc, changes[rc.change_id])
            for rc in release.changes
            if rc.kind == kind.name and rc.change_id in changes
        ]
        if items:
            groups.append({"kind": kind.name, "label": kind.label(lang), "rows": items})
    free = [c for c in changes.values() if c.fields.billing == "free_interface"]
    negotiated = [c for c in changes.values() if c.fields.billing == "negotiated"]
    effort = sum((Decimal(c.fields.effort_days or "0") for c in negotiated), Decimal(0))
    sql = []
    for change_id, path, sha in release.sql_files:
        entry = changes[change_id].sql_files.get(path) if change_id in changes else None
        approved = entry is not None and entry.approved_sha256 == sha
        sql.append(
            {
                "change_id": change_id,
                "path": path,
                "sha": sha,
                "approved": approved,
                "by": entry.approved_by if entry else "",
                "risk": entry.accept_risk if entry else "",
            }
        )
    return {
        "r": release,
        "L": LABELS[lang],
        "groups": groups,
        "sql": sql,
        "free": len(free),
        "free_third_party": sum(1 for c in free if c.fields.third_party),
        "negotiated": len(negotiated),
        "effort": str(effort),
        "covered": sum(1 for c in changes.values() if c.fields.billing == "covered"),
        "cut_at": release.cut_at.strftime("%Y-%m-%d %H:%M UTC"),
        "bump_text": LABELS[lang][_bump_key(release.bump_reason)],
    }


def _bump_key(reason: str) -> str:
    for kind in ("major", "minor", "patch"):
        if reason.startswith(kind):
            return f"bump_{kind}"
    return "bump_given"


def render_notes(
    release: ReleaseState,
    changes: dict[str, ChangeState],
    *,
    fmt: Literal["md", "html"] = "md",
    lang: Lang = "zh",
) -> str:
    """The release notes as Markdown or HTML."""
    env = Environment(
        loader=PackageLoader("hischange.outputs", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    template = env.get_template(f"notes.{fmt}.j2" if fmt == "md" else "notes.html")
    return template.render(**notes_context(release, changes, lang))
