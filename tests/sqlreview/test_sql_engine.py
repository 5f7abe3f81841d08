"""The review pipeline: inputs, hashing, suppressions, settings, crashing rules."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import pytest

from hischange.errors import NotFoundError
from hischange.sqlreview import SqlReviewSettings, engine, review_files, review_sql
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule


class _DeleteRule(StatementRule):
    """Flags every DELETE (a stand-in rule so engine tests do not depend on real rules)."""

    code: ClassVar[str] = "HC101"
    name: ClassVar[str] = "test-delete"
    severity: ClassVar[Any] = "error"
    family: ClassVar[str] = "test"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        if ctx.statement.text.upper().startswith("DELETE"):
            yield Hit("DELETE seen", offset=ctx.statement.text.upper().find("FROM"))


class _BrokenRule(StatementRule):
    """Always raises."""

    code: ClassVar[str] = "HC199"
    name: ClassVar[str] = "test-broken"
    severity: ClassVar[Any] = "warning"
    family: ClassVar[str] = "test"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        raise RuntimeError("boom")


@pytest.fixture
def fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace the rule backend with the two stand-in rules above."""

    def build(st: Any, d: Any, s: Any, p: Any) -> RuleContext | str:
        if "UNANALYSABLE" in st.text:
            return "too deep"
        return RuleContext(statement=st, dialect=d, settings=s, tokens=(), path=p)

    monkeypatch.setattr(engine, "build_context", build)
    monkeypatch.setattr(engine, "load_rules", lambda _s: ([_DeleteRule(), _BrokenRule()], []))


def test_text_bytes_and_path_inputs(tmp_path: Path) -> None:
    """str is SQL text, bytes is content, a Path is read; sha256 is of the bytes."""
    data = b"SELECT 1 FROM dual;\n"
    file = tmp_path / "a.sql"
    file.write_bytes(data)
    for source in (data.decode(), data, file):
        fr = review_sql(source, dialect="oracle").files[0]
        assert fr.sha256 == hashlib.sha256(data).hexdigest() and fr.size == len(data)
    assert review_sql(file).files[0].path == file.as_posix()
    assert review_sql(str(file)).files[0].statements[0].text == str(file)


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    """A missing path raises NotFoundError naming it."""
    with pytest.raises(NotFoundError, match=r"nope\.sql"):
        review_sql(tmp_path / "nope.sql")


def test_gbk_file_reports_hc001() -> None:
    """A GBK file gets an info finding about the encoding fallback."""
    fr = review_sql("-- 删除\nSELECT 1;".encode("gbk")).files[0]
    assert fr.encoding == "gb18030"
    assert [f.code for f in fr.findings] == ["HC001"] and fr.findings[0].severity == "info"


def test_rule_hits_and_crashes(fake_rules: None) -> None:
    """Hits become findings with refined spans; a crashing rule becomes an HC000 error."""
    fr = review_sql("SELECT 1;\n  DELETE\n  FROM t;", dialect="oracle").files[0]
    delete = [f for f in fr.findings if f.code == "HC101"]
    assert len(delete) == 1 and (delete[0].span.start_line, delete[0].span.start_col) == (3, 3)
    crashes = [f for f in fr.findings if f.code == "HC000"]
    assert len(crashes) == 2 and all("HC199" in f.message for f in crashes)
    assert fr.has_errors


def test_unanalysable_statement_asks_for_a_human(fake_rules: None) -> None:
    """A statement the analyser refuses is an HC000 error, never skipped."""
    fr = review_sql("SELECT UNANALYSABLE;", dialect="mysql").files[0]
    assert [f.code for f in fr.findings] == ["HC000"]
    assert "human" in fr.findings[0].message


def test_suppressions(fake_rules: None) -> None:
    """disable= covers the next statement, disable-file= the file; no reason → HC002."""
    sql = (
        "-- hischange: disable=HC101 cleanup of test rows, approved by DBA\n"
        "DELETE FROM a;\nDELETE FROM b;\n-- hischange: disable=HC101\nDELETE FROM c;\n"
    )
    fr = review_sql(sql).files[0]
    hc101 = [f for f in fr.findings if f.code == "HC101"]
    assert [f.suppressed for f in hc101] == [True, False, False]
    assert hc101[0].suppression_reason == "cleanup of test rows, approved by DBA"
    assert [f.code for f in fr.findings if f.code == "HC002"] == ["HC002"]
    assert [s.reason is None for s in fr.suppressions] == [False, True]
    whole = review_sql("-- hischange: disable-file=HC101,HC199 legacy\nDELETE FROM a;").files[0]
    assert all(f.suppressed for f in whole.findings if f.code in ("HC101",))
    assert not whole.has_errors or any(f.code == "HC000" for f in whole.findings)


def test_settings_disable_and_override(fake_rules: None) -> None:
    """Disabled rules vanish; severity overrides apply; engine codes cannot be disabled."""
    settings = SqlReviewSettings(disabled=frozenset({"HC101", "HC000"}), severity={"HC199": "info"})
    fr = review_sql("DELETE FROM a;", settings=settings).files[0]
    assert [f.code for f in fr.findings] == ["HC000"]
    settings = SqlReviewSettings(severity={"HC101": "info"})
    fr = review_sql("DELETE FROM a;", settings=settings).files[0]
    assert [f.severity for f in fr.findings if f.code == "HC101"] == ["info"]


def test_review_files_and_json(tmp_path: Path) -> None:
    """Several files give one review each; the model dumps to JSON cleanly."""
    for name in ("a.sql", "b.sql"):
        (tmp_path / name).write_text("SELECT 1;\n", encoding="utf-8")
    review = review_files([tmp_path / "a.sql", tmp_path / "b.sql"], dialect="postgres")
    assert [Path(f.path).name for f in review.files] == ["a.sql", "b.sql"]
    dumped = review.model_dump(mode="json")
    assert dumped["files"][0]["statements"][0]["span"]["start_line"] == 1
    assert type(review).model_validate(dumped) == review
