"""HC123: renaming a table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hischange.sqlreview.rules._ddl import alter_table_clauses
from hischange.sqlreview.rules._names import object_name
from hischange.sqlreview.rules._tokens import Word, is_start, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["RenameTable"]

_SP_RENAME = frozenset({"SP_RENAME", "SYS.SP_RENAME", "DBO.SP_RENAME"})


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
        for _i, table, clauses in alter_table_clauses(ws):
            for clause in clauses:
                if len(clause) >= 3 and clause[0].up == "RENAME" and clause[1].up in ("TO", "AS"):
                    new = object_name(clause, 2)[0]
                    yield Hit(f"table {table} renamed to {new}", clause[0].offset)
        for i, w in enumerate(ws):
            if w.up != "RENAME" or not is_start(ws, i) or (i and ws[i - 1].up == "ALTER"):
                continue
            j = i + 2 if i + 1 < len(ws) and ws[i + 1].up == "TABLE" else i + 1
            if ctx.dialect == "oracle" or (i + 1 < len(ws) and ws[i + 1].up == "TABLE"):
                yield from _rename_list(ws, j, w.offset)
        for i, w in enumerate(ws):
            if w.kind == "name" and w.up in _SP_RENAME:
                args = [
                    x.value.lstrip("Nn").strip("'") for x in ws[i + 1 : i + 8] if x.kind == "str"
                ]
                if len(args) == 2 and args[0].count(".") <= 1:  # no 'COLUMN'/'INDEX' type given
                    yield Hit(f"table {args[0]} renamed to {args[1]} (sp_rename)", w.offset)


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
