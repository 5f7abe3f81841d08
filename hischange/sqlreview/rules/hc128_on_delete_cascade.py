"""HC128: foreign keys with ON DELETE CASCADE."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._names import object_name
from hischange.sqlreview.rules._tokens import words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["OnDeleteCascade"]


class OnDeleteCascade(StatementRule):
    """A foreign key with ON DELETE CASCADE turns one DELETE into a silent mass delete.

    In a HIS the parent rows are patients, visits and orders: with cascading keys a single
    ``DELETE FROM pat_visit WHERE visit_id = 1`` also deletes the visit's orders, fees and
    results, and no review of that DELETE shows it. **warning** in every dialect: the key is
    legitimate for pure child rows, so a reviewer decides (suppress with the reason).

    Anti-pattern:

        ALTER TABLE pat_order ADD CONSTRAINT fk_order_visit FOREIGN KEY (visit_id)
          REFERENCES pat_visit (visit_id) ON DELETE CASCADE;

    Best practice:

        ALTER TABLE pat_order ADD CONSTRAINT fk_order_visit FOREIGN KEY (visit_id)
          REFERENCES pat_visit (visit_id);   -- deletes of referenced visits are refused
    """

    code = "HC128"
    name = "on-delete-cascade"
    severity = "warning"
    family = "destructive"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each ON DELETE CASCADE, naming the referenced table."""
        ws = words(ctx)
        for k in range(2, len(ws)):
            if ws[k].up != "CASCADE" or ws[k - 1].up != "DELETE" or ws[k - 2].up != "ON":
                continue
            parent = ""
            for j in range(k - 2, -1, -1):
                if ws[j].up == "REFERENCES":
                    parent = object_name(ws, j + 1)[0]
                    break
            yield Hit(
                f"ON DELETE CASCADE: deleting a row of {parent or 'the parent table'} silently"
                " deletes its child rows here",
                ws[k - 2].offset,
            )
