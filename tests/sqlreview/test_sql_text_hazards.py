"""Text the splitter cannot settle is a finding, never a silent pass (issue 16, lexing edges)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hischange.sqlreview import render_human, review_sql, split_sql
from hischange.sqlreview.model import Dialect
from tests.conftest import Cli


def _codes(sql: str, dialect: Dialect) -> list[str]:
    return [f.code for f in review_sql(sql, dialect).files[0].findings]


def test_unterminated_block_comment_fails_the_cli(run: Cli, tmp_path: Path) -> None:
    """An unterminated /* hides the whole script: HC000 with its line, and exit 1 (was 0)."""
    path = tmp_path / "0001.sql"
    path.write_text("/* 清理临时表\nDROP TABLE pat_tmp;\n", encoding="utf-8")
    result = run("sql", "review", str(path), "--dialect", "oracle", code=1)
    assert "HC000 error unterminated block comment at line 1, column 1" in result.stdout


@pytest.mark.parametrize(
    ("dialect", "sql", "where"),
    [
        ("oracle", "SELECT 1 FROM dual;\nUPDATE t SET a = 'x WHERE id = 1;\n", "line 2, column 18"),
        ("oracle", "SELECT q'[abc FROM dual;", "line 1, column 8"),
        ("tsql", "SELECT [a FROM t", "line 1, column 8"),
        ("mysql", "SELECT `a FROM t;", "line 1, column 8"),
        ("postgres", "DO $$ BEGIN NULL; END;", "line 1, column 4"),
        ("postgres", "SELECT 1;\n/* tail", "line 2, column 1"),
    ],
)
def test_unterminated_string_or_comment_is_hc000(dialect: Dialect, sql: str, where: str) -> None:
    """Every kind of quote or comment that never closes is one HC000 naming where it opens."""
    messages = [f.message for f in review_sql(sql, dialect).files[0].findings if f.code == "HC000"]
    assert len(messages) == 1 and f"at {where}:" in messages[0]


def test_closed_quotes_and_comments_are_no_hazard() -> None:
    """A script whose quotes and comments all close reports no HC000."""
    sql = "/* a */ SELECT 'x''y', \"c\" FROM t; -- end\n"
    assert "HC000" not in _codes(sql, "oracle")


@pytest.mark.parametrize("sql", ["DELETE\0FROM pat_visit", "DROP\0TABLE pat_visit"])
def test_nul_is_hc000_and_rules_read_it_as_a_separator(sql: str) -> None:
    """A NUL is reported (HC000), and DELETE\\0FROM and DROP\\0TABLE are both judged."""
    codes = _codes(sql, "oracle")
    assert codes[0] == "HC000" and codes[1] in {"HC101", "HC103"} and len(codes) == 2


def test_carriage_return_in_a_string_is_escaped_in_the_human_report() -> None:
    """The preview shows \\r (and ESC) escaped, so a report cannot rewrite the terminal line."""
    text = render_human(review_sql("UPDATE t SET a = 'x\ry\x1b[31m'", "oracle"))
    assert "\r" not in text and "\x1b" not in text
    assert "UPDATE t SET a = 'x\\ry\\x1b[31m'" in text


def test_mysql_delimiter_word_inside_a_statement_follows_the_server() -> None:
    """A column called delimiter at a line start stays in its statement; HC003 warns."""
    sql = "SELECT a FROM t ORDER BY\ndelimiter DESC;\nDELETE FROM u WHERE id = 1;\n"
    review = review_sql(sql, "mysql").files[0]
    assert [s.text for s in review.statements] == [
        "SELECT a FROM t ORDER BY\ndelimiter DESC;",
        "DELETE FROM u WHERE id = 1;",
    ]
    [warning] = review.findings
    assert (warning.code, warning.severity, warning.span.start_line) == ("HC003", "warning", 2)
    assert "'delimiter DESC;' inside an open statement" in warning.message


def test_mysql_delimiter_command_between_statements_is_still_a_command() -> None:
    """DELIMITER on its own line between statements changes the delimiter, with no warning."""
    sql = "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\nSELECT 1;\n"
    assert len(split_sql(sql, "mysql")) == 2
    assert _codes(sql, "mysql") == []


def test_mysql_delimiter_word_in_any_case_is_reported() -> None:
    """The client matches DELIMITER case-insensitively, so the warning does too."""
    sql = "SELECT a FROM t ORDER BY\nDeLiMiTeR DESC;\n"
    assert _codes(sql, "mysql") == ["HC003"]
