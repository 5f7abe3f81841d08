"""HC111: SELECT * in a view or in INSERT ... SELECT."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._ddl import is_view_statement
from hischange.sqlreview.rules._tokens import Word, extent_end, starts, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["SelectStar"]

_LIST_START = frozenset({"SELECT", "DISTINCT", "ALL", ",", ".", "UNIQUE"})


class SelectStar(StatementRule):
    """SELECT * in a view or an INSERT ... SELECT ties the result to today's column order.

    When a column is added to the source table, the view keeps its old column list (Oracle) or
    changes shape (others), and ``INSERT .. SELECT *`` fails or writes values into the wrong
    columns. Only the INSERT statements themselves are read: ``SELECT * INTO rec`` and cursor
    loops ``FOR r IN (SELECT * FROM t)`` in the same procedure do not fire, and neither do
    ``COUNT(*)`` and ``EXISTS (SELECT * ...)``, whose column list does not matter.

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
        """Fire on a select-list ``*`` inside a view definition or an INSERT statement."""
        ws = words(ctx)
        if is_view_statement(ws):
            scopes = [("view", 0, len(ws))]
        else:
            scopes = [
                ("INSERT ... SELECT", i, extent_end(ws, i))
                for i in starts(ws, frozenset({"INSERT"}))
            ]
        for where, start, end in scopes:
            k = _select_list_star(ws, start, end)
            if k >= 0:
                yield Hit(f"SELECT * in {where}: list the columns", ws[k].offset)


def _select_list_star(ws: list[Word], start: int, end: int) -> int:
    """Index of the first select-list ``*`` in ``ws[start:end]`` not inside EXISTS (...), or -1."""
    for k in range(max(start, 1), end):
        if ws[k].kind != "wild":
            continue
        after_top = k > 1 and ws[k - 2].up == "TOP"
        if (ws[k - 1].up in _LIST_START or ws[k - 1].up == "TOP" or after_top) and not (
            _inside_exists(ws, k)
        ):
            return k
    return -1


def _inside_exists(ws: list[Word], k: int) -> bool:
    """True when ``ws[k]`` sits in the parentheses of ``EXISTS (...)``."""
    depth = ws[k].depth
    for j in range(k - 1, -1, -1):
        w = ws[j]
        if w.depth < depth and w.up == "(":
            if j and ws[j - 1].up == "EXISTS":
                return True
            depth = w.depth
            if depth == 0:
                return False
    return False
