"""HC105: adding a NOT NULL column without a default."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._ddl import alter_table_actions, column_defs
from hischange.sqlreview.rules._tokens import ident, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["NotNullWithoutDefault"]

_NOT_COLUMNS = frozenset(
    {
        "CONSTRAINT",
        "PRIMARY KEY",
        "PRIMARY",
        "FOREIGN",
        "FOREIGN KEY",
        "UNIQUE",
        "CHECK",
        "INDEX",
        "KEY",
        "PARTITION",
        "SUPPLEMENTAL",
        "FULLTEXT",
        "SPATIAL",
    }
)
#: Anything that gives existing rows a value.
_FILLS = frozenset(
    {
        "DEFAULT",
        "IDENTITY",
        "AUTO_INCREMENT",
        "GENERATED",
        "SERIAL",
        "BIGSERIAL",
        "SMALLSERIAL",
        "AS",
    }
)


class NotNullWithoutDefault(StatementRule):
    """Adding a NOT NULL column without a default to a table that already has rows.

    Oracle (ORA-01758), SQL Server, PostgreSQL and MySQL in strict mode refuse it on a non-empty
    table, so the deployment stops half-way; where it is accepted, existing rows get an
    implicit value nobody chose. A new table (CREATE TABLE) is not affected.

    Anti-pattern:

        ALTER TABLE pat_visit ADD (triage_level NUMBER(1) NOT NULL);

    Best practice:

        ALTER TABLE pat_visit ADD (triage_level NUMBER(1) DEFAULT 0 NOT NULL);
    """

    code = "HC105"
    name = "not-null-without-default"
    severity = "warning"
    family = "ddl"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each added column definition with NOT NULL and nothing that fills it."""
        for action in alter_table_actions(words(ctx)):
            if action.verb != "ADD":
                continue
            for col in column_defs(action):
                if col[0].up in _NOT_COLUMNS:
                    continue
                ups = {w.up for w in col}
                not_null = "NOT NULL" in ups or ("NOT" in ups and "NULL" in ups)
                if not_null and not ups & _FILLS:
                    yield Hit(
                        f"column {ident(col[0])} added to {action.table} as NOT NULL "
                        "without a default",
                        col[0].offset,
                    )
