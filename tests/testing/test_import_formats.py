"""Importers against hand-written sample reports of each tool's format."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hischange.testing import TestReport, import_report

DATA = Path(__file__).parent / "data"


def _load(name: str, **kwargs: int) -> TestReport:
    return import_report(DATA / name, **kwargs)


def _outcomes(report: TestReport) -> dict[str, str]:
    return {case.name: case.outcome for case in report.cases}


def test_pytest_report_totals_and_outcomes() -> None:
    """A pytest junitxml report yields its cases, outcomes and computed totals."""
    report = _load("pytest-junit.xml")
    assert report.tool == "pytest"
    totals = report.totals
    assert (totals.tests, totals.passed, totals.failures, totals.errors, totals.skipped) == (
        7,
        3,
        1,
        1,
        2,
    )
    assert totals.duration_ms == 12 + 34 + 101 + 2 + 0 + 4 + 2328
    outcomes = _outcomes(report)
    assert outcomes["test_refund_fee[现金]"] == "failed"
    assert outcomes["test_lis_view_columns"] == "error"
    assert outcomes["test_医保结算_xfail"] == "skipped"
    assert outcomes["test_挂号_儿科_普通号"] == "passed"
    assert report.timestamp == "2026-03-02T09:15:01.123456+08:00"
    assert not report.passed
    assert report.totals_consistent


def test_pytest_failure_message_has_attribute_and_text() -> None:
    """A failure's message joins the message attribute and the element text."""
    case = next(c for c in _load("pytest-junit.xml").cases if c.outcome == "failed")
    assert case.message is not None
    assert case.message.startswith("AssertionError: assert Decimal('12.50')")
    assert 'assert refund == Decimal("12.00")' in case.message
    assert case.classname == "tests.test_registration"
    assert case.time_ms == 101


def test_file_facts_are_recorded() -> None:
    """The report records the base file name, size and SHA-256 of the exact bytes."""
    path = DATA / "pytest-junit.xml"
    report = import_report(path)
    raw = path.read_bytes()
    assert report.file_name == "pytest-junit.xml"
    assert report.size == len(raw)
    assert report.sha256 == hashlib.sha256(raw).hexdigest()


def test_surefire_report_with_flaky_and_rerun() -> None:
    """Surefire: flakyFailure passes (flagged flaky); failure + rerunFailure fails."""
    report = _load("TEST-com.example.his.RegistrationServiceTest.xml")
    assert report.tool == "surefire"
    assert report.tool_version == "3.0"
    by_name = {case.name: case for case in report.cases}
    assert by_name["rejectsDuplicateCardNumber"].outcome == "passed"
    assert by_name["rejectsDuplicateCardNumber"].flaky
    assert by_name["rejectsDuplicateCardNumber"].message is None
    assert by_name["computesFeeForSpecialistClinic"].outcome == "failed"
    assert by_name["cancelsVisitAfterMidnight"].outcome == "error"
    assert by_name["printsRegistrationSlip"].outcome == "skipped"
    assert report.totals.tests == 5
    assert report.totals.passed == 2
    assert report.totals_consistent


def test_surefire_system_out_is_not_kept() -> None:
    """Captured output (system-out) does not end up in a case's message."""
    report = _load("TEST-com.example.his.RegistrationServiceTest.xml")
    assert all("fee table loaded" not in (case.message or "") for case in report.cases)


def test_gradle_report_is_recognised() -> None:
    """A Gradle per-class report with an empty properties element is tagged gradle."""
    report = _load("TEST-com.example.lis.ReportViewTest.xml")
    assert report.tool == "gradle"
    assert report.cases[0].name == "检验报告视图包含危急值标志()"
    assert report.totals.failures == 1
    assert report.timestamp == "2026-03-02T01:20:44"


def test_jenkins_nested_suites_count_each_case_once() -> None:
    """Nested testsuite elements are walked; declared totals come from the outermost level."""
    report = _load("jenkins-aggregated.xml")
    assert report.tool == "junit"
    assert report.totals.tests == 6
    assert report.totals.failures == 1
    assert report.totals.skipped == 1
    assert report.declared_totals is not None
    assert report.declared_totals.tests == 6
    assert report.totals_consistent
    assert "签名后病历不可修改" in _outcomes(report)


def test_declared_totals_that_disagree_are_kept() -> None:
    """When the file's counts disagree with its cases, both are kept and flagged."""
    report = _load("declared-mismatch.xml")
    assert report.totals.tests == 2
    assert report.totals.failures == 1
    assert report.declared_totals is not None
    assert report.declared_totals.tests == 10
    assert report.declared_totals.failures == 0
    assert not report.totals_consistent
    assert not report.passed


