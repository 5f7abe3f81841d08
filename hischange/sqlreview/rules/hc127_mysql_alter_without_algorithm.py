"""HC127: MySQL ALTER TABLE without ALGORITHM and LOCK."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hischange.sqlreview.rules._ddl import alter_table_clauses
from hischange.sqlreview.rules._tokens import Word, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["MysqlAlterWithoutAlgorithm"]


def _option(clauses: Sequence[Sequence[Word]], name: str) -> str:
    """The value of ``name=value`` among the ALTER's clauses ('' when absent)."""
    for clause in clauses:
        ups = [w.up for w in clause if w.up != "="]
        if len(ups) >= 2 and ups[0] == name:
            return ups[1]
    return ""


class MysqlAlterWithoutAlgorithm(StatementRule):
    """MySQL ALTER TABLE without ``ALGORITHM=INPLACE/INSTANT, LOCK=NONE`` may copy the table.

    Without the clauses MySQL picks the algorithm itself and silently falls back to COPY —
    a full table rebuild that blocks writes — when the change cannot be done in place. With
    ``ALGORITHM=INSTANT`` or ``ALGORITHM=INPLACE, LOCK=NONE`` the server refuses such a change
    instead of locking the table, and the deployment can be replanned. **warning**: MySQL
    only; the statement is correct and on a small table harmless.

    Anti-pattern:

        ALTER TABLE pat_visit ADD COLUMN triage_level INT NULL;

    Best practice:

        ALTER TABLE pat_visit ADD COLUMN triage_level INT NULL, ALGORITHM=INSTANT;
        ALTER TABLE pat_visit ADD INDEX idx_triage (triage_level), ALGORITHM=INPLACE, LOCK=NONE;
    """

    code = "HC127"
    name = "mysql-alter-without-algorithm"
    severity = "warning"
    family = "ddl"
    dialects = frozenset({"mysql"})

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each ALTER TABLE that does not pin an online algorithm."""
        ws = words(ctx)
        for i, table, clauses in alter_table_clauses(ws):
            algorithm, lock = _option(clauses, "ALGORITHM"), _option(clauses, "LOCK")
            if algorithm == "INSTANT" or (algorithm == "INPLACE" and lock == "NONE"):
                continue
            said = f" (ALGORITHM={algorithm or 'unset'}, LOCK={lock or 'unset'})"
            yield Hit(
                f"ALTER TABLE {table} may copy the table and block writes{said}:"
                " add ALGORITHM=INSTANT, or ALGORITHM=INPLACE, LOCK=NONE",
                ws[i].offset,
            )
