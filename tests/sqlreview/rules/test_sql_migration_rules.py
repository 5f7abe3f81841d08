"""Migration-safety rules (HC122-HC128): per-dialect severity and where file rules point."""

from __future__ import annotations

from hischange.sqlreview import SqlReviewSettings, review_sql
from hischange.sqlreview.registry import rule_by_code


def _finding(sql: str, dialect: str, code: str) -> tuple[str, int, int | None, str]:
    settings = SqlReviewSettings.model_validate({"dialect": dialect})
    [f] = [f for f in review_sql(sql, settings=settings).files[0].findings if f.code == code]
    return f.severity, f.span.start_line, f.statement_index, f.message


def test_not_null_on_existing_column_is_an_error_only_in_mysql() -> None:
    """HC122: MySQL may silently change NULLs (error); elsewhere the deployment fails (warning)."""
    mysql = _finding("ALTER TABLE t MODIFY COLUMN c INT NOT NULL", "mysql", "HC122")
    pg = _finding("ALTER TABLE t ALTER COLUMN c SET NOT NULL", "postgres", "HC122")
    oracle = _finding("ALTER TABLE t MODIFY (c NOT NULL)", "oracle", "HC122")
    assert (mysql[0], pg[0], oracle[0]) == ("error", "warning", "warning")
    assert rule_by_code("HC122") is not None


def test_project_severity_overrides_the_dialect_default() -> None:
    """A project's [sqlreview] severity still wins over a rule's per-dialect default."""
    settings = SqlReviewSettings(dialect="mysql", severity={"HC122": "info"})
    findings = review_sql("ALTER TABLE t MODIFY COLUMN c INT NOT NULL", settings=settings)
    [f] = [f for f in findings.files[0].findings if f.code == "HC122"]
    assert f.severity == "info"


def test_file_rule_finding_points_at_its_statement() -> None:
    """HC125 reports the line and statement of the CONCURRENTLY, and where BEGIN was."""
    sql = (
        "BEGIN;\nALTER TABLE pat_fee ADD COLUMN b int;\n"
        "CREATE INDEX CONCURRENTLY ix ON pat_fee (b);\nCOMMIT;\n"
    )
    severity, line, index, message = _finding(sql, "postgres", "HC125")
    assert (severity, line, index) == ("error", 3, 2)
    assert message.startswith("CREATE INDEX CONCURRENTLY inside the transaction begun at line 1")


def test_lock_timeout_finding_names_the_statement_and_its_line() -> None:
    """HC126 points at the first locking DDL, after the DML before it."""
    sql = "UPDATE t SET a = 1 WHERE id = 1;\nALTER TABLE pat_visit ADD COLUMN b int;\n"
    severity, line, index, message = _finding(sql, "postgres", "HC126")
    assert (severity, line, index) == ("warning", 2, 1)
    assert message.startswith("'ALTER TABLE pat_visit ...' runs with no lock_timeout")


def test_messages_name_the_objects() -> None:
    """Each new rule's message names the table, column, constraint or parent it is about."""
    assert _finding("ALTER TABLE a RENAME TO b", "postgres", "HC123")[3] == "table a renamed to b"
    fk = "ALTER TABLE o ADD CONSTRAINT fk_v FOREIGN KEY (v) REFERENCES pat_visit (v)"
    fk += " ON DELETE CASCADE"
    assert _finding(fk, "tsql", "HC124")[3].startswith("FOREIGN KEY constraint fk_v on o checks")
    assert "deleting a row of pat_visit" in _finding(fk, "tsql", "HC128")[3]
    assert _finding("ALTER TABLE t ADD COLUMN c INT", "mysql", "HC127")[3].startswith(
        "ALTER TABLE t may copy the table and block writes (ALGORITHM=unset, LOCK=unset)"
    )
