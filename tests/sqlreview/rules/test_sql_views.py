"""View interfaces: output columns per view, and what a new definition breaks."""

from __future__ import annotations

from hischange.sqlreview.views import (
    breaking_view_changes,
    compare_view_columns,
    view_changes,
    view_columns,
)


def test_oracle_view_with_chinese_aliases() -> None:
    """Oracle: aliases (AS or bare, Chinese too) win, names fold to upper case, schema dropped."""
    text = """
    -- 数据上报视图
    CREATE OR REPLACE FORCE VIEW his.v_report_visit AS
      SELECT v.visit_no, v.dept_code 科室编码, v.visit_date AS "就诊日期", COUNT(*) cnt
        FROM pat_visit v GROUP BY v.visit_no, v.dept_code, v.visit_date;
    """
    assert view_columns(text, "oracle") == {
        "V_REPORT_VISIT": ["VISIT_NO", "科室编码", "就诊日期", "CNT"]
    }


def test_postgres_explicit_column_list_and_cte() -> None:
    """PostgreSQL: an explicit column list wins; a CTE's select list is not the view's."""
    text = """
    CREATE VIEW v_a (编号, "Name") AS SELECT id, nm FROM t;
    CREATE OR REPLACE VIEW V_B AS WITH x AS (SELECT id, secret FROM t) SELECT x.id AS Key FROM x;
    """
    assert view_columns(text, "postgres") == {"v_a": ["编号", "Name"], "v_b": ["key"]}


def test_tsql_view_alias_equals_and_brackets() -> None:
    """T-SQL: alias = expr, [quoted] names and TOP; CREATE OR ALTER VIEW and ALTER VIEW count."""
    text = """
    CREATE OR ALTER VIEW dbo.v_fee AS SELECT TOP 100 PERCENT 金额 = f.amount, [患者 编号] FROM fee f
    GO
    ALTER VIEW dbo.v_dept AS SELECT d.code, d.name AS dept_name FROM dept d
    GO
    """
    assert view_columns(text, "tsql") == {
        "v_fee": ["金额", "患者 编号"],
        "v_dept": ["code", "dept_name"],
    }


def test_mysql_view_with_definer_and_star() -> None:
    """MySQL: DEFINER/ALGORITHM clauses are skipped; a * is kept as unknown."""
    text = (
        "CREATE ALGORITHM=MERGE DEFINER=`app`@`%` SQL SECURITY DEFINER VIEW `v_x` AS "
        "SELECT t.*, `a` AS `别名` FROM t;\n"
        "CREATE VIEW v_y AS SELECT a, b FROM t UNION SELECT c, d FROM u;"
    )
    assert view_columns(text, "mysql") == {"v_x": ["*", "别名"], "v_y": ["a", "b"]}


def test_view_inside_a_comment_or_string_is_ignored() -> None:
    """A CREATE VIEW in a comment or literal is not a view definition."""
    text = (
        "/* CREATE VIEW v AS SELECT a FROM t */ SELECT 'CREATE VIEW w AS SELECT b FROM t' FROM t;"
    )
    assert view_columns(text, "oracle") == {}


def test_compare_removed_added_reordered() -> None:
    """Removed columns are breaking; added ones are not; order changes are reported."""
    diff = compare_view_columns(["A", "B", "C"], ["A", "C", "D"])
    assert diff.removed == ("B",) and diff.added == ("D",) and diff.breaking
    assert not diff.reordered
    only_added = compare_view_columns(["A"], ["A", "B"])
    assert not only_added.breaking and only_added.added == ("B",)
    assert compare_view_columns(["A", "B"], ["B", "A"]).reordered


def test_compare_with_star_is_not_comparable() -> None:
    """A * on either side makes the comparison unknowable rather than guessed."""
    diff = compare_view_columns(["*"], ["A"])
    assert not diff.comparable and not diff.breaking and diff.removed == ()


def test_breaking_view_changes_between_versions() -> None:
    """A renamed column (removed + added) is breaking; an added column alone is a change only."""
    old = """
    CREATE OR REPLACE VIEW v_report_visit AS SELECT visit_no, dept_code, visit_date FROM pat_visit;
    CREATE OR REPLACE VIEW v_report_fee AS SELECT fee_no FROM pat_fee;
    """
    new = """
    create or replace view V_REPORT_VISIT as
      select visit_no, dept_code 科室, visit_date from pat_visit;
    create or replace view v_report_fee as select fee_no, amount from pat_fee;
    """
    breaking = breaking_view_changes(old, new, "oracle")
    assert [c.name for c in breaking] == ["V_REPORT_VISIT"]
    assert breaking[0].diff.removed == ("DEPT_CODE",)
    assert breaking[0].diff.added == ("科室",)
    changes = {c.name: c for c in view_changes(old, new, "oracle")}
    assert set(changes) == {"V_REPORT_VISIT", "V_REPORT_FEE"}
    assert changes["V_REPORT_FEE"].diff.added == ("AMOUNT",)
    assert not changes["V_REPORT_FEE"].diff.breaking


def test_unaliased_expression_is_named_by_its_compact_text() -> None:
    """An expression without alias is named by its text, independent of spacing and layout."""
    one = view_columns("CREATE VIEW v AS SELECT NVL(a.q, 0), a + b FROM t a", "oracle")
    two = view_columns("CREATE VIEW v AS SELECT nvl( a.q,0 ),\n a+b FROM t a", "oracle")
    assert one == two == {"V": ["NVL(A.Q,0)", "A+B"]}
