"""``hischange evidence …``: test evidence (测试记录) bound to the commit it tested."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hischange.cli.output import (
    actor_option,
    emit,
    example,
    format_option,
    open_project,
    resolve_actor,
)
from hischange.errors import UsageError

if TYPE_CHECKING:
    from hischange.services.evidence import EvidenceList, Recorded

RESULTS = ("pass", "fail", "blocked")


@click.group(epilog=example("hischange evidence list CR-2026-0001"))
def evidence() -> None:
    """Test evidence (测试记录): JUnit/TRX reports, pytest runs and on-site test records,
    each bound to the commit it tested; evidence on an older commit is stale."""


def _recorded_lines(r: Recorded) -> Iterator[str]:
    e = r.evidence
    verdict = "passing" if e.passed else "NOT passing"
    where = e.commit[:12] if e.commit else f"version {e.version} (no commit)"
    yield f"recorded {e.evidence_id} ({e.kind}, {verdict}) for {', '.join(e.change_ids)}"
    yield f"  tested {where} in {e.env}: {e.summary}"
    for note in r.notes:
        yield f"  note: {note}"


def _expand(reports: list[Path]) -> list[Path]:
    """Report patterns a shell left unexpanded (cmd.exe and PowerShell pass
    ``target/surefire-reports/*.xml`` as typed) are expanded here, like a POSIX shell would."""
    import glob

    out: list[Path] = []
    for path in reports:
        text = str(path)
        if path.exists() or not glob.has_magic(text):
            out.append(path)
            continue
        found = sorted(glob.glob(text, recursive=True))
        if not found:
            raise UsageError(
                f"no report file matches {text!r}",
                hint="check the pattern and the folder it is relative to (the current one)",
            )
        out += [Path(f) for f in found]
    return out


def _split_args(args: tuple[str, ...], reports: list[Path]) -> list[str]:
    """Change ids, and report files a shell glob spilled after ``--junit``/``--trx``."""
    from hischange.ids import is_change_id

    ids = []
    for arg in args:
        if is_change_id(arg):
            ids.append(arg)
        elif reports:
            reports.append(Path(arg))
        else:
            raise UsageError(
                f"{arg!r} is not a change id", hint="change ids look like CR-2026-0001"
            )
    return ids


@evidence.command(
    "add",
    epilog=example(
        "hischange evidence add CR-2026-0001 --junit build/test-results/*.xml --env test"
    ),
)
@click.argument("args", nargs=-1, required=True, metavar="CR [CR…]")
@click.option(
    "--junit",
    "junit",
    multiple=True,
    type=click.Path(path_type=Path),
    help="JUnit XML report (pytest, Surefire, Gradle, Jenkins); repeatable.",
)
@click.option(
    "--trx",
    "trx",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Visual Studio TRX report; repeatable.",
)
@click.option("--env", required=True, help="Environment the tests ran in (e.g. test).")
@click.option(
    "--commit",
    help="Commit the tests ran on (default: HEAD; required outside a git repository).",
)
@actor_option
@format_option()
def add(
    args: tuple[str, ...],
    junit: tuple[Path, ...],
    trx: tuple[Path, ...],
    env: str,
    commit: str | None,
    actor: str | None,
    fmt: str,
) -> None:
    """Import test reports as one automated evidence item.

    One item for all the changes named, bound to --commit (default: HEAD). It passes only if
    every report ran at least one test and none failed; 0 tests is evidence of nothing. A
    quoted pattern (--junit 'reports/*.xml') is expanded."""
    from hischange.services.evidence import add_reports

    reports = [*junit, *trx]
    ids = _split_args(args, reports)
    reports = _expand(reports)
    project = open_project()
    result = add_reports(project, resolve_actor(actor), ids, reports, env=env, commit=commit)
    emit(fmt, result, _recorded_lines)


@evidence.command(
    "record",
    epilog=example(
        "hischange evidence record CR-2026-0001 --result pass --steps steps.md "
        '--expected "LIS 收到医嘱" --actual "LIS 收到医嘱" --version 3.3.0 --attach photo.jpg'
    ),
)
@click.argument("change_id")
@click.option("--env", default="onsite-test", show_default=True, help="Where it was tested.")
@click.option("--tester", help="Who tested (default: the acting identity).")
@click.option("--result", type=click.Choice(RESULTS), required=True, help="Outcome.")
@click.option("--steps", required=True, help="The test steps: a text file, or the text.")
@click.option("--expected", required=True, help="Expected result (预期结果).")
@click.option("--actual", required=True, help="Actual result (实际结果).")
@click.option("--anomaly", "anomalies", multiple=True, help="An anomaly found; repeatable.")
@click.option(
    "--attach",
    "attachments",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A file (screenshot, log); stored by its SHA-256; repeatable.",
)
@click.option(
    "--version",
    help="Version tested; binds to its release tag's commit if any (without --commit).",
)
@click.option(
    "--commit",
    help="Commit tested (default: HEAD, or the --version's tag; without a git repository "
    "one of --commit/--version is required).",
)
@click.option("--date", "tested_at", help="Test date YYYY-MM-DD (default: today).")
@actor_option
@format_option()
def record(change_id: str, actor: str | None, fmt: str, **values: object) -> None:
    """Record a manual or on-site test (现场测试).

    Tester, environment, steps, expected and actual result, anomalies, attachments, the
    version or commit tested (default: HEAD, as for `evidence add`; IEC 62304 §9.8)."""
    from hischange.services.onsite import OnsiteForm, record_onsite

    project = open_project()
    who = resolve_actor(actor)
    form = OnsiteForm.model_validate({**values, "tester": values.get("tester") or who})
    emit(fmt, record_onsite(project, who, change_id, form), _recorded_lines)


def _list_lines(r: EvidenceList) -> Iterator[str]:
    latest = r.latest_commit[:12] if r.latest_commit else "(no linked commits)"
    yield f"{r.change_id}: latest linked commit {latest}; requires {', '.join(r.required) or '-'}"
    if not r.items:
        yield "  no evidence recorded"
    for e in r.items:
        where = e.commit[:12] if e.commit else f"version {e.version or '?'} (no commit)"
        flag = "STALE  " if e.stale else "current"
        verdict = "pass" if e.passed else "FAIL"
        yield f"  {e.evidence_id}  {e.kind:<9} {e.env:<11} {where:<14} {verdict:<4} {flag}"
        yield f"      {e.summary}"
        yield f"      {'stale' if e.stale else 'current'}: {e.why}"
    if r.problems:
        yield "not ready: " + "; ".join(r.problems)
    else:
        yield "evidence suffices for `change ready`"


@evidence.command("list", epilog=example("hischange evidence list CR-2026-0001 --format json"))
@click.argument("change_id")
@format_option()
def list_(change_id: str, fmt: str) -> None:
    """List a change's evidence, current or stale.

    Each item's kind, environment, commit and result, and whether it is stale (tested an
    older commit than the change's latest) and why."""
    from hischange.services.evidence import list_evidence

    emit(fmt, list_evidence(open_project(), change_id), _list_lines)


def _case_line(report: str, case: dict[str, object]) -> str:
    """One case on one line: outcome, report, class and name, time, the message's first line
    (control characters shown as escapes, so a name cannot forge or hide a line)."""
    message = str(case.get("message") or "").splitlines()
    time_ms = case.get("time_ms")
    parts = [
        f"{case.get('outcome', '?')!s:<7}",
        report,
        f"{case.get('classname', '')}::{case.get('name', '')}",
        f"{time_ms} ms" if time_ms is not None else "",
        message[0] if message else "",
    ]
    text = "  ".join(p for p in parts if p)
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in text)


@evidence.command(
    "cases", epilog=example("hischange evidence cases EV-2026-0001 --failed --format json")
)
@click.argument("evidence_id")
@click.option("--failed", is_flag=True, help="Only failed and errored cases.")
@format_option()
def cases(evidence_id: str, failed: bool, fmt: str) -> None:
    """List the test cases of an automated evidence item (用例).

    Read from the attachment store by the reference the ledger holds (checked against its
    SHA-256: a missing or corrupt file is exit 4), streamed, one case at a time. JSON output
    is an array of {"report", "case"} objects."""
    import json

    from hischange.services.evidence import evidence_cases

    rows = evidence_cases(open_project(), evidence_id, failed_only=failed)
    if fmt != "json":
        count = 0
        for report, case in rows:
            count += 1
            click.echo(_case_line(report, case))
        click.echo(f"{count} case(s) 用例")
        return
    first = True
    click.echo("[")
    for report, case in rows:
        line = json.dumps({"case": case, "report": report}, ensure_ascii=False, sort_keys=True)
        click.echo(("  " if first else ", ") + line)
        first = False
    click.echo("]")
