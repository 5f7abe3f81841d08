"""HC107: changing a column's type."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._ddl import alter_table_actions, column_defs
from hischange.sqlreview.rules._tokens import ident, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["ChangeColumnType"]

#: Column attributes that a MODIFY may change without restating the type.
_NO_TYPE = frozenset(
    {
        "NULL",
        "NOT NULL",
        "NOT",
        "DEFAULT",
        "CONSTRAINT",
        "VISIBLE",
        "INVISIBLE",
        "ENCRYPT",
        "DECRYPT",
        "PRIMARY KEY",
        "UNIQUE",
        "CHECK",
    }
)


class ChangeColumnType(StatementRule):
    """Changing a column's type rewrites or locks the table and can truncate or reject data.

    Fires on Oracle/MySQL ``MODIFY`` with a type, PostgreSQL ``ALTER COLUMN .. TYPE`` /
    ``SET DATA TYPE``, T-SQL ``ALTER COLUMN c <type>`` and MySQL ``CHANGE`` (which always
    restates the type, so it may change it). ``MODIFY c NOT NULL`` or a new default alone does
    not fire.

    Anti-pattern:

        ALTER TABLE pat_master MODIFY (id_no VARCHAR2(10));
        ALTER TABLE pat_master ALTER COLUMN id_no TYPE varchar(10);

    Best practice:

        -- widen only, after checking the data fits; narrowing needs a data migration plan
        ALTER TABLE pat_master MODIFY (id_no VARCHAR2(32));
    """

    code = "HC107"
    name = "change-column-type"
    severity = "warning"
    family = "ddl"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each ALTER TABLE clause that (re)states a column's type."""
        for action in alter_table_actions(words(ctx)):
            cw = action.words
            if action.verb == "MODIFY":
                for col in column_defs(action):
                    if len(col) > 1 and col[1].up not in _NO_TYPE:
                        yield Hit(
                            f"type of {ident(col[0])} in {action.table} changed", col[0].offset
                        )
            elif action.verb == "CHANGE":
                yield Hit(f"CHANGE restates a column type in {action.table}", cw[0].offset)
            elif action.verb == "ALTER" and cw and cw[0].up == "COLUMN" and len(cw) > 2:
                nxt = [w.up for w in cw[2:4]]
                pg_type = nxt[0] == "TYPE" or nxt == ["SET", "DATA"]
                tsql_type = ctx.dialect == "tsql" and nxt[0] not in {"ADD", "DROP"}
                if pg_type or tsql_type:
                    yield Hit(f"type of {ident(cw[1])} in {action.table} restated", cw[1].offset)
