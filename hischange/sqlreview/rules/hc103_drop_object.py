"""HC103: DROP of a table, view, program unit, sequence, index, user, schema or database."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._tokens import read_name, words
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
_SKIP = frozenset({"IF", "EXISTS", "BODY", "VIEW", "TABLE", "CONCURRENTLY", "PUBLIC"})


class DropObject(StatementRule):
    """DROP of a table, view, procedure, package, sequence, index, user, schema or database.

    A dropped table takes its rows with it; a dropped view or program unit breaks every caller
    until it is recreated. ``ALTER TABLE ... DROP INDEX/PARTITION`` counts too; dropping a
    column is HC106.

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
        """Fire on DROP followed by an object kind."""
        ws = words(ctx)
        for i, w in enumerate(ws):
            if w.up != "DROP" or w.kind != "kw" or i + 1 >= len(ws) or ws[i + 1].up not in _OBJECTS:
                continue
            j = i + 1
            while j < len(ws) and ws[j].up in _OBJECTS | _SKIP:
                j += 1
            parts, _ = read_name(ws, j)
            what = " ".join(x.up for x in ws[i + 1 : j] if x.up not in {"IF", "EXISTS"})
            yield Hit(f"DROP {what} {'.'.join(parts)}".rstrip(), w.offset)
