"""HC104: TRUNCATE."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._tokens import is_start, target_after, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["Truncate"]


class Truncate(StatementRule):
    """TRUNCATE removes every row at once and cannot be rolled back in most databases.

    Also fires on ``ALTER TABLE ... TRUNCATE PARTITION``. MySQL's numeric ``TRUNCATE(x, d)``
    function, ``GRANT TRUNCATE`` and Oracle's ``ON OVERFLOW TRUNCATE`` do not fire.

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
        """Fire on every TRUNCATE keyword that is not the numeric function."""
        ws = words(ctx)
        for i, w in enumerate(ws):
            if w.up != "TRUNCATE" or w.kind != "kw" or not is_start(ws, i):
                continue
            if i and ws[i - 1].up == "(":
                continue  # PostgreSQL VACUUM (TRUNCATE ...) is an option, not the statement
            if i + 1 < len(ws) and ws[i + 1].up == "PARTITION":
                yield Hit("TRUNCATE PARTITION removes every row of the partition", w.offset)
                continue
            target = target_after(ws, i) or "a table"
            yield Hit(f"TRUNCATE removes every row of {target}", w.offset)
