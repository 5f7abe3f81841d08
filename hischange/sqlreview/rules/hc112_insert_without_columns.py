"""HC112: INSERT without a column list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hischange.sqlreview.rules._tokens import Word, extent_end, read_name, starts, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["InsertWithoutColumns"]

_SKIP = frozenset({"INTO", "IGNORE", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "OVERWRITE"})
_NO_LIST = frozenset({"VALUES", "VALUE", "SELECT", "WITH", "EXEC", "EXECUTE", "TABLE"})


def _skip_parens(ws: Sequence[Word], j: int) -> int:
    d = ws[j].depth
    j += 1
    while j < len(ws) and not (ws[j].up == ")" and ws[j].depth == d):
        j += 1
    return j + 1


def _lacks_list(ws: Sequence[Word], j: int) -> bool:
    """Whether the insert target at ``j`` (after INTO) is followed by rows, not columns."""
    while j < len(ws) and ws[j].up in _SKIP:
        j += 1
    parts, j = read_name(ws, j)
    if not parts:
        return False
    # Hints and partitions: T-SQL WITH (TABLOCK), MySQL PARTITION (p1); then an alias.
    while j < len(ws) and ws[j].up in {"WITH", "PARTITION"} and j + 1 < len(ws):
        if ws[j + 1].up != "(":
            break
        j = _skip_parens(ws, j + 1)
    if j < len(ws) and (ws[j].kind == "name" or ws[j].up == "AS") and ws[j].up not in _NO_LIST:
        j += 2 if ws[j].up == "AS" else 1
    if j >= len(ws):
        return False
    if ws[j].up == "(":
        return j + 1 < len(ws) and ws[j + 1].up in {"SELECT", "WITH"}
    return ws[j].up in _NO_LIST


class InsertWithoutColumns(StatementRule):
    """INSERT without a column list depends on the table's current column order.

    When a column is added (HC105) or reordered, the INSERT fails or silently puts values into
    the wrong columns. Fires on ``INSERT INTO t VALUES``, ``INSERT INTO t SELECT``, MySQL
    ``REPLACE INTO t VALUES``, each branch of Oracle ``INSERT ALL`` and a MERGE's
    ``THEN INSERT VALUES``. ``INSERT .. SET`` and ``DEFAULT VALUES`` do not fire.

    Anti-pattern:

        INSERT INTO dict_dept VALUES ('0101', '心内科', 1);

    Best practice:

        INSERT INTO dict_dept (dept_code, dept_name, enabled) VALUES ('0101', '心内科', 1);
    """

    code = "HC112"
    name = "insert-without-columns"
    severity = "warning"
    family = "style"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each INSERT target that is not followed by a column list."""
        ws = words(ctx)
        verbs = frozenset({"INSERT", "REPLACE"} if ctx.dialect == "mysql" else {"INSERT"})
        for i in starts(ws, verbs):
            if i + 1 < len(ws) and ws[i + 1].up in {"VALUES", "VALUE"}:
                yield Hit("INSERT without a column list", ws[i].offset)
                continue
            targets = [i + 1]
            if i + 1 < len(ws) and ws[i + 1].up in {"ALL", "FIRST"}:
                # Oracle multi-table insert: every INTO at the same depth is a target.
                targets = [
                    k + 1
                    for k in range(i + 1, extent_end(ws, i))
                    if ws[k].up == "INTO" and ws[k].depth == ws[i].depth
                ]
            for j in targets:
                if _lacks_list(ws, j):
                    yield Hit("INSERT without a column list", ws[j - 1].offset)
