"""The dialect-aware splitter: blocks, separators, quoting rules, spans."""

from __future__ import annotations

from hischange.sqlreview import decode_sql, split_sql
from hischange.sqlreview.model import Dialect


def texts(sql: str, dialect: Dialect) -> list[str]:
    """Statement texts, for compact assertions."""
    return [s.text for s in split_sql(sql, dialect)]


def test_long_plsql_package_with_slash_is_one_statement_each() -> None:
    """A long package spec and body, each ended by '/', stay whole."""
    procs = "\n".join(
        f"  PROCEDURE p{i}(a NUMBER) IS\n  BEGIN\n    UPDATE t SET x = {i} WHERE id = a;\n"
        f"    IF a > 1 THEN\n      NULL;\n    END IF;\n  END p{i};"
        for i in range(200)
    )
    sql = (
        "CREATE OR REPLACE PACKAGE pkg AS\n  PROCEDURE p0(a NUMBER);\nEND pkg;\n/\n"
        f"CREATE OR REPLACE PACKAGE BODY pkg AS\n{procs}\nEND pkg;\n/\nSELECT 1 FROM dual;\n"
    )
    got = split_sql(sql, "oracle")
    assert [s.kind for s in got] == ["plsql", "plsql", "sql"]
    assert got[1].text.startswith("CREATE OR REPLACE PACKAGE BODY") and got[1].text.endswith(
        "END pkg;"
    )


def test_nested_blocks_without_slash() -> None:
    """Nested BEGIN ... BEGIN ... END; END; is one block even with no '/' after it."""
    sql = (
        "BEGIN\n  BEGIN\n    DELETE FROM a WHERE id = 1;\n  END;\n"
        "  CASE WHEN x = 1 THEN NULL; END CASE;\nEND;\nDROP TABLE b;"
    )
    assert texts(sql, "oracle")[1] == "DROP TABLE b;"
    assert len(texts(sql, "oracle")) == 2


def test_declare_with_nested_procedure() -> None:
    """A nested subprogram's END inside DECLARE does not end the anonymous block."""
    sql = "DECLARE\n  PROCEDURE p IS BEGIN NULL; END p;\nBEGIN\n  p;\nEND;\n/\nSELECT 1 FROM dual;"
    assert len(texts(sql, "oracle")) == 2


def test_slash_ends_ordinary_statement() -> None:
    """A '/' alone on a line (spaces allowed) ends an ordinary statement and is no statement."""
    sql = "create view v as select a / b from t\n  /  \ncomment on table v is 'x'\n/\n"
    assert texts(sql, "oracle") == [
        "create view v as select a / b from t",
        "comment on table v is 'x'",
    ]


def test_tsql_go_any_case_with_count() -> None:
    """GO, go and GO 3 separate batches and never become statements."""
    sql = "SELECT 1\ngo\nCREATE PROCEDURE p AS\nSELECT 2;\nSELECT 3;\nGO 3\nSELECT 4;\nGo"
    assert texts(sql, "tsql") == [
        "SELECT 1",
        "CREATE PROCEDURE p AS\nSELECT 2;\nSELECT 3;",
        "SELECT 4;",
    ]


def test_tsql_set_is_sql_and_brackets_quote() -> None:
    """T-SQL SET NOCOUNT ON is an ordinary statement; [a;b] is one identifier."""
    got = split_sql("SET NOCOUNT ON;\nSELECT [a;b] FROM t;", "tsql")
    assert [(s.kind, s.text) for s in got] == [
        ("sql", "SET NOCOUNT ON;"),
        ("sql", "SELECT [a;b] FROM t;"),
    ]


def test_mysql_delimiter_changes_terminator() -> None:
    """DELIMITER $$ and DELIMITER // change the terminator until the next DELIMITER line."""
    sql = (
        "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END$$\nDELIMITER ;\n"
        "SELECT 3;\ndelimiter //\n"
        "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET @x = 1; END//\n"
        "DELIMITER ;\n"
    )
    got = texts(sql, "mysql")
    assert got == [
        "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END",
        "SELECT 3;",
        "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET @x = 1; END",
    ]


