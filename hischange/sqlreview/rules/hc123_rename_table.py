"""HC123: renaming a table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hischange.sqlreview.rules._ddl import alter_table_clauses
from hischange.sqlreview.rules._names import object_name, unquote_string
from hischange.sqlreview.rules._tokens import Word, is_start, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["RenameTable"]

_SP_RENAME = frozenset({"SP_RENAME", "SYS.SP_RENAME", "DBO.SP_RENAME"})
_TRIGGERS = _SP_RENAME | {"RENAME"}


class RenameTable(StatementRule):
    """Renaming a table breaks every view, program, report and interface that names it.

    The HIS, its interfaces (LIS, PACS, medical insurance) and the reporting views all name
    tables directly; after ``ALTER TABLE ... RENAME TO`` (Oracle, PostgreSQL, MySQL), MySQL
    ``RENAME TABLE``, Oracle ``RENAME a TO b`` or T-SQL ``sp_rename 't', 'n'`` every one of
    them fails at once, in every dialect alike (**error**). Renaming a column is HC106.

    Anti-pattern:

        ALTER TABLE pat_master RENAME TO pat_master_old;

    Best practice:

        -- create the new table, copy, leave a view with the old name for the old callers
        CREATE TABLE pat_master_v2 AS SELECT * FROM pat_master;
        -- ... switch callers over, then retire the old name in a later release
    """

    code = "HC123"
    name = "rename-table"
    severity = "error"
    family = "ddl"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each table rename, naming old and new."""
        ws = words(ctx)
        found = [i for i, w in enumerate(ws) if w.up in _TRIGGERS]
        if not found:
            return
        if any(ws[i].up == "RENAME" for i in found):
            for _i, table, clauses in alter_table_clauses(ws):
                for c in clauses:
                    if len(c) >= 3 and c[0].up == "RENAME" and c[1].up in ("TO", "AS"):
                        yield Hit(f"table {table} renamed to {object_name(c, 2)[0]}", c[0].offset)
        for i in found:
            w = ws[i]
            if w.up in _SP_RENAME:
                if w.kind != "name":
                    continue
                args = [unquote_string(x.value) for x in ws[i + 1 : i + 8] if x.kind == "str"]
                if len(args) == 2 and args[0].count(".") <= 1:  # no 'COLUMN'/'INDEX' type given
                    yield Hit(f"table {args[0]} renamed to {args[1]} (sp_rename)", w.offset)
            elif is_start(ws, i) and not (i and ws[i - 1].up == "ALTER"):
                table_kw = i + 1 < len(ws) and ws[i + 1].up == "TABLE"
                if ctx.dialect == "oracle" or table_kw:
                    yield from _rename_list(ws, i + 2 if table_kw else i + 1, w.offset)


def _rename_list(ws: Sequence[Word], j: int, offset: int) -> Iterable[Hit]:
    """``a TO b[, c TO d]`` (MySQL RENAME TABLE, Oracle RENAME)."""
    while j < len(ws):
        old, j = object_name(ws, j)
        if not old or j >= len(ws) or ws[j].up != "TO":
            return
        new, j = object_name(ws, j + 1)
        if not new:
            return
        yield Hit(f"table {old} renamed to {new}", offset)
        if j < len(ws) and ws[j].up == ",":
            j += 1
        else:
            return
