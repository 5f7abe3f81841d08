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
    from hischange.services.evidence_show import EvidenceShown

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


_PAST_READY = frozenset({"ready", "released", "deployed", "verified", "closed"})


def _list_lines(r: EvidenceList) -> Iterator[str]:
    from hischange.cli.render import local_time

    latest = r.latest_commit[:12] if r.latest_commit else "(no linked commits)"
    state = f" ({r.state})" if r.state else ""
    yield (
        f"{r.change_id}{state}: latest linked commit {latest}; "
        f"requires {', '.join(r.required) or '-'}"
    )
    used = set(r.recorded.evidence) if r.recorded else set()
    if r.recorded is not None:
        v = r.recorded
        on = ", ".join(v.evidence) or "no evidence required by config"
        yield (
            f"recorded verdict (记录的结论): ready (待发布) at {local_time(v.at)} by {v.by} on "
            f"{on} (ledger #{v.seq})"
        )
    if not r.items:
        yield "  no evidence recorded"
    for e in r.items:
        where = e.commit[:12] if e.commit else f"version {e.version or '?'} (no commit)"
        flag = "current" if not e.stale else "STALE  " if e.checked else "UNCHECKED"
        verdict = "pass" if e.passed else "FAIL"
        mark = "  [used when it went ready]" if e.evidence_id in used else ""
        yield f"  {e.evidence_id}  {e.kind:<9} {e.env:<11} {where:<14} {verdict:<4} {flag}{mark}"
        yield f"      {e.summary}"
        yield f"      today: {flag.strip().lower()}: {e.why}"
    label = "today's recomputation (今日复核"
    label += ")" if r.git else "; no git repository here, so ancestry is unchecked)"
    if not r.problems:
        yield f"{label}: evidence suffices for `change ready`"
    elif r.recorded is not None and r.state in _PAST_READY:
        yield f"{label}: would not suffice now: " + "; ".join(r.problems)
    else:
        yield f"{label}: not ready: " + "; ".join(r.problems)


@evidence.command("list", epilog=example("hischange evidence list CR-2026-0001 --format json"))
@click.argument("change_id")
@format_option()
def list_(change_id: str, fmt: str) -> None:
    """List a change's evidence, current or stale.

    Each item's kind, environment, commit and result, and whether it is stale (tested an
    older commit than the change's latest) and why."""
    from hischange.services.evidence import list_evidence

    emit(fmt, list_evidence(open_project(), change_id), _list_lines)


@evidence.command("show", epilog=example("hischange evidence show EV-2026-0001"))
@click.argument("evidence_id")
@format_option()
def show(evidence_id: str, fmt: str) -> None:
    """Show one evidence item with every recorded field.

    On-site tests: tester, date, steps, expected and actual result, anomalies and each
    attachment (checked against its SHA-256); reports: every test case."""
    from hischange.services.evidence_show import show_evidence

    emit(fmt, show_evidence(open_project(), evidence_id), _show_lines)


@evidence.command(
    "extract", epilog=example("hischange evidence extract EV-2026-0001 --to ./EV-2026-0001")
)
@click.argument("evidence_id")
@click.option(
    "--to",
    "folder",
    required=True,
    type=click.Path(path_type=Path),
    help="The folder to write the attachments into (created if missing).",
)
@format_option()
def extract(evidence_id: str, folder: Path, fmt: str) -> None:
    """Write an evidence item's attachments, SHA-256 checked.

    Screenshots and logs under their recorded names; a stored file that no longer has its
    recorded SHA-256 is named and nothing is written (exit 4)."""
    from hischange.services.evidence_show import extract_evidence

    done = extract_evidence(open_project(), evidence_id, folder)
    emit(
        fmt,
        done,
        lambda d: [
            f"wrote {len(d.files)} attachment(s) of {d.evidence_id} into {d.folder}, "
            "each SHA-256 checked",
            *(f"  {name}  sha256 {sha}" for name, sha in d.files),
        ],
    )


_LABELS = {
    "tester": "tester 测试人",
    "environment": "environment 环境",
    "tested_at": "tested 测试日期",
    "version": "version 版本",
    "commit": "commit",
    "result": "result 结果",
    "expected_result": "expected 预期结果",
    "actual_result": "actual 实际结果",
}


def _block(label: str, text: str) -> Iterator[str]:
    lines = str(text).splitlines() or [""]
    if len(lines) == 1:
        yield f"  {label}: {lines[0]}"
        return
    yield f"  {label}:"
    for line in lines:
        yield f"    {line}"


def _cases(report: dict[str, object]) -> Iterator[str]:
    cases = report.get("cases") or []
    assert isinstance(cases, list)
    for c in cases:
        took = f" {c['time_ms']} ms" if c.get("time_ms") is not None else ""
        where = f"{c.get('classname')}::" if c.get("classname") else ""
        yield f"      {c.get('outcome', '?'):<8} {where}{c.get('name', '')}{took}"
        if c.get("message"):
            yield f"               {c['message']}"


def _show_lines(shown: EvidenceShown) -> Iterator[str]:
    from hischange.cli.render import local_time

    e, d = shown.item, shown.detail
    verdict = "PASS" if e.passed else "NOT PASSING"
    yield f"{e.evidence_id}  {e.kind}  {verdict}  for {', '.join(e.change_ids)}"
    yield f"  recorded by {e.recorded_by} at {local_time(e.at)} (ledger #{e.seq})"
    yield f"  environment: {e.env}; commit: {e.commit or '-'}; version: {e.version or '-'}"
    yield f"  summary: {e.summary}"
    if e.kind == "onsite":
        for key, label in _LABELS.items():
            if d.get(key) not in (None, ""):
                yield from _block(label, str(d[key]))
        yield from _block("steps 测试步骤", str(d.get("steps", "")))
        anomalies = d.get("anomalies") or []
        yield f"  anomalies 异常: {len(anomalies)}"
        for a in anomalies:
            yield f"    - {a}"
        for k, v in sorted((d.get("tools") or {}).items()):
            yield f"  tool {k}: {v}"
        for k, v in sorted((d.get("configuration") or {}).items()):
            yield f"  configuration {k}: {v}"
    for report in d.get("reports") or []:
        t = report.get("totals", {})
        yield (
            f"  report {report.get('file_name')} ({report.get('tool')} "
            f"{report.get('tool_version') or ''}".rstrip()
            + f") sha256 {report.get('sha256', '')}"
        )
        yield (
            f"    {t.get('tests', 0)} tests: {t.get('passed', 0)} passed, "
            f"{t.get('failures', 0)} failures, {t.get('errors', 0)} errors, "
            f"{t.get('skipped', 0)} skipped"
        )
        yield from _cases(report)
    run = d.get("run")
    if isinstance(run, dict):
        t = run.get("totals", {})
        yield f"  run {run.get('tool')}: {t.get('tests', 0)} tests, {t.get('failures', 0)} failures"
        yield from _cases(run)
        for k, v in sorted((d.get("configuration") or {}).items()):
            yield f"  configuration {k}: {v}"
    yield f"  attachments 附件: {len(shown.attachments)}"
    for a in shown.attachments:
        state = {"ok": "stored, SHA-256 ok", "missing": "MISSING", "altered": "ALTERED"}[a.stored]
        yield f"    {a.original_name}  {a.media_type}  {a.size} bytes  sha256 {a.sha256}  [{state}]"
