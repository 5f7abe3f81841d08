"""Table references: which names a statement reads or changes, found on the flat words."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from hischange.sqlreview.rules._tokens import Word, is_start, read_name

__all__ = ["TableRef", "table_refs"]

#: Words after which a table (or other object) name follows.
_INTRO = frozenset(
    {
        "FROM",
        "JOIN",
        "INTO",
        "UPDATE",
        "TABLE",
        "VIEW",
        "USING",
        "MERGE",
        "TRUNCATE",
        "DELETE",
        "PROCEDURE",
        "PROC",
        "FUNCTION",
        "PACKAGE",
        "PACKAGE BODY",
        "TRIGGER",
        "SEQUENCE",
        "SYNONYM",
        "ON",
        "LOCK",
    }
)
#: Refs introduced by these are changed by the statement (given a modifying verb).
_WRITES = frozenset({"INTO", "UPDATE", "TABLE", "MERGE", "TRUNCATE", "DELETE", "ON"})
_SKIP = frozenset(
    {"ONLY", "IF EXISTS", "IF NOT EXISTS", "IGNORE", "LOW_PRIORITY", "QUICK", "INTO", "BODY"}
)
_PREDICATE = frozenset({"=", "<", ">", "<=", ">=", "<>", "!=", "IS", "IN", "LIKE", "BETWEEN", "."})
_VARIABLE_INTO = frozenset(
    {"SELECT", "FETCH", "RETURNING", "RETURN", "COLLECT", "BULK COLLECT", "IMMEDIATE"}
)
_ITEM_END = frozenset({"WHERE", "GROUP BY", "ORDER BY", "HAVING", "SET", "ON", "USING", ";"})


@dataclass(frozen=True, slots=True)
class TableRef:
    """A dotted object name in a table position: its parts, intro word, and whether written."""

    parts: tuple[str, ...]
    intro: str
    offset: int
    write: bool


def _into_is_table(ws: Sequence[Word], i: int, select_into_table: bool) -> bool:
    """``INSERT INTO t`` names a table; ``SELECT .. INTO v`` / ``FETCH c INTO v`` do not,
    except T-SQL ``SELECT .. INTO t``, which creates table t (``select_into_table``)."""
    d = ws[i].depth
    for j in range(i - 1, -1, -1):
        w = ws[j]
        if w.up == ";":
            return True
        if w.depth == d and w.up in _VARIABLE_INTO:
            return select_into_table and w.up == "SELECT"
        if w.depth == d and w.up in {"INSERT", "MERGE", "REPLACE", "ALL", "FIRST"}:
            return True
    return True


def table_refs(ws: Sequence[Word], select_into_table: bool = False) -> Iterator[TableRef]:
    """Every object name in a table position, in order.

    ``select_into_table``: ``SELECT ... INTO t`` creates and writes table t (T-SQL), rather than
    filling variables (PL/SQL, PL/pgSQL, MySQL).
    """
    for i, w in enumerate(ws):
        if w.up not in _INTRO and not w.up.endswith(" JOIN"):
            continue
        if w.kind not in {"kw", "name"} or i + 1 >= len(ws):
            continue
        if w.up in {"UPDATE", "DELETE", "MERGE", "TRUNCATE"} and not is_start(ws, i):
            continue
        if w.up == "INTO" and not _into_is_table(ws, i, select_into_table):
            continue
        j = i + 1
        while j < len(ws) and ws[j].up in _SKIP | {"TOP"}:
            j += 1
        if ws[i].up == "DELETE" and j < len(ws) and ws[j].up == "FROM":
            continue  # the FROM that follows introduces the same name
        select_into = w.up == "INTO" and select_into_table and _after_select(ws, i)
        yield from _read_list(ws, i, j, select_into)


def _after_select(ws: Sequence[Word], i: int) -> bool:
    """The INTO at ``i`` belongs to a SELECT (not INSERT/MERGE)."""
    d = ws[i].depth
    for j in range(i - 1, -1, -1):
        if ws[j].up == ";":
            return False
        if ws[j].depth == d and ws[j].up in _VARIABLE_INTO | {"INSERT", "MERGE", "REPLACE"}:
            return ws[j].up == "SELECT"
    return False


def _read_list(ws: Sequence[Word], i: int, j: int, select_into: bool = False) -> Iterator[TableRef]:
    """The name at ``j`` (introduced by ``ws[i]``); after FROM, also the rest of a comma list."""
    intro = ws[i]
    up = "SELECT INTO" if select_into else intro.up
    prev = ws[i - 1].up if i else ""
    write = select_into or up in _WRITES or (up == "FROM" and prev == "DELETE")
    while j < len(ws):
        parts, nxt = read_name(ws, j)
        if not parts:
            return
        after = ws[nxt].up if nxt < len(ws) else ";"
        if up == "ON" and after in _PREDICATE:
            return  # JOIN ... ON a.x = b.y is a predicate, not a table
        if up != "ON" or after in {"(", "TO", "FROM", "FOR", "REFERENCING", ";", "USING"}:
            yield TableRef(tuple(parts), up, ws[j].offset, write)
        if up != "FROM":
            return
        # Skip an alias, then continue after a top-level comma.
        d = intro.depth
        k = nxt
        while k < len(ws) and not (ws[k].depth == d and (ws[k].up == "," or ws[k].up in _ITEM_END)):
            if ws[k].depth < d or ws[k].up.endswith("JOIN"):
                return
            k += 1
        if k >= len(ws) or ws[k].up != ",":
            return
        j = k + 1