def test_mysql_program_body_without_delimiter() -> None:
    """A CREATE PROCEDURE ... BEGIN ... END; without DELIMITER stays one statement."""
    sql = "CREATE PROCEDURE p()\nBEGIN\n  IF 1 THEN SELECT 1; END IF;\n  SELECT 2;\nEND;\nSELECT 3;"
    assert len(texts(sql, "mysql")) == 2


def test_mysql_backslash_escapes_quote() -> None:
    """In MySQL a backslash escapes the quote, so the ; inside stays in the string."""
    assert len(texts("SELECT 'it\\'s; here';\nSELECT 2;", "mysql")) == 2


def test_oracle_backslash_is_not_an_escape() -> None:
    """'D:\\dump\\' ends at its quote in Oracle, so the DROP TABLE after it is its own statement."""
    sql = "INSERT INTO dirs VALUES ('D:\\dump\\');\nDROP TABLE patient_master;\n"
    assert texts(sql, "oracle") == [
        "INSERT INTO dirs VALUES ('D:\\dump\\');",
        "DROP TABLE patient_master;",
    ]


def test_oracle_q_quotes_hide_semicolons_and_quotes() -> None:
    """q'[...]', q'{...}' and q'!...!' may contain ; and ' without ending the statement."""
    sql = "SELECT q'[a;'b]', nq'{c;}', q'!x'; y!' FROM dual;\nSELECT 2 FROM dual;"
    assert len(texts(sql, "oracle")) == 2


def test_postgres_dollar_quotes_hide_semicolons() -> None:
    """A PG function body in $$ or $tag$ quotes may contain ; freely."""
    sql = (
        "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;\n"
        "CREATE FUNCTION g() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n"
        "SELECT E'a\\';b';"
    )
    assert len(texts(sql, "postgres")) == 3


def test_sqlplus_lines_are_their_own_kind() -> None:
    """SET/PROMPT/SPOOL/@file/EXIT lines are sqlplus statements; SET TRANSACTION is SQL."""
    sql = "SET DEFINE OFF\nPROMPT 建表;\n@@sub.sql\nSET TRANSACTION READ ONLY;\nSPOOL off\nEXIT"
    got = split_sql(sql, "oracle")
    assert [s.kind for s in got] == ["sqlplus", "sqlplus", "sqlplus", "sql", "sqlplus", "sqlplus"]


def test_gbk_crlf_and_spans() -> None:
    """GBK bytes with Chinese comments and CRLF split with correct line/column spans."""
    sql = "-- 修改患者表\r\nUPDATE pat SET a = 1\r\n  WHERE id = 2;\r\n  DELETE FROM b;"
    text, _ = decode_sql(sql.encode("gbk"))
    first, second = split_sql(text, "oracle")
    assert (first.span.start_line, first.span.start_col) == (2, 1)
    assert (first.span.end_line, first.span.end_col) == (3, 15)
    assert (second.span.start_line, second.span.start_col, second.span.end_col) == (4, 3, 16)
    assert all(text[s.start : s.end] == s.text for s in (first, second))


def test_no_trailing_terminator() -> None:
    """The last statement is kept when the file has no terminator at the end."""
    for dialect in ("oracle", "tsql", "mysql", "postgres"):
        assert texts("SELECT 1;\nSELECT 2", dialect) == ["SELECT 1;", "SELECT 2"]


def test_comments_hide_terminators() -> None:
    """A ; inside -- or /* */ comments (and # in MySQL) ends nothing."""
    assert len(texts("SELECT 1 -- a;b\n/* c; */ FROM t;", "postgres")) == 1
    assert len(texts("SELECT 1 # a;b\nFROM t;", "mysql")) == 1
