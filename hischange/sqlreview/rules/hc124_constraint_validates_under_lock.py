"""HC124: adding a constraint that checks every existing row under a lock."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hischange.sqlreview.model import Dialect
from hischange.sqlreview.rules._ddl import alter_table_clauses
from hischange.sqlreview.rules._tokens import Word, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["ConstraintValidatesUnderLock"]

_KINDS = {
    "FOREIGN": "FOREIGN KEY",
    "FOREIGN KEY": "FOREIGN KEY",
    "CHECK": "CHECK",
    "UNIQUE": "UNIQUE",
    "PRIMARY KEY": "PRIMARY KEY",
    "PRIMARY": "PRIMARY KEY",
}
#: MySQL adds UNIQUE and PRIMARY KEY in place with concurrent writes; FOREIGN KEY (unless
#: foreign_key_checks=0) and CHECK copy the table.
_MYSQL_LOCKING = frozenset({"FOREIGN KEY", "CHECK"})
_ADVICE: dict[Dialect, str] = {
    "postgres": "add it NOT VALID, then VALIDATE CONSTRAINT in a later statement"
    " (UNIQUE/PRIMARY KEY: CREATE UNIQUE INDEX CONCURRENTLY, then ADD ... USING INDEX)",
    "oracle": "add it ENABLE NOVALIDATE, then ENABLE VALIDATE in a quiet hour",
    "tsql": "add it WITH NOCHECK and validate later (UNIQUE/PRIMARY KEY: WITH (ONLINE = ON))",
    "mysql": "add the foreign key with foreign_key_checks=0 and ALGORITHM=INPLACE,"
    " or check the data first",
}


def _kind(clause: Sequence[Word]) -> tuple[str, int]:
    """The constraint kind an ADD clause adds ('' if none) and the index of its keyword."""
    ups = [w.up for w in clause]
    if "ADD" not in ups:
        return "", -1
    for k in range(ups.index("ADD") + 1, len(ups)):
        if ups[k] in _KINDS:
            return _KINDS[ups[k]], k
        if ups[k] not in ("CONSTRAINT",) and clause[k].kind != "name":
            return "", -1
    return "", -1


def _deferred(ups: list[str], kind: str, dialect: Dialect) -> bool:
    """The clause skips or defers checking existing rows, or builds online."""
    text = " ".join(ups)
    if dialect == "postgres":
        return "NOT VALID" in text or "USING INDEX" in text
    if dialect == "oracle":
        return "NOVALIDATE" in ups or "DISABLE" in ups
    if dialect == "tsql":
        return "NOCHECK" in ups or ("ONLINE = ON" in text and kind in ("UNIQUE", "PRIMARY KEY"))
    return kind not in _MYSQL_LOCKING


class ConstraintValidatesUnderLock(StatementRule):
    """Adding a FOREIGN KEY, CHECK, UNIQUE or PRIMARY KEY constraint checks every row under a lock.

    On a large HIS table the check (and for UNIQUE/PRIMARY KEY the index build) blocks
    registration and charging while it runs. Each database has a way to add the constraint
    for new rows at once and check the old ones without the long lock: PostgreSQL ``NOT VALID``
    then ``VALIDATE CONSTRAINT`` (or ``USING INDEX`` of an index built ``CONCURRENTLY``),
    Oracle ``ENABLE NOVALIDATE``, SQL Server ``WITH NOCHECK`` (or ``ONLINE = ON`` for keys).
    MySQL adds UNIQUE/PRIMARY KEY in place; only FOREIGN KEY and CHECK copy the table there.
    **warning** everywhere: the statement is correct and on a small table harmless.

    Anti-pattern:

        ALTER TABLE pat_order ADD CONSTRAINT fk_order_visit
          FOREIGN KEY (visit_id) REFERENCES pat_visit (visit_id);

    Best practice:

        ALTER TABLE pat_order ADD CONSTRAINT fk_order_visit
          FOREIGN KEY (visit_id) REFERENCES pat_visit (visit_id) NOT VALID;   -- PostgreSQL
        ALTER TABLE pat_order VALIDATE CONSTRAINT fk_order_visit;
    """

    code = "HC124"
    name = "constraint-validates-under-lock"
    severity = "warning"
    family = "ddl"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each ADD of a constraint that checks existing rows under a lock."""
        for _i, table, clauses in alter_table_clauses(words(ctx)):
            for clause in clauses:
                kind, k = _kind(clause)
                if not kind:
                    continue
                # T-SQL's WITH NOCHECK comes before ADD, so it is in the clause too.
                if _deferred([w.up for w in clause], kind, ctx.dialect):
                    continue
                name = clause[k - 1].value if k and clause[k - 1].kind == "name" else ""
                label = f"{kind} constraint {name}".replace("  ", " ").strip()
                yield Hit(
                    f"{label} on {table} checks every existing row under a lock:"
                    f" {_ADVICE[ctx.dialect]}",
                    clause[k].offset,
                )