def test_trx_report_outcomes_classes_and_durations() -> None:
    """TRX results are joined with their definitions; outcomes map onto ours."""
    report = _load("results.trx")
    assert report.tool == "trx"
    by_name = {case.name: case for case in report.cases}
    passed = by_name["开具处方_校验药品库存"]
    assert passed.outcome == "passed"
    assert passed.classname == "His.Outpatient.Tests.PrescriptionTests"
    assert passed.time_ms == 123
    failed = by_name["PrescriptionRejectsDuplicateDrug"]
    assert failed.outcome == "failed"
    assert failed.time_ms == 1234
    # The assembly-qualified class name is cut to the class.
    assert failed.classname == "His.Outpatient.Tests.PrescriptionTests"
    assert failed.message is not None
    assert "重复药品未被拦截" in failed.message
    assert "PrescriptionTests.cs:line 42" in failed.message
    assert by_name["PrintsPrescriptionSlip"].outcome == "skipped"
    inconclusive = by_name["InsuranceSettlementRounding"]
    assert inconclusive.outcome == "skipped"
    assert inconclusive.raw_outcome == "Inconclusive"
    assert report.timestamp == "2026-03-02T10:05:10.9010000+08:00"
    assert report.declared_totals is not None
    assert report.declared_totals.tests == 4
    assert report.totals_consistent


def test_zero_test_report_is_evidence_of_nothing() -> None:
    """A report with no cases imports, but is empty and does not pass."""
    report = _load("zero-tests.xml")
    assert report.empty
    assert not report.passed
    assert report.totals.tests == 0


def test_all_passing_report_passes(tmp_path: Path) -> None:
    """A report whose cases all pass (skips allowed) passes."""
    path = tmp_path / "ok.xml"
    path.write_text(
        '<testsuite name="s"><testcase name="a" classname="c" time="1.5"/>'
        '<testcase name="b" classname="c"><skipped/></testcase></testsuite>',
        encoding="utf-8",
    )
    report = import_report(path)
    assert report.passed
    assert not report.empty
    assert report.declared_totals is None
    assert report.cases[0].time_ms == 1500
    assert report.cases[1].time_ms is None


def test_long_messages_are_truncated_with_marker() -> None:
    """Messages longer than max_message_chars are cut and say so."""
    report = _load("pytest-junit.xml", max_message_chars=20)
    case = next(c for c in report.cases if c.outcome == "failed")
    assert case.message is not None
    kept, marker = case.message.split("\n… ", 1)
    assert len(kept) <= 20
    assert marker.startswith("[truncated by hischange: 20 of ")


def test_worst_outcome_wins_within_a_case(tmp_path: Path) -> None:
    """A case with a failure and a teardown error is an error, with both messages."""
    path = tmp_path / "both.xml"
    path.write_text(
        '<testsuite name="pytest"><testcase name="t" classname="c">'
        '<failure message="first">f</failure><error message="teardown">e</error>'
        "</testcase></testsuite>",
        encoding="utf-8",
    )
    case = import_report(path).cases[0]
    assert case.outcome == "error"
    assert case.message == "first\nf\nteardown\ne"


def test_report_round_trips_through_json() -> None:
    """A report dumped to JSON (with computed flags) validates back to an equal report."""
    report = _load("results.trx")
    dumped = report.model_dump(mode="json")
    assert dumped["passed"] is False
    assert dumped["empty"] is False
    assert TestReport.model_validate(dumped) == report


@pytest.mark.parametrize(
    ("time", "expected"),
    [("0.0015", 2), ("1", 1000), ("1,234.5", 1234500), ("1e-3", 1), ("-1", None), ("x", None)],
)
def test_case_times_become_int_milliseconds(
    tmp_path: Path, time: str, expected: int | None
) -> None:
    """Case times are parsed without floats, rounded half up; junk becomes None."""
    path = tmp_path / "t.xml"
    path.write_text(f'<testsuite><testcase name="a" time="{time}"/></testsuite>', encoding="utf-8")
    assert import_report(path).cases[0].time_ms == expected


def test_trx_inner_results_are_not_counted_twice(tmp_path: Path) -> None:
    """A data-driven TRX result counts once; its inner results' errors are not its message."""
    ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"
    path = tmp_path / "dd.trx"
    path.write_text(
        f'<TestRun xmlns="{ns}"><Results>'
        '<UnitTestResult testId="t1" testName="Rows" duration="00:00:02" outcome="Failed">'
        "<Output><ErrorInfo><Message>1 of 2 rows failed</Message></ErrorInfo></Output>"
        "<InnerResults>"
        '<UnitTestResult testId="t1" testName="Rows (1)" outcome="Passed"/>'
        '<UnitTestResult testId="t1" testName="Rows (2)" outcome="Failed">'
        "<Output><ErrorInfo><Message>row 2 wrong</Message></ErrorInfo></Output>"
        "</UnitTestResult></InnerResults></UnitTestResult>"
        '<UnitTestResult testId="t2" testName="Odd" duration="1.02:03:04.5" outcome="Weird"/>'
        "</Results></TestRun>",
        encoding="utf-8",
    )
    report = import_report(path)
    assert [case.name for case in report.cases] == ["Rows", "Odd"]
    assert report.cases[0].message == "1 of 2 rows failed"
    assert report.cases[0].time_ms == 2000
    # An outcome we do not know is counted as an error, never as a pass.
    assert report.cases[1].outcome == "error"
    assert report.cases[1].raw_outcome == "Weird"
    assert report.cases[1].time_ms == ((24 + 2) * 3600 + 3 * 60 + 4) * 1000 + 500
    assert report.declared_totals is None
