"""HC113: COMMIT or ROLLBACK in a deployment script."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hischange.sqlreview.rules._tokens import Word, starts, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["TransactionControl", "is_stored_code"]

_CREATE = frozenset({"CREATE", "CREATE OR REPLACE", "ALTER", "OR ALTER"})
_UNITS = frozenset(
    {"PROCEDURE", "PROC", "FUNCTION", "PACKAGE", "TRIGGER", "TYPE", "EVENT", "LIBRARY"}
)
_BETWEEN = frozenset({"EDITIONABLE", "NONEDITIONABLE", "DEFINER", "=", "OR", "REPLACE", "ALTER"})


def is_stored_code(ws: Sequence[Word]) -> bool:
    """True when the statement creates stored code (procedure, package, trigger ...)."""
    if not ws or ws[0].up not in _CREATE:
        return False
    for w in ws[1:8]:
        if w.up in _UNITS:
            return True
        if w.kind == "kw" and w.up not in _BETWEEN:
            return False
    return False


class TransactionControl(StatementRule):
    """COMMIT or ROLLBACK in a deployment script takes the transaction away from the runner.

    The deployment tool (or DBA) decides when the script's work is committed, after checking
    the result; a COMMIT in the middle makes the first half permanent even when the second half
    fails, so the rollback plan no longer applies. Fires on top-level statements and anonymous
    blocks (``BEGIN .. END;``, ``DO $$ .. $$``), which run at deployment time. Inside stored code
    (``CREATE PROCEDURE/FUNCTION/PACKAGE/TRIGGER``) a COMMIT is program logic and does not fire;
    nor do ``ROLLBACK TO SAVEPOINT`` and ``ON COMMIT`` of temporary tables.

    Anti-pattern:

        UPDATE dict_drug SET enabled = 0 WHERE drug_code = 'Y0001';
        COMMIT;

    Best practice:

        UPDATE dict_drug SET enabled = 0 WHERE drug_code = 'Y0001';
        -- the deployment runner commits after verifying the script's result
    """

    code = "HC113"
    name = "transaction-control"
    severity = "warning"
    family = "deployment"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on COMMIT/ROLLBACK that would run at deployment time."""
        ws = words(ctx)
        if is_stored_code(ws):
            return
        for i in starts(ws, frozenset({"COMMIT", "ROLLBACK", "COMMIT WORK", "ROLLBACK WORK"})):
            after = [w.up for w in ws[i + 1 : i + 4]]
            if "TO" in after:
                continue
            yield Hit(
                f"{ws[i].up} in a deployment script: let the runner own the transaction",
                ws[i].offset,
            )
