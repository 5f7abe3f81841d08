"""What the house-standard rules (HC2xx) read: new tables with their columns and constraints,
added columns, column types, index and constraint names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from hischange.sqlreview.rules._ddl import alter_table_actions, alter_table_clauses, column_defs
from hischange.sqlreview.rules._tokens import Word, ident, read_name
from hischange.sqlreview.rules.base import Hit

__all__ = [
    "Column",
    "NamedObject",
    "Table",
    "added_columns",
    "column_types",
    "constraint_names",
    "created_tables",
    "index_names",
    "misnamed",
]

#: Words that begin a table constraint (or a MySQL index) in a CREATE TABLE's list.
_ELEMENT_STARTS = frozenset(
    {"CONSTRAINT", "PRIMARY KEY", "PRIMARY", "FOREIGN KEY", "FOREIGN", "UNIQUE", "CHECK",
     "INDEX", "KEY", "FULLTEXT", "SPATIAL", "EXCLUDE", "LIKE", "PERIOD", "UNIQUE KEY",
     "UNIQUE INDEX"}
)  # fmt: skip
_TEMPORARY = frozenset({"TEMPORARY", "TEMP", "GLOBAL TEMPORARY", "LOCAL TEMPORARY"})
_CREATE_PREFIX = frozenset({"GLOBAL", "LOCAL", "UNLOGGED", "PRIVATE", *_TEMPORARY})
#: Type names written as two words where the lexer gives two.
_TWO_WORD_TYPES = frozenset({"CHARACTER", "NATIONAL", "DOUBLE", "LONG"})


@dataclass(frozen=True, slots=True)
class NamedObject:
    """An index or constraint name as written (unquoted), and where it is."""

    name: str
    offset: int


@dataclass(frozen=True, slots=True)
class Column:
    """A column definition: name, type (upper case), its length argument, inline comment."""

    name: str
    offset: int
    type_name: str
    #: The first argument of the type (``200`` of ``VARCHAR2(200 CHAR)``, ``MAX``), or None.
    length: str | None
    commented: bool


@dataclass(frozen=True, slots=True)
class Table:
    """A CREATE TABLE with a column list."""

    name: str
    offset: int
    temporary: bool
    columns: list[Column] = field(default_factory=list)
    #: MySQL's table option ``COMMENT = '...'``.
    commented: bool = False
    #: The list's elements that are not columns: constraints, MySQL's INDEX/KEY.
    others: list[list[Word]] = field(default_factory=list)


def _elements(ws: Sequence[Word], open_at: int) -> tuple[list[list[Word]], int]:
    """The comma-separated elements of the parenthesised list at ``open_at``, and the index
    after its closing parenthesis."""
    depth = ws[open_at].depth + 1
    out: list[list[Word]] = [[]]
    j = open_at + 1
    while j < len(ws) and ws[j].depth >= depth:
        if ws[j].depth == depth and ws[j].up == ",":
            out.append([])
        else:
            out[-1].append(ws[j])
        j += 1
    return [e for e in out if e], j + 1


def _has_comment(ws: Sequence[Word], depth: int) -> bool:
    return any(
        w.up == "COMMENT" and w.depth == depth and any(x.kind == "str" for x in ws[k + 1 : k + 3])
        for k, w in enumerate(ws)
    )


def _column(el: Sequence[Word]) -> Column:
    """A column definition ``name type[(n, ...)] ...``."""
    type_name, k = "", 1
    if len(el) > 1 and el[1].kind in {"kw", "name"}:
        type_name, k = el[1].up, 2
        if type_name in _TWO_WORD_TYPES and k < len(el) and el[k].kind in {"kw", "name"}:
            type_name, k = f"{type_name} {el[k].up}", k + 1
    length = None
    if k + 1 < len(el) and el[k].up == "(":
        length = el[k + 1].up
    return Column(
        name=ident(el[0]),
        offset=el[0].offset,
        type_name=type_name,
        length=length,
        commented=_has_comment(el, el[0].depth),
    )


def _is_column(el: Sequence[Word]) -> bool:
    return el[0].up not in _ELEMENT_STARTS and el[0].kind in {"name", "kw"}


def created_tables(ws: Sequence[Word]) -> Iterator[Table]:
    """Each ``CREATE [GLOBAL TEMPORARY|UNLOGGED ...] TABLE [IF NOT EXISTS] name (...)``;
    CREATE TABLE ... AS SELECT has no column list and is skipped."""
    for i, w in enumerate(ws):
        if w.up != "CREATE":
            continue
        j, temporary = i + 1, False
        while j < len(ws) and ws[j].up in _CREATE_PREFIX:
            temporary = temporary or ws[j].up in _TEMPORARY
            j += 1
        if j >= len(ws) or ws[j].up != "TABLE":
            continue
        j += 1
        if j < len(ws) and ws[j].up == "IF NOT EXISTS":
            j += 1
        parts, j = read_name(ws, j)
        if not parts or j >= len(ws) or ws[j].up != "(":
            continue
        elements, after = _elements(ws, j)
        rest = [x for x in ws[after:] if x.depth == w.depth and x.up != ";"]
        yield Table(
            name=parts[-1],
            offset=ws[i + 1 if i + 1 < len(ws) else i].offset,
            temporary=temporary or parts[-1].startswith("#"),
            columns=[_column(el) for el in elements if _is_column(el)],
            commented=_has_comment(rest, w.depth),
            others=[el for el in elements if not _is_column(el)],
        )


def added_columns(ws: Sequence[Word]) -> Iterator[tuple[str, Column]]:
    """Each column an ``ALTER TABLE ... ADD`` defines, with its table's name."""
    for action in alter_table_actions(ws):
        if action.verb != "ADD" or not action.words:
            continue
        for el in column_defs(action):
            if _is_column(el):
                yield action.table.split(".")[-1], _column(el)


