"""Hostile and broken report files: each refused with a clear error naming the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hischange.errors import HischangeError, NotFoundError, UsageError
from hischange.testing import (
    EmptyReport,
    MalformedReport,
    ReportError,
    ReportRefused,
    UnsupportedReport,
    import_report,
)

RUN_SLOW = os.environ.get("HISCHANGE_RUN_SLOW") == "1"


def _write(tmp_path: Path, content: str | bytes, name: str = "report.xml") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def test_external_entity_is_refused(tmp_path: Path) -> None:
    """An XXE report (external entity) is refused before anything is read from disk."""
    secret = tmp_path / "secret.txt"
    secret.write_text("patient-id-0001", encoding="utf-8")
    path = _write(
        tmp_path,
        f'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<testsuite><testcase name="&x;"/></testsuite>',
    )
    with pytest.raises(ReportRefused) as info:
        import_report(path)
    assert "refused: the report declares a DTD/entities" in str(info.value)
    assert "report.xml" in str(info.value)
    assert "patient-id-0001" not in str(info.value)


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    """A billion-laughs document is refused without expanding it."""
    entities = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    path = _write(
        tmp_path,
        f'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY l0 "lol">{entities}]><testsuite name="&l9;"/>',
    )
    with pytest.raises(ReportRefused, match="XXE/billion laughs"):
        import_report(path)


def test_plain_dtd_is_refused(tmp_path: Path) -> None:
    """Even a DTD without entities is refused: test tools never write one."""
    path = _write(tmp_path, '<!DOCTYPE testsuite SYSTEM "junit.dtd"><testsuite/>')
    with pytest.raises(ReportRefused, match="DTDForbidden"):
        import_report(path)


def test_malformed_xml_names_line_and_column(tmp_path: Path) -> None:
    """Malformed XML is refused with the line and column of the problem."""
    path = _write(tmp_path, '<testsuite>\n  <testcase name="a">\n</testsuite>')
    with pytest.raises(MalformedReport, match=r"report\.xml: malformed XML at line 3, column 3"):
        import_report(path)


def test_truncated_report_is_malformed(tmp_path: Path) -> None:
    """A report cut off mid-way (a crashed run) is malformed, not silently short."""
    path = _write(tmp_path, '<testsuite><testcase name="a"/><testcase name="b"')
    with pytest.raises(MalformedReport):
        import_report(path)


def test_other_xml_is_unsupported_and_root_is_named(tmp_path: Path) -> None:
    """An XML file that is neither JUnit nor TRX is refused, naming its root element."""
    path = _write(tmp_path, '<project xmlns="http://maven.apache.org/POM/4.0.0"/>', "pom.xml")
    with pytest.raises(UnsupportedReport) as info:
        import_report(path)
    assert "pom.xml" in str(info.value)
    assert "http://maven.apache.org/POM/4.0.0 project" in str(info.value)


def test_trx_root_in_wrong_namespace_is_unsupported(tmp_path: Path) -> None:
    """A <TestRun> outside the TRX namespace is not taken for TRX."""
    path = _write(tmp_path, "<TestRun/>", "run.trx")
    with pytest.raises(UnsupportedReport, match="<TestRun>"):
        import_report(path)


@pytest.mark.parametrize("content", [b"", b"   \n\t ", b'<?xml version="1.0"?>\n'])
def test_empty_file_is_refused(tmp_path: Path, content: bytes) -> None:
    """An empty (or element-less) file is refused as empty."""
    with pytest.raises(EmptyReport, match=r"report\.xml: the report"):
        import_report(_write(tmp_path, content))


def test_binary_file_is_refused(tmp_path: Path) -> None:
    """A binary file is refused as binary, not parsed."""
    path = _write(tmp_path, b"PK\x03\x04\x00\x00\x08\x00" + bytes(range(256)), "results.zip")
    with pytest.raises(UnsupportedReport, match=r"results\.zip: this is a binary file"):
        import_report(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    """A missing path is NotFoundError; a directory is a usage error."""
    with pytest.raises(NotFoundError):
        import_report(tmp_path / "nope.xml")
    with pytest.raises(UsageError, match="not a regular file"):
        import_report(tmp_path)


def test_gbk_declared_report_is_decoded(tmp_path: Path) -> None:
    """A GBK-declared report (which expat cannot read) is decoded correctly."""
    text = (
        '<?xml version="1.0" encoding="GBK"?>\n<testsuite name="中文套件">'
        '<testcase classname="门诊.挂号" name="测试_退号">'
        '<failure message="金额错误">详细</failure>'
        "</testcase></testsuite>"
    )
    raw = text.encode("gbk")
    report = import_report(_write(tmp_path, raw))
    case = report.cases[0]
    assert (case.name, case.classname, case.message) == ("测试_退号", "门诊.挂号", "金额错误\n详细")
    assert report.size == len(raw)


def test_bytes_invalid_in_declared_encoding_are_refused(tmp_path: Path) -> None:
    """Bytes that are not valid in the declared encoding give a clear error."""
    raw = b'<?xml version="1.0" encoding="GBK"?><testsuite name="\xff\xff"/>'
    with pytest.raises(MalformedReport, match="are not valid gb18030"):
        import_report(_write(tmp_path, raw))


def test_unknown_encoding_is_refused(tmp_path: Path) -> None:
    """An encoding Python does not know is named in the error."""
    raw = b'<?xml version="1.0" encoding="x-klingon"?><testsuite/>'
    with pytest.raises(UnsupportedReport, match="unknown encoding 'x-klingon'"):
        import_report(_write(tmp_path, raw))


def test_utf16_report_with_bom_is_read(tmp_path: Path) -> None:
    """A UTF-16 report with a byte-order mark (common on Windows) is read."""
    raw = '<?xml version="1.0" encoding="utf-16"?><testsuite><testcase name="病历"/></testsuite>'
    report = import_report(_write(tmp_path, raw.encode("utf-16")))
    assert report.cases[0].name == "病历"


def _huge_message_report(tmp_path: Path, megabytes: int) -> Path:
    path = tmp_path / "huge.xml"
    block = "错误信息 overflow line\n" * 4096
    with path.open("w", encoding="utf-8") as out:
        out.write('<testsuite><testcase name="t"><failure message="boom">')
        written = 0
        while written < megabytes * 1024 * 1024:
            out.write(block)
            written += len(block.encode("utf-8"))
        out.write("</failure></testcase></testsuite>")
    return path


def test_huge_failure_text_is_cut_while_streaming(tmp_path: Path) -> None:
    """A multi-megabyte failure text is kept only up to the cap, with the full length noted."""
    report = import_report(_huge_message_report(tmp_path, 4), max_message_chars=100)
    message = report.cases[0].message
    assert message is not None
    assert len(message) < 200
    assert message.startswith("boom\n错误信息")
    assert "[truncated by hischange: 100 of " in message


@pytest.mark.slow
@pytest.mark.skipif(not RUN_SLOW, reason="set HISCHANGE_RUN_SLOW=1 to run")
def test_fifty_megabyte_failure_text_stays_bounded(tmp_path: Path) -> None:
    """A 50 MB failure message never needs memory near its size (peak traced < 10 MB)."""
    import tracemalloc

    path = _huge_message_report(tmp_path, 50)
    tracemalloc.start()
    try:
        report = import_report(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.cases[0].message is not None
    assert len(report.cases[0].message) < 2100
    assert peak < 10 * 1024 * 1024


def test_huge_attribute_names_are_bounded(tmp_path: Path) -> None:
    """An absurdly long test name is cut with a marker, keeping each case small."""
    path = _write(tmp_path, f'<testsuite><testcase name="{"n" * 50_000}"/></testsuite>')
    name = import_report(path).cases[0].name
    assert len(name) < 1100
    assert "truncated by hischange" in name


def test_report_errors_are_usage_errors(tmp_path: Path) -> None:
    """Every report refusal is a UsageError (exit code 2) with a hint."""
    with pytest.raises(ReportError) as info:
        import_report(_write(tmp_path, "<html/>"))
    assert isinstance(info.value, UsageError)
    assert info.value.exit_code == 2
    assert info.value.hint


def test_invalid_message_cap_is_refused(tmp_path: Path) -> None:
    """A non-positive message cap is a usage error, not a silent default."""
    with pytest.raises(UsageError, match="max_message_chars"):
        import_report(_write(tmp_path, "<testsuite/>"), max_message_chars=0)


_PREFIXES = st.sampled_from(
    [
        b"",
        b"<testsuite>",
        b'<?xml version="1.0" encoding="GBK"?>',
        b'<?xml version="1.0" encoding="utf-16"?>',
        b"\xef\xbb\xbf<testsuites>",
        b"\xff\xfe",
        b'<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">',
    ]
)


@settings(max_examples=150, deadline=None)
@given(prefix=_PREFIXES, body=st.binary(max_size=300))
def test_random_bytes_never_crash(
    tmp_path_factory: pytest.TempPathFactory, prefix: bytes, body: bytes
) -> None:
    """Any bytes either import as a report or raise a HischangeError, never anything else."""
    path = tmp_path_factory.mktemp("fuzz") / "r.xml"
    path.write_bytes(prefix + body)
    try:
        report = import_report(path)
    except HischangeError:
        return
    assert report.size == len(prefix + body)


_XMLISH = st.lists(
    st.sampled_from(
        [
            "<testsuite>",
            "</testsuite>",
            "<testsuites>",
            '<testcase name="a" time="0.1">',
            "</testcase>",
            "<testcase/>",
            '<failure message="m">',
            "</failure>",
            "<skipped/>",
            "<error>",
            "</error>",
            "<flakyFailure>",
            "<properties><property name='surefire.x'/></properties>",
            "<![CDATA[x]]>",
            "&amp;",
            "&x;",
            "<!DOCTYPE a>",
            "text 中文",
            "<",
            '"',
        ]
    ),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(parts=_XMLISH)
def test_xml_like_fragments_never_crash(
    tmp_path_factory: pytest.TempPathFactory, parts: list[str]
) -> None:
    """Random JUnit-like fragments import or raise a HischangeError; totals match cases."""
    path = tmp_path_factory.mktemp("fuzz") / "r.xml"
    path.write_text("".join(parts), encoding="utf-8")
    try:
        report = import_report(path)
    except HischangeError:
        return
    assert report.totals.tests == len(report.cases)
