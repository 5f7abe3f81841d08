"""Object names after a verb: ``DELETE FROM s.t``, ``DROP TABLE a, b``, T-SQL ``#temp``."""

from __future__ import annotations

from collections.abc import Sequence

from hischange.sqlreview.rules._tokens import Word, ident, read_name

__all__ = ["is_session_local", "name_list", "object_name", "target_after", "unquote_string"]

_TARGET_SKIP = frozenset(
    {"FROM", "ONLY", "IGNORE", "LOW_PRIORITY", "QUICK", "INTO", "TABLE", "IF EXISTS", "IF"}
)


def target_after(ws: Sequence[Word], i: int) -> str:
    """The dotted table name a verb at ``i`` acts on (``DELETE FROM s.t`` gives ``s.t``)."""
    j = i + 1
    while j < len(ws):
        up = ws[j].up
        if up in _TARGET_SKIP:
            j += 1
        elif up == "TOP" and j + 1 < len(ws):
            # T-SQL DELETE TOP (100) FROM t: skip the count, parenthesised or not.
            j += 2
            if ws[j - 1].up == "(":
                while j < len(ws) and ws[j].up != ")":
                    j += 1
                j += 1
        else:
            break
    return object_name(ws, j)[0]


def object_name(ws: Sequence[Word], j: int) -> tuple[str, int]:
    """The dotted object name at ``j`` (T-SQL ``#t``/``##t`` included) and the index after it."""
    if (
        j + 1 < len(ws)
        and ws[j].value in ("#", "##")
        and ws[j + 1].offset == ws[j].offset + len(ws[j].value)
    ):
        return ws[j].value + ident(ws[j + 1]), j + 2
    parts, nxt = read_name(ws, j)
    return ".".join(parts), nxt


def name_list(ws: Sequence[Word], j: int) -> tuple[list[str], int]:
    """A comma-separated list of object names at ``j`` (``DROP TABLE a, b``) and the index after."""
    names: list[str] = []
    while j < len(ws):
        name, nxt = object_name(ws, j)
        if not name:
            break
        names.append(name)
        j = nxt
        if j + 1 < len(ws) and ws[j].up == ",":
            j += 1
            continue
        break
    return names, j


def is_session_local(name: str) -> bool:
    """A T-SQL table variable (``@t``) or local temporary table (``#t``), gone with the session."""
    return name.startswith("@") or (name.startswith("#") and not name.startswith("##"))


def unquote_string(value: str) -> str:
    """A string literal's text: ``N'a.b'`` and ``'a.b'`` give ``a.b`` (doubled quotes undone)."""
    v = value[1:] if value[:1] in ("N", "n") else value
    return v[1:-1].replace("''", "'") if len(v) >= 2 and v[0] == v[-1] == "'" else v
