"""Issue 14: the monthly inspection report (月度巡检报告), its signatures, the half-year
assessment (半年考核), driven through the CLI over a month of activity."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.conftest import Cli, FrozenClock, NewChange, Repo
from tests.support.month import independent_figures, november


def _rows(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, int]]:
    return {
        (r["kind"], r["billing"]): {
            k: r[k] for k in ("registered", "approved", "released", "deployed", "closed") if r[k]
        }
        for r in report["changes"]
    }


def test_monthly_report_figures_match_the_ledger(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, clock: FrozenClock
) -> None:
    """Every figure of the November report equals an independent count over `audit log`."""
    ids = november(run, new_change, repo, tmp_path, clock)
    clock.now = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    report = run.json("report", "monthly", "--month", "2026-11")
    want = independent_figures(run.json("audit", "log"))
    assert _rows(report) == want["counts"]
    # every kind and every billing class occurs
    kinds = {k for k, _ in want["counts"]}
    assert kinds == {"interface", "bugfix", "security", "customization", "report", "view_interface"}
    assert {b for _, b in want["counts"]} == {"free_interface", "covered", "negotiated"}
    negotiated = next(r for r in report["changes"] if r["billing"] == "negotiated")
    assert Decimal(negotiated["effort_days"]) == Decimal("3.5") == sum(want["effort"].values())
    compliance = {
        c["urgency"]: {k: c[k] for k in ("met", "late", "open_overdue") if c[k]}
        for c in report["compliance"]
        if c["met"] or c["late"] or c["open_overdue"]
    }
    assert compliance == want["compliance"]
    assert compliance  # the scenario has both done and overdue changes
    deployments = {
        (d["site"], d["env"]): {k: d[k] for k in ("deployments", "rollbacks") if d[k]}
        for d in report["deployments"]
    }
    assert deployments == want["deployments"]
    assert deployments[("总院", "production")] == {"deployments": 2, "rollbacks": 1}
    emergencies = report["emergencies"]
    assert [e["change_id"] for e in emergencies] == want["emergencies"] == [ids["emergency"]]
    assert emergencies[0]["retroactive"] and emergencies[0]["reviewed"]
    assert emergencies[0]["started_unapproved"]
    assert (report["ledger_head"]["seq"], report["ledger_head"]["hash"]) == want["head"]
    assert ids["december"] not in {c["change_id"] for c in report["change_list"]}
    risks = {(r["risk"], r["change_id"]) for r in report["risks"]}
    assert ("overdue", ids["report"]) in risks
    assert report["site"]["timezone"] == "Asia/Shanghai"
    faults = report["faults"]
    figures = {k: faults[k] for k in want["faults"]}
    assert figures == want["faults"]
    assert faults["remote_missed"] == 1 and faults["onsite_met"] == 1  # the SLA miss
    assert [tuple(g["faults"]) for g in faults["recurring"]] == [(ids["fault"], ids["fault_again"])]
    assert [t["training_id"] for t in report["trainings"]] == want["trainings"]
    assert len(want["trainings"]) == 1
    # the digest is stable: the same month again, later, gives the same report
    clock.advance(days=20)
    run("change", "submit", ids["december"], "--as", "dev@vendor")
    assert run.json("report", "monthly", "--month", "2026-11")["digest"] == report["digest"]


def test_both_parties_sign_and_the_month_is_filed(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, clock: FrozenClock
) -> None:
    """A month unsigned after the 10th is listed late; the vendor and the hospital sign the
    digest (ledger events); then it is filed. Strangers and second signatures are refused."""
    november(run, new_change, repo, tmp_path, clock)
    clock.now = datetime(2026, 12, 11, 2, 0, tzinfo=UTC)
    listing = run.json("report", "list")
    assert [(r["month"], r["filed"], r["overdue"]) for r in listing] == [("2026-11", False, True)]
    run("report", "sign", "2026-12", "--as", "dev@vendor", code=2)  # not over yet
    refused = run("report", "sign", "2026-11", "--as", "stranger@elsewhere", code=5)
    assert "report_signer" in refused.stderr or "may not sign" in refused.stderr
    assert run.json("audit", "log")[-1]["event"]["rule"] == "report_signer"
    vendor = run.json("report", "sign", "2026-11", "--as", "dev@vendor")
    assert not vendor["filed"]
    run("report", "sign", "2026-11", "--as", "dev2@vendor", code=5)  # vendor already signed
    hospital = run.json("report", "sign", "2026-11", "--as", "reviewer@hospital")
    assert hospital["filed"] and hospital["digest"] == vendor["digest"]
    blocks = {s["party"]: s["name"] for s in hospital["signatures"]}
    assert blocks == {"vendor": "dev@vendor", "hospital": "reviewer@hospital"}
    signed = [r["event"] for r in run.json("audit", "log") if r["event"]["type"] == "report_signed"]
    assert [(e["party"], e["digest"]) for e in signed] == [
        ("vendor", vendor["digest"]),
        ("hospital", vendor["digest"]),
    ]
    assert run.json("report", "list")[0]["filed"]
    assert "filed" in run("report", "list").stdout
    assert run.json("audit", "verify")["ok"]


def test_half_year_assessment_aggregates_six_months(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, clock: FrozenClock
) -> None:
    """2026H2 holds July to December, each with its filing status; its totals are the sum
    of the months; it is signed like a monthly report once the half year is over."""
    november(run, new_change, repo, tmp_path, clock)
    clock.now = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    run("report", "sign", "2026-11", "--as", "dev@vendor")
    run("report", "sign", "2026-11", "--as", "auditor@hospital")
    clock.now = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)
    half = run.json("report", "assessment", "--half", "2026h2")
    assert [m["month"] for m in half["months"]] == [f"2026-{m:02d}" for m in range(7, 13)]
    assert [m["filed"] for m in half["months"]] == [False] * 4 + [True, False]
    assert half["months_filed"] == 1
    monthly = [run.json("report", "monthly", "--month", m["month"]) for m in half["months"]]
    assert half["totals"]["registered"] == sum(r["totals"]["registered"] for r in monthly)
    assert half["totals"]["closed"] == sum(r["totals"]["closed"] for r in monthly)
    assert half["totals"]["deployments"] == sum(
        d["deployments"] for r in monthly for d in r["deployments"]
    )
    assert [m["digest"] for m in half["months"]] == [r["digest"] for r in monthly]
    assert half["score_items"]
    run("report", "sign", "2026H2", "--as", "dev@vendor")
    signed = run.json("report", "sign", "2026H2", "--as", "reviewer@hospital")
    assert signed["filed"] and signed["report"] == "assessment:2026H2"
    run("report", "assessment", "--half", "2026H3", code=2)
    run("report", "monthly", "--month", "2026-13", code=2)


def test_documents_in_every_format(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, clock: FrozenClock
) -> None:
    """HTML (print CSS, cover, both signature blocks), Markdown, CSV and XLSX in zh-CN and
    English; a binary format needs --out; files are written whole."""
    from openpyxl import load_workbook

    ids = november(run, new_change, repo, tmp_path, clock)
    out = tmp_path.parent / f"{tmp_path.name}-out"
    out.mkdir()
    html = run("report", "monthly", "--month", "2026-11", "--format", "html").stdout
    for needle in (
        "@page", "size: A4", "counter(page)", "table-header-group", "月度巡检报告",
        'id="signature-vendor"', 'id="signature-hospital"', "一、变更统计",
        "五、故障登记与应急响应", "六、培训记录", "挂号超时",
    ):  # fmt: skip
        assert needle in html, needle
    english = run("report", "monthly", "--month", "2026-11", "--format", "md", "--lang", "en")
    assert "Monthly inspection report" in english.stdout and "Negotiated" in english.stdout
    csv_text = run("report", "monthly", "--month", "2026-11", "--format", "csv").stdout
    assert "# changes" in csv_text and ids["negotiated"] in csv_text
    run("report", "monthly", "--month", "2026-11", "--format", "xlsx", code=2)
    xlsx = out / "11.xlsx"
    run("report", "monthly", "--month", "2026-11", "--format", "xlsx", "--out", str(xlsx))
    book = load_workbook(xlsx)
    assert book.sheetnames[0] == "changes"
    column = [row[0] for row in book["changes"].iter_rows(min_row=2, values_only=True)]
    assert ids["emergency"] in column and ids["december"] not in column
    assert not list(out.glob(".*"))  # no temporary file left


def test_change_and_fault_lists_as_csv_and_xlsx(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, clock: FrozenClock
) -> None:
    """`change list` and `fault list` take --format csv|xlsx (--out; required for xlsx):
    every change and fault of the list, with billing, person-days and SLA results."""
    import csv
    import io

    from openpyxl import load_workbook

    ids = november(run, new_change, repo, tmp_path, clock)
    text = run("change", "list", "--billing", "negotiated", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == [ids["negotiated"]] and rows[1][4] == "3.5"
    run("change", "list", "--format", "xlsx", code=2)
    out = tmp_path.parent / f"{tmp_path.name}-lists"
    out.mkdir()
    run("change", "list", "--format", "xlsx", "--out", str(out / "changes.xlsx"))
    sheet = load_workbook(out / "changes.xlsx")["changes"]
    changes = {v for k, v in ids.items() if not k.startswith("fault")}
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == changes
    run("fault", "list", "--format", "xlsx", "--out", str(out / "faults.xlsx"))
    sheet = load_workbook(out / "faults.xlsx")["faults"]
    faults = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(faults) == {ids["fault"], ids["fault_again"]}
    assert faults[ids["fault"]][8] == "missed" and faults[ids["fault"]][9] == "met"
    assert faults[ids["fault"]][10] == "yes"
    text = run("fault", "list", "--format", "csv").stdout
    assert ids["fault"] in text and "挂号超时" in text
