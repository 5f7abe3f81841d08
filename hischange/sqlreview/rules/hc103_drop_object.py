"""HC103: DROP of a table, view, program unit, sequence, index, user, schema or database."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._names import is_session_local, name_list
from hischange.sqlreview.rules._tokens import words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["DropObject"]

#: Object kinds whose DROP loses data or breaks callers. ``ALTER TABLE .. DROP COLUMN`` is HC106.
_OBJECTS = frozenset(
    {
        "TABLE",
        "VIEW",
        "MATERIALIZED VIEW",
        "MATERIALIZED",
        "PROCEDURE",
        "PROC",
        "FUNCTION",
        "PACKAGE",
        "PACKAGE BODY",
        "SEQUENCE",
        "INDEX",
        "TRIGGER",
        "SYNONYM",
        "TYPE",
        "USER",
        "SCHEMA",
        "DATABASE",
        "TABLESPACE",
        "ROLE",
        "LOGIN",
        "TEMPORARY",
        "PARTITION",
        "EVENT",
    }
)
_KIND_WORDS = frozenset({"BODY", "VIEW", "TABLE", "LINK"})
_SKIP = frozenset({"IF", "EXISTS", "IF EXISTS", "CONCURRENTLY"})
#: Oracle ``DROP PUBLIC SYNONYM`` / ``DROP PUBLIC DATABASE LINK``: PUBLIC is part of the kind.
_PUBLIC_KINDS = frozenset({"SYNONYM", "DATABASE"})


class DropObject(StatementRule):
    """DROP of a table, view, procedure, package, sequence, index, user, schema or database.

    A dropped table takes its rows with it; a dropped view or program unit breaks every caller
    until it is recreated. ``ALTER TABLE ... DROP INDEX/PARTITION`` counts too; dropping a
    column is HC106. A T-SQL local temporary table (``DROP TABLE #import``) belongs to the
    session and does not fire; a global one (``##import``) does.

    Anti-pattern:

        DROP TABLE pat_visit_bak;
        DROP VIEW v_report_visit;

    Best practice:

        -- rename and keep the data until the release is accepted, drop in a later release
        ALTER TABLE pat_visit_bak RENAME TO pat_visit_bak_20261101;
        CREATE OR REPLACE VIEW v_report_visit AS SELECT visit_no, visit_date FROM pat_visit;
    """

    code = "HC103"
    name = "drop-object"
    severity = "error"
    family = "destructive"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on DROP followed by an object kind, naming the objects."""
        ws = words(ctx)
        for i, w in enumerate(ws):
            if w.up != "DROP" or w.kind != "kw" or i + 1 >= len(ws):
                continue
            j = i + 1
            if ws[j].up == "PUBLIC" and j + 1 < len(ws) and ws[j + 1].up in _PUBLIC_KINDS:
                j += 1
            if ws[j].up not in _OBJECTS:
                continue
            while j < len(ws) and ws[j].up in _OBJECTS | _KIND_WORDS:
                j += 1
            kind = " ".join(x.up for x in ws[i + 1 : j])
            while j < len(ws) and ws[j].up in _SKIP:
                j += 1
            names, _ = name_list(ws, j)
            if ctx.dialect == "tsql" and names and all(is_session_local(n) for n in names):
                continue
            yield Hit(f"DROP {kind} {', '.join(names)}".rstrip(), w.offset)
