"""HC101: UPDATE or DELETE without a WHERE clause."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._tokens import dml, target_after, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["UpdateDeleteWithoutWhere"]

_VERBS = frozenset({"UPDATE", "DELETE"})


class UpdateDeleteWithoutWhere(StatementRule):
    """UPDATE or DELETE without a WHERE clause changes every row of the table.

    Statements inside PL/SQL blocks, T-SQL batches and PostgreSQL function bodies are checked
    too; a verb that only names a trigger event or a privilege (``BEFORE DELETE``,
    ``GRANT UPDATE``, ``ON DELETE CASCADE``) and MERGE actions are not statements. Text inside
    string literals (``EXECUTE IMMEDIATE 'DELETE ...'``) is not read.

    Anti-pattern:

        DELETE FROM pat_visit;
        UPDATE drug_price SET retail_price = 0;

    Best practice:

        DELETE FROM pat_visit WHERE visit_id = 1001;
        UPDATE drug_price SET retail_price = 12.5 WHERE drug_code = 'Y0001';
    """

    code = "HC101"
    name = "update-delete-without-where"
    severity = "error"
    family = "destructive"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each UPDATE/DELETE statement that has no WHERE at its own level."""
        ws = words(ctx)
        for i, _end, where in dml(ws, _VERBS):
            if where < 0:
                target = target_after(ws, i) or "the table"
                yield Hit(f"{ws[i].up} without WHERE changes every row of {target}", ws[i].offset)
