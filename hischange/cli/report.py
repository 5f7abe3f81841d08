"""``hischange report …``: the monthly inspection report, the semi-annual assessment, their
signatures and their filing status."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from hischange.cli.output import actor_option, emit, example, format_option, open_project
from hischange.errors import StoreError, UsageError

DOCUMENT_FORMATS = ("html", "pdf", "md", "xlsx", "csv")
_BINARY = ("pdf", "xlsx")


@click.group(epilog=example("hischange report monthly --month 2026-11 --format pdf --out 11.pdf"))
def report() -> None:
    """Period reports (月度巡检报告, 半年考核): render, sign, list what is unfiled."""


def write_document(data: bytes, out: Path | None, fmt: str) -> None:
    """Write to ``out`` whole or not at all (a temporary file renamed), else to stdout."""
    if out is None:
        if fmt in _BINARY:
            raise UsageError(
                f"--format {fmt} writes a binary file: give --out FILE",
                hint=f"e.g. --out report.{fmt}",
            )
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    folder = out.parent if str(out.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.")
    except OSError as exc:
        raise StoreError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, out)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise StoreError(f"cannot write {out}: {exc.strerror or exc}") from None
    click.echo(f"wrote {out} ({len(data)} bytes)", err=True)


def _human(r: Any) -> list[str]:
    from hischange.services.reports import MonthlyReport

    lines = [f"{r.report}  digest {r.digest}"]
    if isinstance(r, MonthlyReport):
        t = r.totals
        lines.append(
            f"changes: {t.registered} registered, {t.approved} approved, {t.released} "
            f"released, {t.deployed} deployed, {t.closed} closed"
        )
        for c in r.compliance:
            lines.append(
                f"  {c.urgency:<9} met {c.met}  late {c.late}  open-overdue {c.open_overdue}"
            )
        lines.append(f"emergency changes (紧急变更): {len(r.emergencies)}")
        deps = sum(d.deployments for d in r.deployments)
        backs = sum(d.rollbacks for d in r.deployments)
        lines.append(f"deployments: {deps}, rollbacks: {backs}")
        lines.append(f"open risks (风险): {len(r.risks)}")
    else:
        lines.append(f"months filed: {r.months_filed}/6, on-time rate {r.on_time_rate}")
        for m in r.months:
            lines.append(
                f"  {m.month}  registered {m.registered}  closed {m.closed}  "
                f"{'filed' if m.filed else 'NOT FILED'}"
            )
    lines.append(f"ledger head: {r.ledger_head.seq}:{r.ledger_head.hash}")
    for s in r.signatures:
        who = f"{s.name} {s.signed_at:%Y-%m-%d}" if s.signed_at else "not signed"
        lines.append(f"{s.label} ({s.party}): {who}")
    lines.append("filed (已归档)" if r.filed else "not filed: both parties must sign")
    return lines


def _render(value: Any, fmt: str, lang: str, out: Path | None) -> None:
    if fmt == "human" or (fmt == "json" and out is None):
        emit(fmt, value, _human)
        return
    from hischange.outputs.reports import render_report

    write_document(render_report(value, fmt, lang), out, fmt)  # type: ignore[arg-type]


_lang = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the document.",
)
#: ``--out`` for the list commands' csv and xlsx (change list, fault list).
out_option = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write csv or xlsx to this file (required for xlsx).",
)
_out = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the document to this file (required for pdf and xlsx).",
)


@report.command(
    "monthly",
    epilog=example("hischange report monthly --month 2026-11 --format html --out 11.html"),
)
@click.option("--month", required=True, metavar="YYYY-MM", help="The month, in the site's zone.")
@format_option(*DOCUMENT_FORMATS)
@_lang
@_out
def monthly(month: str, fmt: str, lang: str, out: Path | None) -> None:
    """The monthly inspection report (月度巡检报告).

    Changes registered, approved, released, deployed and closed by kind and billing class,
    due-time compliance per urgency, emergency changes, deployments and rollbacks, open
    risks, the ledger head, and the two signature blocks (乙方 / 甲方).
    """
    from hischange.services.reports import monthly_report

    _render(monthly_report(open_project(), month), fmt, lang, out)


@report.command(
    "assessment",
    epilog=example("hischange report assessment --half 2026H2 --format pdf --out h2.pdf"),
)
@click.option("--half", required=True, metavar="YYYYHn", help="The half year, e.g. 2026H2.")
@format_option(*DOCUMENT_FORMATS)
@_lang
@_out
def assessment(half: str, fmt: str, lang: str, out: Path | None) -> None:
    """The semi-annual assessment (半年考核) of six months.

    Each month's figures in short and its filing status, and their totals.

    Adds a section for the hospital's own scores, filled in on the signed copy.
    """
    from hischange.services.reports import assessment_report

    _render(assessment_report(open_project(), half), fmt, lang, out)


@report.command("sign", epilog=example("hischange report sign 2026-11 --as reviewer@hospital"))
@click.argument("period", metavar="MONTH|HALF")
@actor_option
@format_option()
def sign(period: str, actor: str | None, fmt: str) -> None:
    """Sign a finished month or half year for your party.

    PERIOD is a month (2026-11) or a half year (2026H2).

    A vendor developer signs for 乙方, a hospital approver or auditor for 甲方; the
    signature covers the report's digest. Both parties signed: the report is filed.
    """
    from hischange.cli.output import resolve_actor
    from hischange.services.reports import sign_report

    who = resolve_actor(actor)
    emit(fmt, sign_report(open_project(), who, period), _human)


@report.command("list", epilog=example("hischange report list --format json"))
@format_option()
def list_(fmt: str) -> None:
    """Which finished months are signed, filed or late.

    Each finished month from the ledger's first event: who signed its report, whether it is
    filed, and whether it is overdue (not filed after the 10th of the next month).
    """
    from hischange.services.reports import list_reports

    def human(rows: list[Any]) -> list[str]:
        out = []
        for r in rows:
            status = "filed" if r.filed else ("LATE, unsigned" if r.overdue else "unsigned")
            signed = ",".join(r.signed_by) or "-"
            out.append(f"{r.month}  {status:<15} signed by {signed:<16} due {r.filing_due}")
        return out or ["no finished month yet"]

    emit(fmt, list_reports(open_project()), human)
