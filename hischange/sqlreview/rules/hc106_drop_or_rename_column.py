"""HC106: dropping or renaming a column."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._ddl import alter_table_actions
from hischange.sqlreview.rules._names import unquote_string
from hischange.sqlreview.rules._tokens import Word, ident, words
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
    T-SQL ``sp_rename`` of a column (renaming a table is HC123).

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
        """Fire on column drops and renames in ALTER TABLE and on sp_rename, naming columns."""
        ws = words(ctx)
        dropping_columns = True
        for action in alter_table_actions(ws):
            cw = action.words
            first = cw[0].up if cw else ""
            table = action.table
            if action.verb == "DROP":
                if not action.continued:  # DROP PARTITION p0, p1: p1 is a partition too
                    dropping_columns = first not in _NOT_COLUMNS
                if dropping_columns and first not in _NOT_COLUMNS:
                    yield Hit(f"{_columns(_names(cw))} dropped from {table}", cw[0].offset)
            elif action.verb == "SET" and first == "UNUSED":
                cols = _columns(_names(cw[1:]))
                yield Hit(f"{cols} set unused (dropped) in {table}", cw[0].offset)
            elif action.verb == "RENAME" and first == "COLUMN" and len(cw) > 1:
                new = ident(cw[3]) if len(cw) > 3 and cw[2].up == "TO" else "?"
                yield Hit(f"column {ident(cw[1])} of {table} renamed to {new}", cw[0].offset)
            elif action.verb == "CHANGE":
                names = [ident(w) for w in cw if w.up != "COLUMN"][:2]
                if len(names) == 2 and names[0].casefold() != names[1].casefold():
                    yield Hit(f"column {names[0]} of {table} renamed to {names[1]}", cw[0].offset)
        for k, w in enumerate(ws):
            if w.kind == "name" and w.up in {"SP_RENAME", "SYS.SP_RENAME", "DBO.SP_RENAME"}:
                args = [unquote_string(x.value) for x in ws[k + 1 : k + 8] if x.kind == "str"][:3]
                if len(args) == 2 and args[0].count(".") <= 1:
                    continue  # a table (object) rename: HC123
                what = f" {args[0]} to {args[1]}" if len(args) >= 2 else ""
                yield Hit(
                    f"sp_rename renames{what}: callers that name the old name break", w.offset
                )


def _names(cw: list[Word]) -> list[str]:
    """Column names of a DROP/SET UNUSED clause: ``[COLUMN] a`` or ``(a, b)``."""
    while cw and cw[0].up in {"COLUMN", "IF EXISTS"}:
        cw = cw[1:]
    if not cw:
        return []
    if cw[0].up != "(":
        return [ident(cw[0])]
    inner = cw[0].depth + 1
    names: list[str] = []
    expect_name = True
    for w in cw[1:]:
        if w.depth < inner:
            break
        if w.depth == inner and w.up == ",":
            expect_name = True
        elif expect_name:
            names.append(ident(w))
            expect_name = False
    return names


def _columns(names: list[str]) -> str:
    if not names:
        return "column"
    return f"column {names[0]}" if len(names) == 1 else f"columns {', '.join(names)}"
