"""DDL shapes shared by rules and ``views``: ALTER TABLE clauses and CREATE VIEW headers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from hischange.sqlreview.rules._tokens import Word, extent_end, read_name

__all__ = [
    "Action",
    "alter_table_actions",
    "alter_table_clauses",
    "column_defs",
    "is_view_statement",
    "view_start",
]


_ACTIONS = frozenset(
    {"ADD", "DROP", "MODIFY", "ALTER", "RENAME", "CHANGE", "SET", "ADD COLUMN", "DROP COLUMN"}
)


_NEXT_STATEMENT = frozenset(
    {"UPDATE", "DELETE", "INSERT", "MERGE", "CREATE", "CREATE OR REPLACE", "GRANT", "REVOKE",
     "BEGIN", "COMMIT", "ROLLBACK", "IF", "EXEC", "EXECUTE", "DECLARE", "GO", "SELECT", "PRINT",
     "TRUNCATE"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Action:
    """One clause of ``ALTER TABLE``: its verb (ADD, DROP, ...) and its words."""

    verb: str
    table: str
    words: list[Word]
    #: True when the clause has no verb of its own and continues the previous one
    #: (``DROP PARTITION p0, p1``: ``p1`` continues ``PARTITION p0``).
    continued: bool = False


def _alter_tables(ws: Sequence[Word]) -> Iterator[tuple[int, str, int]]:
    """Each ``ALTER TABLE [IF EXISTS] [ONLY] name``: index of ALTER, the name, index after it."""
    for i, w in enumerate(ws):
        if w.up != "ALTER" or i + 1 >= len(ws) or ws[i + 1].up != "TABLE":
            continue
        j = i + 2
        while j < len(ws) and ws[j].up in {"IF EXISTS", "ONLY"}:
            j += 1
        parts, j = read_name(ws, j)
        yield i, ".".join(parts), j


#: MySQL ALTER TABLE options written as clauses (``, ALGORITHM=INPLACE, LOCK=NONE``).
_TABLE_OPTIONS = frozenset({"ALGORITHM", "LOCK"})


def _table_option(clause: list[Word]) -> bool:
    return clause[0].up in _TABLE_OPTIONS and len(clause) > 1 and clause[1].up == "="


def alter_table_actions(ws: Sequence[Word]) -> Iterator[Action]:
    """The clauses of every ``ALTER TABLE``, split at top-level commas and action verbs.

    A clause without its own verb continues the previous one (T-SQL ``ADD a int, b int``).
    """
    for i, table, j in _alter_tables(ws):
        d0 = ws[i].depth
        verb = ""
        current: list[Word] = []
        continued = False
        while j < len(ws):
            x = ws[j]
            nxt = ws[j + 1].up if j + 1 < len(ws) else ""
            if x.up == ";" or (x.up == "ALTER" and nxt != "COLUMN"):
                break
            if x.depth == d0 and x.up in _NEXT_STATEMENT:
                break  # a T-SQL batch without semicolons: the next statement begins
            if x.depth == d0 and x.up == ",":
                if current and not _table_option(current):
                    yield Action(verb, table, current, continued)
                current = []
                continued = True
            elif x.depth == d0 and x.kind == "kw" and x.up in _ACTIONS and not current:
                verb = x.up.split()[0]
                continued = False
            else:
                current.append(x)
            j += 1
        if current and not _table_option(current):
            yield Action(verb, table, current, continued)


def alter_table_clauses(ws: Sequence[Word]) -> Iterator[tuple[int, str, list[list[Word]]]]:
    """Each ``ALTER TABLE``: its index, table and clauses split at top-level commas.

    Unlike ``alter_table_actions`` a clause runs to the statement's end, through
    ``ON DELETE CASCADE`` and T-SQL's ``WITH NOCHECK ADD``; its first word need not be a verb.
    """
    for i, table, j in _alter_tables(ws):
        clauses: list[list[Word]] = [[]]
        for x in ws[j : extent_end(ws, i)]:
            if x.depth == ws[i].depth and x.up == ",":
                clauses.append([])
            else:
                clauses[-1].append(x)
        yield i, table, [c for c in clauses if c]


def column_defs(action: Action) -> list[list[Word]]:
    """Column definitions of an ADD/MODIFY clause: ``(a int, b int)`` or ``[COLUMN] a int``."""
    ws = action.words
    while ws and ws[0].up in {"COLUMN", "IF NOT EXISTS", "IF EXISTS"}:
        ws = ws[1:]  # MySQL ADD COLUMN (a int, b int): the list follows COLUMN
    if ws and ws[0].up == "(":
        inner_depth = ws[0].depth + 1
        defs: list[list[Word]] = [[]]
        for w in ws[1:]:
            if w.depth < inner_depth:
                break
            if w.depth == inner_depth and w.up == ",":
                defs.append([])
            else:
                defs[-1].append(w)
        return [d for d in defs if d]
    return [ws] if ws else []


_VIEW_PREFIX = frozenset(
    {
        "CREATE",
        "CREATE OR REPLACE",
        "ALTER",
        "OR",
        "REPLACE",
        "FORCE",
        "NOFORCE",
        "EDITIONABLE",
        "NONEDITIONABLE",
        "MATERIALIZED",
        "SECURE",
        "RECURSIVE",
        "TEMP",
        "TEMPORARY",
        "ALGORITHM",
        "DEFINER",
        "SQL SECURITY",
        "SQL",
        "SECURITY",
        "INVOKER",
        "=",
        "UNDEFINED",
        "MERGE",
        "TEMPTABLE",
        ".",
        "@",
        "OR ALTER",
    }
)


def view_start(ws: Sequence[Word], i: int) -> int:
    """If a CREATE/ALTER ... VIEW begins at ``i``, the index of its VIEW keyword, else -1."""
    if i >= len(ws) or ws[i].up not in {"CREATE", "CREATE OR REPLACE", "ALTER"}:
        return -1
    for j in range(i + 1, min(i + 16, len(ws))):
        if ws[j].up == "VIEW":
            return j
        if ws[j].kind in {"kw", "punct"} and ws[j].up not in _VIEW_PREFIX:
            return -1
    return -1


def is_view_statement(ws: Sequence[Word]) -> bool:
    """True when the statement is a CREATE/ALTER VIEW."""
    return bool(ws) and view_start(ws, 0) >= 0
