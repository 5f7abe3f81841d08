"""View interfaces: the output columns of each view a script defines, and how two versions differ.

Data-reporting interfaces are database views (contract clause 14). ``view_columns`` reads every
``CREATE [OR REPLACE] [FORCE] VIEW`` (and ``ALTER VIEW``, T-SQL ``CREATE OR ALTER VIEW``) of a
script on sqlparse tokens and returns, per view, the names a consumer selects:

- the explicit column list ``CREATE VIEW v (a, b) AS`` wins; otherwise each select-list item's
  alias, else its final identifier (``t.col`` gives ``col``), else the expression text;
- ``*`` (or ``t.*``) is kept as ``"*"``: the columns are unknown, so a comparison involving it is
  marked not comparable rather than guessed;
- names are folded the way the dialect folds unquoted identifiers: Oracle/DM upper case,
  PostgreSQL/KingbaseES lower case; T-SQL and MySQL compare names case-insensitively, so they are
  lower-cased too. Quoted names keep their case. Chinese names are unchanged;
- views are keyed by their bare name, schema stripped and folded the same way: the same view is
  often created with and without its schema in different versions of a script.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from hischange.sqlreview.analysis import lex
from hischange.sqlreview.model import Dialect
from hischange.sqlreview.rules._ddl import view_start
from hischange.sqlreview.rules._tokens import Word, ident, read_name, to_words

__all__ = [
    "SelectItem",
    "ViewChange",
    "ViewDiff",
    "breaking_view_changes",
    "compare_view_columns",
    "select_items",
    "view_changes",
    "view_columns",
]

_SELECT_PREFIX = frozenset(
    {
        "DISTINCT",
        "ALL",
        "UNIQUE",
        "SQL_CALC_FOUND_ROWS",
        "STRAIGHT_JOIN",
        "HIGH_PRIORITY",
        "SQL_NO_CACHE",
        "SQL_CACHE",
        "PERCENT",
        "WITH TIES",
    }
)
_LIST_END = frozenset(
    {
        "FROM",
        "INTO",
        ";",
        "UNION",
        "UNION ALL",
        "INTERSECT",
        "EXCEPT",
        "MINUS",
        "WHERE",
        "BULK COLLECT",
    }
)
_QUOTE_CHARS = ('"', "[", "`", "'")
_WORDY = frozenset({"name", "kw", "num", "str"})


@dataclasses.dataclass(frozen=True, slots=True)
class SelectItem:
    """One select-list item: its output name, the column it plainly copies (if any), offset."""

    output: str
    quoted: bool
    source: str | None
    offset: int


@dataclasses.dataclass(frozen=True, slots=True)
class ViewDiff:
    """How a view's output columns changed between two definitions."""

    removed: tuple[str, ...]
    added: tuple[str, ...]
    #: The columns both versions share are in a different order (breaks positional readers).
    reordered: bool
    #: False when either version selects ``*``: the columns are unknown, nothing is claimed.
    comparable: bool
    #: A column a consumer may select is gone (a rename shows as removed + added).
    breaking: bool


@dataclasses.dataclass(frozen=True, slots=True)
class ViewChange:
    """A view whose columns differ between the old and the new script."""

    name: str
    old_columns: tuple[str, ...]
    new_columns: tuple[str, ...]
    diff: ViewDiff


def _fold(text: str, quoted: bool, dialect: Dialect) -> str:
    if quoted:
        return text
    return text.upper() if dialect == "oracle" else text.lower()


def _is_quoted(w: Word) -> bool:
    return w.value[:1] in _QUOTE_CHARS


def _item(item: Sequence[Word], dialect: Dialect) -> SelectItem:
    first = item[0]
    if item[-1].kind == "wild":
        return SelectItem(output="*", quoted=True, source=None, offset=first.offset)
    d = first.depth
    alias: Word | None = None
    body = list(item)
    as_at = max((k for k, w in enumerate(item) if w.up == "AS" and w.depth == d), default=-1)
    if 0 < as_at < len(item) - 1:
        alias, body = item[as_at + 1], list(item[:as_at])
    elif dialect == "tsql" and len(item) > 2 and item[1].up == "=" and first.kind == "name":
        alias, body = first, list(item[2:])
    elif len(item) > 1 and item[-1].kind == "name" and item[-2].up != "." and item[-2].kind != "op":
        alias, body = item[-1], list(item[:-1])
    parts, end = read_name(body, 0)
    source = parts[-1] if parts and end == len(body) else None
    if alias is not None:
        return SelectItem(
            output=ident(alias).strip("'"),
            quoted=_is_quoted(alias),
            source=source,
            offset=first.offset,
        )
    if source is not None:
        return SelectItem(
            output=source, quoted=_is_quoted(body[-1]), source=source, offset=first.offset
        )
    # Unaliased expressions are named by their text; whitespace only between words, which is
    # how Oracle names them and keeps the name stable when only the layout changes.
    text = "".join(
        (" " if k and body[k - 1].kind in _WORDY and w.kind in _WORDY else "") + w.value
        for k, w in enumerate(body)
    )
    return SelectItem(output=text, quoted=False, source=None, offset=first.offset)


