"""HC106: dropping or renaming a column."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._ddl import alter_table_actions
from hischange.sqlreview.rules._tokens import ident, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["DropOrRenameColumn"]

#: What may follow DROP inside ALTER TABLE without being a column (MySQL allows a bare name).
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
        "DEFAULT",
        "NOT NULL",
        "SUPPLEMENTAL",
        "IDENTITY",
        "EXPRESSION",
        "TRIGGER",
        "PERIOD",
        "SYSTEM",
        "ALGORITHM",
        "LOCK",
    }
)


class DropOrRenameColumn(StatementRule):
    """Dropping or renaming a column loses its data or breaks every query that names it.

    Fires on ``ALTER TABLE .. DROP COLUMN`` / ``DROP (c)`` / MySQL ``DROP c``, Oracle
    ``SET UNUSED``, ``RENAME COLUMN``, MySQL ``CHANGE old new`` with a different name, and
    T-SQL ``sp_rename``.

    Anti-pattern:

        ALTER TABLE pat_master DROP COLUMN old_phone;
        ALTER TABLE pat_master RENAME COLUMN brxm TO patient_name;

    Best practice:

        -- add the new column, copy, switch readers over, drop in a later release
        ALTER TABLE pat_master ADD (patient_name VARCHAR2(50));
        UPDATE pat_master SET patient_name = brxm WHERE patient_name IS NULL;
    """

    code = "HC106"
    name = "drop-or-rename-column"
    severity = "error"
    family = "ddl"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on column drops and renames in ALTER TABLE and on sp_rename."""
        ws = words(ctx)
        for action in alter_table_actions(ws):
            cw = action.words
            first = cw[0].up if cw else ""
            if action.verb == "DROP" and first not in _NOT_COLUMNS:
                yield Hit(f"column dropped from {action.table}", cw[0].offset)
            elif action.verb == "SET" and first == "UNUSED":
                yield Hit(f"column set unused (dropped) in {action.table}", cw[0].offset)
            elif action.verb == "RENAME" and first == "COLUMN":
                yield Hit(f"column renamed in {action.table}", cw[0].offset)
            elif action.verb == "CHANGE":
                names = [ident(w).casefold() for w in cw if w.up != "COLUMN"][:2]
                if len(names) == 2 and names[0] != names[1]:
                    yield Hit(f"column {names[0]} renamed to {names[1]}", cw[0].offset)
        for w in ws:
            if w.kind == "name" and w.up in {"SP_RENAME", "SYS.SP_RENAME", "DBO.SP_RENAME"}:
                yield Hit("sp_rename renames a column or object that callers may name", w.offset)
