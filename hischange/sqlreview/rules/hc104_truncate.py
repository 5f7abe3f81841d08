"""HC104: TRUNCATE."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._names import is_session_local, name_list, object_name, target_after
from hischange.sqlreview.rules._tokens import Word, is_start, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["Truncate"]


class Truncate(StatementRule):
    """TRUNCATE removes every row at once and cannot be rolled back in most databases.

    Also fires on ``ALTER TABLE ... TRUNCATE PARTITION``, also as a later clause of the ALTER
    (MySQL ``ADD COLUMN ..., TRUNCATE PARTITION p``). MySQL's numeric ``TRUNCATE(x, d)``
    function, ``GRANT TRUNCATE``, Oracle's ``ON OVERFLOW TRUNCATE`` and a T-SQL local temporary
    table (``#import``, the session's own) do not fire.

    Anti-pattern:

        TRUNCATE TABLE pat_fee_detail;

    Best practice:

        -- keep a copy first and delete only what must go, in bounded batches
        CREATE TABLE pat_fee_detail_2019 AS
          SELECT * FROM pat_fee_detail WHERE fee_date < DATE '2020-01-01';
        DELETE FROM pat_fee_detail WHERE fee_date < DATE '2020-01-01' AND ROWNUM <= 10000;
    """

    code = "HC104"
    name = "truncate"
    severity = "error"
    family = "destructive"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on every TRUNCATE statement or partition clause, naming what it empties."""
        ws = words(ctx)
        for i, w in enumerate(ws):
            if w.up != "TRUNCATE" or w.kind != "kw":
                continue
            nxt = ws[i + 1].up if i + 1 < len(ws) else ""
            if nxt in ("PARTITION", "SUBPARTITION"):
                parts, _ = name_list(ws, i + 2)
                table = _altered_table(ws, i)
                those = "that partition" if len(parts) == 1 else "those partitions"
                yield Hit(
                    f"TRUNCATE {nxt} {', '.join(parts)} removes every row of {those}"
                    f" of {table or 'the table'}",
                    w.offset,
                )
                continue
            if not is_start(ws, i) or (i and ws[i - 1].up == "("):
                continue  # VACUUM (TRUNCATE ...) is an option, TRUNCATE(x, 2) a function
            target = target_after(ws, i)
            if ctx.dialect == "tsql" and is_session_local(target):
                continue
            yield Hit(f"TRUNCATE removes every row of {target or 'a table'}", w.offset)


def _altered_table(ws: list[Word], i: int) -> str:
    """The table of the ALTER TABLE whose clause contains ``ws[i]``, or ''."""
    for k in range(i - 1, 0, -1):
        if ws[k].up == ";":
            return ""
        if ws[k].up == "TABLE" and ws[k - 1].up == "ALTER":
            return object_name(ws, k + 1)[0]
    return ""
