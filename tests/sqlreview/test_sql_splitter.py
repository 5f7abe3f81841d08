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


def test_tsql_statements_without_semicolons_split_at_keywords() -> None:
    """T-SQL statements with no ';' split where the next statement's keyword begins."""
    sql = (
        "SET NOCOUNT ON\nDECLARE @n INT = (SELECT COUNT(*) FROM 病人信息)\n"
        "UPDATE t SET a = 1 WHERE id = @n\nSELECT a, b FROM t ORDER BY a DESC\n"
        "INSERT INTO log (msg) VALUES ('done')\nPRINT 'ok'"
    )
    assert texts(sql, "tsql") == [
        "SET NOCOUNT ON",
        "DECLARE @n INT = (SELECT COUNT(*) FROM 病人信息)",
        "UPDATE t SET a = 1 WHERE id = @n",
        "SELECT a, b FROM t ORDER BY a DESC",
        "INSERT INTO log (msg) VALUES ('done')",
        "PRINT 'ok'",
    ]


def test_tsql_keywords_that_continue_a_statement() -> None:
    """INSERT ... SELECT, UNION SELECT, ON DELETE SET NULL and OFFSET FETCH stay whole."""
    sql = (
        "INSERT INTO a (x)\nSELECT x FROM b\nUNION ALL\nSELECT x FROM c\n"
        "ALTER TABLE d ADD CONSTRAINT fk FOREIGN KEY (x) REFERENCES e (x) ON DELETE SET NULL\n"
        "ALTER TABLE d ALTER COLUMN y INT\n"
        "SELECT x FROM d ORDER BY x OFFSET 10 ROWS FETCH NEXT 5 ROWS ONLY\n"
        "DROP TABLE IF EXISTS d"
    )
    got = texts(sql, "tsql")
    assert [t.split()[0] for t in got] == ["INSERT", "ALTER", "ALTER", "SELECT", "DROP"]
    assert got[0].endswith("FROM c") and got[1].endswith("SET NULL")


def test_tsql_if_else_is_one_statement() -> None:
    """IF <cond> <stmt> ELSE <stmt>, and ELSE IF chains, count as one statement."""
    sql = (
        "IF OBJECT_ID('dbo.t') IS NOT NULL DROP TABLE dbo.t\n"
        "IF @a = 1\n  PRINT 'one'\nELSE IF @a = 2\n  PRINT 'two'\nELSE\n  PRINT 'many'\n"
        "SELECT CASE WHEN @a = 1 THEN 'x' ELSE 'y' END AS c"
    )
    got = texts(sql, "tsql")
    assert len(got) == 3
    assert got[1].startswith("IF @a = 1") and got[1].endswith("PRINT 'many'")
    assert got[2].startswith("SELECT CASE")


def test_tsql_while_with_nested_begin_end() -> None:
    """WHILE with nested BEGIN/END, IF and BREAK inside is one statement, then the next."""
    sql = (
        "WHILE @@FETCH_STATUS = 0\nBEGIN\n  FETCH NEXT FROM c INTO @id\n"
        "  IF @id > 10\n  BEGIN\n    BEGIN\n      BREAK\n    END\n  END\n"
        "  UPDATE t SET n = n + 1 WHERE id = @id\nEND\nCLOSE c\nDEALLOCATE c"
    )
    got = texts(sql, "tsql")
    assert got[1:] == ["CLOSE c", "DEALLOCATE c"]
    assert got[0].startswith("WHILE") and got[0].endswith("WHERE id = @id\nEND")


def test_tsql_try_catch_and_transactions() -> None:
    """BEGIN TRY ... END CATCH is one statement; BEGIN TRAN and COMMIT are their own."""
    sql = (
        "BEGIN TRAN\nBEGIN TRY\n  DELETE FROM t WHERE id = 1\n  COMMIT\nEND TRY\n"
        "BEGIN CATCH\n  ROLLBACK\n  THROW\nEND CATCH;\nSELECT 1"
    )
    got = texts(sql, "tsql")
    assert got[0] == "BEGIN TRAN"
    assert got[1].startswith("BEGIN TRY") and got[1].endswith("END CATCH;")
    assert got[2] == "SELECT 1"


def test_tsql_merge_runs_to_its_semicolon() -> None:
    """MERGE keeps its WHEN ... THEN UPDATE SET / INSERT / DELETE branches until ';'."""
    sql = (
        "MERGE INTO t USING s ON t.id = s.id\n"
        "WHEN MATCHED THEN UPDATE SET t.v = s.v\n"
        "WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)\n"
        "WHEN NOT MATCHED BY SOURCE THEN DELETE;\nSET @done = 1"
    )
    got = texts(sql, "tsql")
    assert len(got) == 2 and got[0].endswith("THEN DELETE;") and got[1] == "SET @done = 1"


def test_tsql_ctes_after_a_statement_without_semicolon() -> None:
    """A WITH cte AS (...) starts a statement; its main SELECT or UPDATE stays with it."""
    sql = (
        "SELECT 1\nWITH c (id) AS (SELECT id FROM t)\nUPDATE t SET v = 0 FROM c WHERE c.id = t.id\n"
        "SELECT * FROM t WITH (NOLOCK)\n"
        "CREATE VIEW v AS WITH d AS (SELECT 1 AS x) SELECT x FROM d"
    )
    got = texts(sql, "tsql")
    assert [t.split()[0] for t in got] == ["SELECT", "WITH", "SELECT", "CREATE"]
    assert got[2] == "SELECT * FROM t WITH (NOLOCK)"


def test_tsql_procedure_body_runs_to_go() -> None:
    """A procedure with several unterminated statements in its body runs to GO, then resumes."""
    sql = (
        "create or alter procedure dbo.p @id int as\nbegin\n  set nocount on\n"
        "  if @id is null return\n  update t set v = 1 where id = @id\n  select v from t\nend\n"
        "go 3\nexec dbo.p 1\ngo\n:setvar db HIS\nUSE [$(db)]"
    )
    got = split_sql(sql, "tsql")
    assert [s.text.split()[0] for s in got] == ["create", "exec", ":setvar", "USE"]
    assert got[0].text.endswith("select v from t\nend")
    assert got[2].kind == "sqlplus" and got[3].span.start_line == 12


def test_tsql_go_lowercase_and_after_semicolon() -> None:
    """go in any case on its own line, or right after ';', separates batches."""
    sql = "SELECT 1;go\nSELECT 2\n  go  \nSELECT [go] FROM t\nGo 2\n"
    assert texts(sql, "tsql") == ["SELECT 1;", "SELECT 2", "SELECT [go] FROM t"]


def test_tsql_semicolons_in_parentheses_and_strings() -> None:
    """';' inside OPENROWSET(...) arguments or strings does not end the statement."""
    sql = "SELECT a.* FROM OPENROWSET('x', 'c:\\db.mdb'; 'admin'; '', T) AS a;\nPRINT 'a;b'"
    assert len(texts(sql, "tsql")) == 2


def test_tsql_large_script_splits_every_statement() -> None:
    """A script of thousands of unterminated statements splits into exactly that many."""
    block = "IF @x = 1 BEGIN UPDATE t SET a = 1 WHERE id = 2 END ELSE PRINT 'n'\nSELECT 1\n"
    got = split_sql(block * 5000, "tsql")
    assert len(got) == 10000
    assert got[-1].span.start_line == 10000
