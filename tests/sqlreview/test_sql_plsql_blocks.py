"""PL/SQL blocks that the splitter must keep whole, checked through the public review API."""

from __future__ import annotations

from hischange.sqlreview import review_sql, split_sql

CONDITIONAL_PACKAGE = """\
create or replace package body p as
  procedure a is
  begin
    $if dbms_db_version.version >= 12 $then
      null;
    $else
      null;
    $end
    commit;
  end;
end;
/
"""


def test_conditional_compilation_end_does_not_end_the_package_body() -> None:
    """$IF ... $END inside a procedure is not an END: the package body is one statement."""
    statements = split_sql(CONDITIONAL_PACKAGE, "oracle")
    assert [s.kind for s in statements] == ["plsql"]
    assert statements[0].text == CONDITIONAL_PACKAGE.removesuffix("\n/\n")


def test_commit_in_a_procedure_under_conditional_compilation_is_not_hc113() -> None:
    """COMMIT in packaged procedures after a $END stays inside the package: no HC113."""
    sql = CONDITIONAL_PACKAGE.replace(
        "    commit;\n  end;\n", "    commit;\n  end;\n  procedure b is begin commit; end;\n"
    )
    review = review_sql(sql, "oracle")
    assert len(review.files[0].statements) == 1
    assert [f.code for f in review.files[0].findings] == []


def test_error_directive_and_a_second_procedure_stay_in_the_package() -> None:
    """$ERROR ... $END and a following procedure: still one package body, then the next one."""
    sql = (
        "create or replace package body p as\n"
        "  procedure a is begin\n"
        "    $if $$plsql_debug $then $error 'no debug builds' $end $end\n"
        "    null;\n  end;\n"
        "  procedure b is begin commit; end;\n"
        "end p;\n/\nselect 1 from dual;\n"
    )
    statements = split_sql(sql, "oracle")
    assert [s.kind for s in statements] == ["plsql", "sql"]
    assert statements[0].text.endswith("end p;")