def column_types(ws: Sequence[Word]) -> Iterator[Column]:
    """Every column definition with its type: new tables, ALTER TABLE ADD/MODIFY, and
    ``ALTER COLUMN c [SET DATA] TYPE t`` (PostgreSQL) or ``ALTER COLUMN c t`` (T-SQL)."""
    for table in created_tables(ws):
        yield from table.columns
    for action in alter_table_actions(ws):
        if action.verb in {"ADD", "MODIFY", "CHANGE"}:
            defs = column_defs(action)
            if action.verb == "CHANGE":  # MySQL CHANGE old new type
                defs = [d[1:] for d in defs if len(d) > 1]
            yield from (_column(d) for d in defs if _is_column(d))
        elif action.verb == "ALTER":
            cw = [x for x in action.words if x.up not in {"COLUMN", "SET DATA", "SET", "DATA"}]
            if len(cw) > 2 and cw[1].up == "TYPE":
                yield _column([cw[0], *cw[2:]])
            elif len(cw) > 1 and cw[1].up not in {"SET", "DROP", "TYPE", "SET DEFAULT"}:
                yield _column(cw)


def index_names(ws: Sequence[Word]) -> Iterator[NamedObject]:
    """Each index a statement names: CREATE [UNIQUE ...] INDEX name, MySQL's INDEX/KEY name in
    CREATE TABLE and ALTER TABLE ADD INDEX/KEY name."""
    for i, w in enumerate(ws):
        if w.up != "CREATE":
            continue
        j = i + 1
        while j < len(ws) and ws[j].up in {
            "UNIQUE", "BITMAP", "CLUSTERED", "NONCLUSTERED", "FULLTEXT", "SPATIAL",
        }:  # fmt: skip
            j += 1
        if j < len(ws) and ws[j].up == "INDEX":
            j += 1
            while j < len(ws) and ws[j].up in {"CONCURRENTLY", "IF NOT EXISTS"}:
                j += 1
            if j < len(ws) and ws[j].up != "ON":
                parts, _ = read_name(ws, j)
                if parts:
                    yield NamedObject(parts[-1], ws[j].offset)
    elements = [el for table in created_tables(ws) for el in table.others]
    for _, _, clauses in alter_table_clauses(ws):
        elements += [c[1:] for c in clauses if c[0].up == "ADD" and len(c) > 1]
    for el in elements:
        k = 1 if el[0].up in {"UNIQUE", "FULLTEXT", "SPATIAL"} else 0
        if k < len(el) and el[k].up in {"INDEX", "KEY", "UNIQUE KEY", "UNIQUE INDEX"}:
            k += 1
            if k < len(el) and el[k].kind == "name":
                yield NamedObject(ident(el[k]), el[k].offset)


def constraint_names(ws: Sequence[Word]) -> Iterator[NamedObject]:
    """Each ``CONSTRAINT name`` of a CREATE TABLE or ALTER TABLE."""
    ddl = any(w.up == "TABLE" for w in ws[:8])
    if not ddl:
        return
    for k, w in enumerate(ws[:-1]):
        if w.up == "CONSTRAINT" and ws[k + 1].kind in {"name", "kw"}:
            parts, _ = read_name(ws, k + 1)
            if parts:
                yield NamedObject(parts[-1], ws[k + 1].offset)


@lru_cache(maxsize=32)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def misnamed(objects: Iterable[NamedObject], pattern: str, what: str) -> Iterator[Hit]:
    """A hit for each object whose whole name does not match ``pattern`` (when one is set)."""
    if not pattern:
        return
    regex = _compiled(pattern)
    for obj in objects:
        if not regex.fullmatch(obj.name):
            yield Hit(f"{what} {obj.name} does not match the naming standard {pattern}", obj.offset)
