"""HC121: ORDER BY inside a view."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hischange.sqlreview.rules._ddl import is_view_statement
from hischange.sqlreview.rules._tokens import Word, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["OrderByInView"]

_ROW_LIMITS = frozenset({"TOP", "FETCH", "OFFSET", "LIMIT", "ROWNUM"})


class OrderByInView(StatementRule):
    """ORDER BY in a view sorts rows nobody asked for and does not promise the caller's order.

    Every query on the view pays for the sort; the database may still return the rows in
    another order once the view is joined or filtered (SQL Server refuses ORDER BY in a view
    without TOP). ``OVER (ORDER BY ..)`` and aggregate arguments (``WITHIN GROUP (ORDER BY ..)``)
    are not sorts of the result and do not fire; nor does a view that limits rows anywhere
    (TOP, FETCH FIRST, OFFSET, LIMIT, ROWNUM), since its ORDER BY may be what the limit needs.

    Anti-pattern:

        CREATE OR REPLACE VIEW v_report_visit AS
          SELECT visit_no, visit_date FROM pat_visit ORDER BY visit_date;

    Best practice:

        CREATE OR REPLACE VIEW v_report_visit AS SELECT visit_no, visit_date FROM pat_visit;
        -- the consumer sorts: SELECT ... FROM v_report_visit ORDER BY visit_date
    """

    code = "HC121"
    name = "order-by-in-view"
    severity = "warning"
    family = "style"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on an ORDER BY at a view query level that has no row limit."""
        ws = words(ctx)
        if not is_view_statement(ws):
            return
        if any(w.up in _ROW_LIMITS for w in ws):
            return
        for k, w in enumerate(ws):
            if w.up == "ORDER BY" and _sorts_a_query(ws, k):
                yield Hit("ORDER BY inside a view", w.offset)
                return


def _sorts_a_query(ws: Sequence[Word], k: int) -> bool:
    """True when the ORDER BY at ``k`` belongs to a query, not to OVER() or a function call."""
    depth = ws[k].depth
    if depth == 0:
        return True
    for j in range(k - 1, -1, -1):
        if ws[j].up == "(" and ws[j].depth == depth - 1:
            return j + 1 < len(ws) and ws[j + 1].up in {"SELECT", "WITH"}
    return True
