"""Release notes (发布说明) rendered from Jinja2 templates: Markdown or HTML, zh-CN by default
and English with ``lang="en"``."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, select_autoescape

from hischange.config import SiteConfig
from hischange.ids import CHANGE_ID_TEXT
from hischange.workflow.change import ChangeState
from hischange.workflow.kinds import KINDS
from hischange.workflow.release import ReleaseState

__all__ = ["LABELS", "bump_text", "notes_context", "render_notes"]

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
        "last_release": "上一版本",
        "breaking_view": "视图删除或重命名了列 (HC140)",
        "days": "人天",
        "head_commit": "末端提交",
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
        "last_release": "last release",
        "breaking_view": "a view drops or renames a column (HC140)",
        "days": "person-days",
        "head_commit": "Head commit",
    },
}


def notes_context(
    release: ReleaseState,
    changes: dict[str, ChangeState],
    lang: Lang,
    site: SiteConfig | None = None,
) -> dict[str, Any]:
    """Everything the templates show, computed here so templates stay plain; times in the
    ``site``'s time zone (UTC when none is given)."""
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
    return {
        "r": release,
        "L": LABELS[lang],
        "groups": groups,
        "sql": _sql_rows(release, changes),
        "free": len(free),
        "free_third_party": sum(1 for c in free if c.fields.third_party),
        "negotiated": len(negotiated),
        "effort": str(effort),
        "covered": sum(1 for c in changes.values() if c.fields.billing == "covered"),
        "cut_at": site.show(release.cut_at)
        if site is not None
        else release.cut_at.strftime("%Y-%m-%d %H:%M UTC"),
        "bump_text": bump_text(release.bump_reason, lang),
        "range": _range(release),
    }


def _sql_rows(release: ReleaseState, changes: dict[str, ChangeState]) -> list[dict[str, Any]]:
    """One row per SQL file, however many changes it was reviewed for: the changes, and
    approved when each of them approved the released content."""
    rows: dict[str, dict[str, Any]] = {}
    for change_id, path, sha in release.sql_files:
        entry = changes[change_id].sql_files.get(path) if change_id in changes else None
        row = rows.setdefault(
            path,
            {"path": path, "sha": sha, "ids": [], "approved": True, "by": [], "risk": []},
        )
        row["ids"].append(change_id)
        row["approved"] = row["approved"] and entry is not None and entry.approved_sha256 == sha
        for key, value in (("by", entry.approved_by), ("risk", entry.accept_risk)) if entry else ():
            if value and value not in row[key]:
                row[key].append(value)
    return [
        {
            **r,
            "change_id": ", ".join(sorted(r["ids"])),
            "by": ", ".join(r["by"]),
            "risk": "; ".join(r["risk"]),
        }
        for r in rows.values()
    ]


def _range(release: ReleaseState) -> str:
    """The range with its tip as the commit it resolved to when the release was cut (the
    cut records the range as given, e.g. ``v3.2.0..HEAD``, and the tip's id beside it)."""
    start, sep, _tip = release.range.rpartition("..")
    tip = release.head_commit[:12]
    return f"{start}{sep}{tip}" if sep else tip


def bump_text(reason: str, lang: Lang) -> str:
    """Why the version was chosen, in ``lang``: the kind of bump and what caused it (the
    changes, a breaking view, the last release), from the reason the cut recorded."""
    labels = LABELS[lang]
    key = next((k for k in ("major", "minor", "patch") if reason.startswith(k)), "given")
    detail = list(re.findall(CHANGE_ID_TEXT, reason))
    if "HC140" in reason:
        detail.append(labels["breaking_view"])
    last = re.search(r"last release (\S+?)\)?$", reason)
    if key == "given" and last:
        shown = last.group(1) if last.group(1) != "none" else labels["none"]
        detail.append(f"{labels['last_release']} {shown}")
    text = labels[f"bump_{key}"]
    return f"{text} ({', '.join(detail)})" if detail else text


def render_notes(
    release: ReleaseState,
    changes: dict[str, ChangeState],
    *,
    fmt: Literal["md", "html"] = "md",
    lang: Lang = "zh",
    site: SiteConfig | None = None,
) -> str:
    """The release notes as Markdown or HTML; times in ``site``'s zone (else UTC)."""
    env = Environment(
        loader=PackageLoader("hischange.outputs", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    template = env.get_template(f"notes.{fmt}.j2" if fmt == "md" else "notes.html")
    return template.render(**notes_context(release, changes, lang, site))
