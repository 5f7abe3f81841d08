"""HC111: SELECT * in a view or in INSERT ... SELECT."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._ddl import is_view_statement
from hischange.sqlreview.rules._tokens import starts, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["SelectStar"]

_LIST_START = frozenset({"SELECT", "DISTINCT", "ALL", ",", ".", "UNIQUE"})


class SelectStar(StatementRule):
    """SELECT * in a view or an INSERT ... SELECT ties the result to today's column order.

    When a column is added to the source table, the view keeps its old column list (Oracle) or
    changes shape (others), and ``INSERT .. SELECT *`` fails or writes values into the wrong
    columns. ``COUNT(*)`` does not fire.

    Anti-pattern:

        CREATE OR REPLACE VIEW v_report_visit AS SELECT * FROM pat_visit;
        INSERT INTO pat_visit_bak SELECT * FROM pat_visit;

    Best practice:

        CREATE OR REPLACE VIEW v_report_visit AS SELECT visit_no, visit_date FROM pat_visit;
        INSERT INTO pat_visit_bak (visit_no, visit_date) SELECT visit_no, visit_date FROM pat_visit;
    """

    code = "HC111"
    name = "select-star"
    severity = "warning"
    family = "style"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on a select-list ``*`` inside a view definition or an INSERT."""
        ws = words(ctx)
        if is_view_statement(ws):
            where = "view"
            scope = range(len(ws))
        else:
            inserts = list(starts(ws, frozenset({"INSERT"})))
            if not inserts:
                return
            where = "INSERT ... SELECT"
            scope = range(inserts[0], len(ws))
        for k in scope:
            if ws[k].kind == "wild" and k and ws[k - 1].up in _LIST_START | {"TOP"}:
                yield Hit(f"SELECT * in {where}: list the columns", ws[k].offset)
                return
            if ws[k].kind == "wild" and k > 1 and ws[k - 2].up == "TOP":
                yield Hit(f"SELECT * in {where}: list the columns", ws[k].offset)
                return