def select_items(ws: Sequence[Word], select_at: int, dialect: Dialect) -> list[SelectItem]:
    """The select-list items of the SELECT at ``select_at``."""
    d = ws[select_at].depth
    j = select_at + 1
    while j < len(ws) and (ws[j].up in _SELECT_PREFIX or ws[j].up == "TOP"):
        if ws[j].up == "TOP":
            j += 1
            if j < len(ws) and ws[j].up == "(":
                while j < len(ws) and not (ws[j].up == ")" and ws[j].depth == d):
                    j += 1
        elif ws[j].up == "DISTINCT" and j + 2 < len(ws) and ws[j + 1].up == "ON":
            j += 2  # PostgreSQL DISTINCT ON (...): skip the parenthesised keys
            while j < len(ws) and not (ws[j].up == ")" and ws[j].depth == d):
                j += 1
        j += 1
    items: list[list[Word]] = [[]]
    while j < len(ws):
        w = ws[j]
        if w.depth < d or (w.depth == d and w.up in _LIST_END):
            break
        if w.depth == d and w.up == ",":
            items.append([])
        else:
            items[-1].append(w)
        j += 1
    return [_item(item, dialect) for item in items if item]


def _view_query(ws: Sequence[Word], view_at: int) -> tuple[list[str] | None, int]:
    """(explicit column list or None, index of the view's main SELECT or -1)."""
    _, j = read_name(ws, view_at + 1)
    explicit: list[str] | None = None
    if j < len(ws) and ws[j].up == "(":
        d = ws[j].depth
        explicit = []
        j += 1
        while j < len(ws) and not (ws[j].up == ")" and ws[j].depth == d):
            if ws[j].depth == d + 1 and ws[j].kind == "name" and ws[j - 1].up in {"(", ","}:
                explicit.append(ws[j].value)
            j += 1
    base = ws[view_at].depth
    while j < len(ws) and not (ws[j].up == "AS" and ws[j].depth == base):
        if ws[j].up == ";":
            return explicit, -1
        j += 1
    if j + 1 < len(ws) and ws[j + 1].up == "(":
        base += 1
    for k in range(j + 1, len(ws)):
        if ws[k].up == ";" and ws[k].depth == 0:
            break
        if ws[k].up == "SELECT" and ws[k].depth == base:
            return explicit, k
    return explicit, -1


def view_columns(text: str, dialect: Dialect) -> dict[str, list[str]]:
    """Each view defined in ``text`` (bare, folded name) -> its output column names."""
    ws = to_words(lex(text, dialect), dialect)
    out: dict[str, list[str]] = {}
    for i, w in enumerate(ws):
        if w.depth != 0 or w.up not in {"CREATE", "CREATE OR REPLACE", "ALTER"}:
            continue
        view_at = view_start(ws, i)
        if view_at < 0:
            continue
        if w.up == "ALTER" and dialect not in {"tsql", "mysql"}:
            continue  # Oracle/PostgreSQL ALTER VIEW changes options, not the query
        parts, _ = read_name(ws, view_at + 1)
        if not parts:
            continue
        name = _fold(parts[-1], _is_quoted(ws[view_at + 1]) and len(parts) == 1, dialect)
        explicit, select_at = _view_query(ws, view_at)
        if explicit is not None:
            out[name] = [_fold(_unquote(c), c[:1] in _QUOTE_CHARS, dialect) for c in explicit]
        elif select_at >= 0:
            out[name] = [
                it.output if it.output == "*" else _fold(it.output, it.quoted, dialect)
                for it in select_items(ws, select_at, dialect)
            ]
    return out


def _unquote(value: str) -> str:
    return ident(Word("name", value, value.upper(), 0, 0))


def compare_view_columns(old: Sequence[str], new: Sequence[str]) -> ViewDiff:
    """What changed between two column lists of the same view."""
    if "*" in old or "*" in new:
        return ViewDiff(removed=(), added=(), reordered=False, comparable=False, breaking=False)
    removed = tuple(c for c in old if c not in new)
    added = tuple(c for c in new if c not in old)
    shared_old = [c for c in old if c in new]
    shared_new = [c for c in new if c in old]
    return ViewDiff(
        removed=removed,
        added=added,
        reordered=shared_old != shared_new,
        comparable=True,
        breaking=bool(removed),
    )


def view_changes(old_text: str, new_text: str, dialect: Dialect) -> list[ViewChange]:
    """Views defined in both texts whose columns differ (or cannot be compared), by name."""
    old, new = view_columns(old_text, dialect), view_columns(new_text, dialect)
    changes = []
    for name in sorted(set(old) & set(new)):
        diff = compare_view_columns(old[name], new[name])
        if diff.removed or diff.added or diff.reordered or not diff.comparable:
            changes.append(
                ViewChange(
                    name=name, old_columns=tuple(old[name]), new_columns=tuple(new[name]), diff=diff
                )
            )
    return changes


def breaking_view_changes(old_text: str, new_text: str, dialect: Dialect) -> list[ViewChange]:
    """The view changes that remove (or rename) a column: each one is an HC140 finding."""
    return [c for c in view_changes(old_text, new_text, dialect) if c.diff.breaking]
