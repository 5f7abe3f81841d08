"""HC119: UPDATE/DELETE limited only by a date range, with no key and no row limit."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from hischange.sqlreview.rules._tokens import Word, dml, extent_end, ident, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["UnboundedDateRangeDml"]

_VERBS = frozenset({"UPDATE", "DELETE"})
#: Date/time column names: *_time, *_date, created_at, pinyin rq (日期) / sj (时间), Chinese.
_DATE_NAME = re.compile(r"(?i)(date|time|_at$|^dt$|_dt$|^dt_|rq$|^rq|sj$|日期|时间)")
_DATE_FUNCS = frozenset(
    {
        "SYSDATE",
        "SYSTIMESTAMP",
        "NOW",
        "GETDATE",
        "SYSDATETIME",
        "CURRENT_DATE",
        "CURRENT_TIMESTAMP",
        "LOCALTIMESTAMP",
        "TO_DATE",
        "TO_TIMESTAMP",
        "DATEADD",
        "DATE_SUB",
        "DATE_ADD",
        "ADD_MONTHS",
        "TRUNC",
        "INTERVAL",
        "CURDATE",
        "DATE",
        "TIMESTAMP",
        "DAY",
        "MONTH",
        "YEAR",
        "HOUR",
        "MINUTE",
        "CAST",
        "CONVERT",
    }
)
_RANGE = frozenset({"<", ">", "<=", ">=", "BETWEEN"})
_LIMITS = frozenset({"ROWNUM", "LIMIT", "TOP", "FETCH", "ROWCOUNT", "SET ROWCOUNT"})


def _columns(ws: Sequence[Word]) -> list[str]:
    """Column names in a predicate: names that are not functions, literals or date keywords."""
    out = []
    for k, w in enumerate(ws):
        if w.kind not in {"name", "kw"} or w.up in _DATE_FUNCS:
            continue
        if k + 1 < len(ws) and ws[k + 1].up in {"(", "."}:
            continue  # a function call or a qualifier
        if w.kind == "name":
            out.append(ident(w))
    return out


class UnboundedDateRangeDml(StatementRule):
    """An UPDATE/DELETE bounded only by a date range touches an unknown, maybe huge, row count.

    ``DELETE FROM pat_log WHERE create_time < SYSDATE - 30`` removes a month of data on a small
    table and years of it on a large one; run at once, it fills the undo/redo logs and locks the
    table. The rule fires only on what the text shows: every column in the WHERE looks like a
    date or time (``*_time``, ``*_date``, ``created_at``, pinyin ``rq``/``sj``, ``日期``/``时间``),
    at least one is compared as a range, and there is no row limit (ROWNUM, TOP, LIMIT, FETCH
    FIRST). Any other column (a key, a status) counts as a bound and silences it.

    Anti-pattern:

        DELETE FROM pat_operation_log WHERE create_time < SYSDATE - 30;

    Best practice:

        -- delete in bounded batches, repeated until no row is left
        DELETE FROM pat_operation_log WHERE create_time < SYSDATE - 30 AND ROWNUM <= 10000;
    """

    code = "HC119"
    name = "unbounded-date-range-dml"
    severity = "warning"
    family = "destructive"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on UPDATE/DELETE whose WHERE has only date-range predicates and no row limit."""
        ws = words(ctx)
        for i, _end, where in dml(ws, _VERBS):
            if where < 0:
                continue
            end = extent_end(ws, i)
            pred = ws[where + 1 : end]
            if any(w.up in _LIMITS for w in ws[i:end]):
                continue
            cols = _columns(pred)
            if not cols or not all(_DATE_NAME.search(c) for c in cols):
                continue
            if any(w.up in _RANGE for w in pred):
                yield Hit(
                    f"{ws[i].up} bounded only by a date range ({', '.join(sorted(set(cols)))}) "
                    "and no row limit",
                    ws[i].offset,
                )
