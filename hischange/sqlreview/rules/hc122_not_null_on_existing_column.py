"""HC122: making an existing column NOT NULL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import ClassVar

from hischange.sqlreview.model import Dialect, Severity
from hischange.sqlreview.rules._ddl import alter_table_actions, column_defs
from hischange.sqlreview.rules._tokens import ident, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["NotNullOnExistingColumn"]


class NotNullOnExistingColumn(StatementRule):
    """Making an existing column NOT NULL checks every row while the table is locked.

    PostgreSQL ``ALTER COLUMN c SET NOT NULL`` scans the whole table under an ACCESS EXCLUSIVE
    lock (no reads, no writes); Oracle ``MODIFY (c NOT NULL)`` validates every row under a
    table lock; MySQL ``MODIFY``/``CHANGE c ... NOT NULL`` rebuilds the table. Where a row is
    still NULL the statement fails mid-deployment, except in MySQL without strict mode, where
    the NULLs are silently replaced by the type's implicit default ('' or 0) — a data change
    nobody reviewed, hence **error** for MySQL and **warning** elsewhere. Oracle's
    ``NOT NULL ENABLE NOVALIDATE`` does not check existing rows and does not fire.

    Anti-pattern:

        ALTER TABLE pat_visit ALTER COLUMN dept_code SET NOT NULL;      -- PostgreSQL
        ALTER TABLE pat_visit MODIFY (dept_code NOT NULL);               -- Oracle

    Best practice:

        -- PostgreSQL 12+: a validated CHECK lets SET NOT NULL skip the scan
        ALTER TABLE pat_visit ADD CONSTRAINT ck_dept_nn CHECK (dept_code IS NOT NULL) NOT VALID;
        ALTER TABLE pat_visit VALIDATE CONSTRAINT ck_dept_nn;
        ALTER TABLE pat_visit ALTER COLUMN dept_code SET NOT NULL;
        -- Oracle: constrain new rows now, validate existing ones in a quiet hour
        ALTER TABLE pat_visit MODIFY (dept_code NOT NULL ENABLE NOVALIDATE);
    """

    code = "HC122"
    name = "not-null-on-existing-column"
    severity = "warning"
    dialect_severity: ClassVar[Mapping[Dialect, Severity]] = MappingProxyType({"mysql": "error"})
    family = "ddl"
    dialects = frozenset({"oracle", "mysql", "postgres"})

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each existing column an ALTER TABLE makes NOT NULL."""
        for action in alter_table_actions(words(ctx)):
            cw = action.words
            ups = [w.up for w in cw]
            if ctx.dialect == "postgres":
                if action.verb == "ALTER" and "SET" in ups and "NOT NULL" in ups:
                    name = next(w for w in cw if w.up != "COLUMN")
                    yield _hit(ident(name), action.table, name.offset)
            elif action.verb in ("MODIFY", "CHANGE"):
                for col in column_defs(action):
                    cups = [w.up for w in col]
                    if "NOT NULL" in cups and "NOVALIDATE" not in cups:
                        yield _hit(ident(col[0]), action.table, col[0].offset)


def _hit(column: str, table: str, offset: int) -> Hit:
    return Hit(
        f"column {column} of {table} made NOT NULL: every row is checked under a table lock,"
        " and a NULL row fails the deployment (MySQL without strict mode: silently changed)",
        offset,
    )
