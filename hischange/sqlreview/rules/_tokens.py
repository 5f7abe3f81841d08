"""Token helpers shared by the rules: a compact "word" view of sqlparse's flat token stream.

Rules work on words (significant tokens: no whitespace, no comments) rather than on raw text, so
a ``DELETE`` inside a string literal or a comment can never fire. Everything here works on the
flat stream alone, which is what makes every rule usable when sqlparse refused to group a
statement (``RuleContext.parsed is None``).
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from sqlparse import sql as S
from sqlparse import tokens as T

from hischange.sqlreview.fastlex import tokenize
from hischange.sqlreview.model import Dialect
from hischange.sqlreview.rules.base import RuleContext

__all__ = [
    "TokenList",
    "Word",
    "dml",
    "extent_end",
    "find_at_depth",
    "ident",
    "is_start",
    "lex_tokens",
    "read_name",
    "starts",
    "to_words",
    "words",
]

#: sqlparse's token class is untyped; this typed alias keeps mypy strict everywhere else.
_tokenize: Callable[[str], Iterable[tuple[Any, str]]] = tokenize
_make_token: Callable[[Any, str], Any] = S.Token


class TokenList(Sequence[Any]):
    """sqlparse's flat tokens for a text, as (type, value) pairs until a token is asked for.

    The builtin rules read words made straight from the pairs; a ``sqlparse.sql.Token`` object
    per token (a third of the cost of analysing a statement) is made only for a caller that
    reads the tokens themselves: a plugin rule, or sqlparse's grouping.
    """

    __slots__ = ("_made", "pairs")

    def __init__(self, pairs: list[tuple[Any, str]]) -> None:
        self.pairs = pairs
        self._made: list[Any] | None = None

    def _tokens(self) -> list[Any]:
        if self._made is None:
            self._made = [_make_token(ttype, value) for ttype, value in self.pairs]
        return self._made

    def __len__(self) -> int:
        return len(self.pairs)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        return self._tokens()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._tokens())


def lex_tokens(text: str) -> TokenList:
    """sqlparse's flat tokens (``sqlparse.sql.Token``) for ``text``, ungrouped."""
    return TokenList(list(_tokenize(text)))


_QUOTES = {'"': '"', "[": "]", "`": "`"}
#: A verb right after one of these is not a statement of its own: trigger events
#: (``BEFORE UPDATE``), cursor locks (``FOR UPDATE``), privileges (``GRANT DELETE``),
#: referential actions (``ON DELETE``), upserts (``ON DUPLICATE KEY UPDATE``, ``DO UPDATE``).
_NOT_START_AFTER = frozenset(
    {
        "FOR",
        "BEFORE",
        "AFTER",
        "OF",
        "OR",
        "ON",
        "KEY",
        "GRANT",
        "REVOKE",
        "AUDIT",
        "NOAUDIT",
        "INSTEAD",
        "DO",
        ",",
        "INSTEAD OF",
        "WITH",
        "COMMIT",
        "OVERFLOW",
    }
)
#: Words that begin a new statement inside a block or a T-SQL batch without semicolons.
_STARTERS = frozenset(
    {
        "UPDATE",
        "DELETE",
        "INSERT",
        "MERGE",
        "CREATE",
        "CREATE OR REPLACE",
        "ALTER",
        "DROP",
        "TRUNCATE",
        "GRANT",
        "REVOKE",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "IF",
        "ELSE",
        "ELSIF",
        "EXEC",
        "EXECUTE",
        "DECLARE",
        "RETURN",
        "PRINT",
        "WHILE",
        "LOOP",
        "EXCEPTION",
        "GO",
    }
)


@dataclass(frozen=True, slots=True)
class Word:
    """One significant token: its kind, text, upper-cased text, offset and paren depth."""

    #: kw, name, str, num, op, punct, wild or other.
    kind: str
    value: str
    #: Upper case with inner whitespace collapsed (``ORDER  BY`` -> ``ORDER BY``).
    up: str
    #: Character offset into the statement text.
    offset: int
    #: Number of parentheses open before this token; ``(`` and its ``)`` share a depth.
    depth: int


@functools.lru_cache(maxsize=256)
def _kind(ttype: Any) -> str | None:
    if ttype in T.Whitespace or ttype in T.Newline or ttype in T.Comment:
        return None
    if ttype in T.Keyword:
        return "kw"
    if ttype in T.String.Symbol or ttype in T.Name:
        return "name"
    if ttype in T.Number:
        return "num"
    if ttype in T.String or ttype in T.Literal:
        return "str"
    if ttype in T.Wildcard:
        return "wild"
    if ttype in T.Operator:
        return "op"
    if ttype in T.Punctuation:
        return "punct"
    return "other"


def to_words(tokens: Sequence[Any], dialect: Dialect, base: int = 0, depth: int = 0) -> list[Word]:
    """Turn flat sqlparse tokens into words; PostgreSQL dollar-quoted bodies are opened up."""
    if isinstance(tokens, TokenList):
        pairs: Iterable[tuple[Any, str]] = tokens.pairs
    else:
        pairs = ((tok.ttype, tok.value) for tok in tokens)
    out: list[Word] = []
    offset = base
    for ttype, value in pairs:
        start = offset
        offset += len(value)
        kind = _kind(ttype)
        if kind is None or (kind == "other" and not value.strip("\x00")):
            continue  # NUL is reported by the engine (HC000); here it only separates words
        if kind == "str" and dialect == "postgres" and value.startswith("$") and depth < 8:
            # A function or DO body is code hidden in a string; analyse it as code.
            tag_end = value.find("$", 1)
            if tag_end > 0 and value.endswith(value[: tag_end + 1]) and len(value) > 2 * tag_end:
                tag = value[: tag_end + 1]
                inner = value[len(tag) : len(value) - len(tag)]
                out.extend(to_words(lex_tokens(inner), dialect, start + len(tag), depth))
                continue
        if kind == "punct" and value == ")":
            depth = max(depth - 1, 0)
        up = " ".join(value.upper().split())
        if kind == "name" and out and out[-1].value == "@" and out[-1].offset + 1 == start:
            # T-SQL/MySQL variables lex as "@" + name; keep them as one name.
            prev = out.pop()
            out.append(Word("name", "@" + value, "@" + up, prev.offset, prev.depth))
            continue
        out.append(Word(kind, value, up, start, depth))
        if kind == "punct" and value == "(":
            depth += 1
    return out


def words(ctx: RuleContext) -> list[Word]:
    """The statement's words, computed once by ``build_context`` (or here if absent)."""
    if ctx.words or not ctx.tokens:
        return list(ctx.words)
    return to_words(ctx.tokens, ctx.dialect)


def ident(word: Word) -> str:
    """An identifier without its quotes (``"a b"``, ``[a b]`` and `` `a b` `` give ``a b``)."""
    v = word.value
    if len(v) >= 2 and v[0] in _QUOTES and v[-1] == _QUOTES[v[0]]:
        return v[1:-1]
    return v


def is_start(ws: Sequence[Word], i: int) -> bool:
    """True when the verb at ``i`` begins a statement (not ``FOR UPDATE``, ``ON DELETE`` ...)."""
    prev = ws[i - 1].up if i else ""
    if prev in _NOT_START_AFTER:
        return False
    nxt = ws[i + 1].up if i + 1 < len(ws) else ""
    # Function calls that share a verb's name: T-SQL IF UPDATE(col), MySQL TRUNCATE(x, 2).
    return not (nxt == "(" and ws[i].up in {"UPDATE", "TRUNCATE", "REPLACE", "IF", "DELETE"})


def starts(ws: Sequence[Word], verbs: frozenset[str]) -> Iterator[int]:
    """Indexes of words in ``verbs`` that begin a statement."""
    for i, w in enumerate(ws):
        if w.kind in ("kw", "name") and w.up in verbs and is_start(ws, i):
            yield i


def extent_end(ws: Sequence[Word], i: int) -> int:
    """Index one past the end of the statement that begins at ``i`` (exclusive)."""
    d0 = ws[i].depth
    cases = 0
    for j in range(i + 1, len(ws)):
        w = ws[j]
        if w.up == ";":
            return j
        if w.depth < d0:
            return j
        if w.depth != d0:
            continue
        is_end = w.kind == "kw" and (w.up == "END" or w.up.startswith("END "))
        if w.up == "CASE":
            cases += 1
        elif is_end and cases:
            cases -= 1
        elif cases:
            continue
        elif is_end or (w.up in _STARTERS and w.kind != "str" and is_start(ws, j)):
            return j
    return len(ws)


def find_at_depth(ws: Sequence[Word], start: int, end: int, targets: frozenset[str]) -> int:
    """First index in [start, end) whose word is in ``targets`` at the depth of ``ws[start]``."""
    if start >= len(ws):
        return -1
    d0 = ws[start].depth
    for j in range(start, min(end, len(ws))):
        if ws[j].depth == d0 and ws[j].up in targets:
            return j
    return -1


_NAME_STOP = frozenset(
    {
        "SET",
        "WHERE",
        "FROM",
        "SELECT",
        "VALUES",
        "VALUE",
        "AS",
        "ON",
        "USING",
        "WITH",
        "DEFAULT",
        "JOIN",
        "TO",
        "IS",
        "BEGIN",
        "RETURN",
        "RETURNS",
        "LANGUAGE",
        "IF",
        "ORDER BY",
        "GROUP BY",
    }
)


def read_name(ws: Sequence[Word], j: int) -> tuple[list[str], int]:
    """Read a dotted name at ``j``; return its unquoted parts and the index after it."""
    parts: list[str] = []
    while j < len(ws):
        w = ws[j]
        if w.kind == "name" or (w.kind == "kw" and " " not in w.up and w.up not in _NAME_STOP):
            parts.append(ident(w))
        else:
            break
        if j + 1 < len(ws) and ws[j + 1].up == ".":
            j += 2
            continue
        return parts, j + 1
    return parts, j


#: ``UPDATE STATISTICS`` (T-SQL) and ``UPDATE HISTOGRAM`` (MySQL) maintain statistics.
_NOT_TABLES = frozenset({"STATISTICS", "HISTOGRAM"})


def dml(ws: Sequence[Word], verbs: frozenset[str]) -> Iterator[tuple[int, int, int]]:
    """Each statement-level ``verbs`` word as (index, end, index of its WHERE or -1).

    MERGE actions (``WHEN MATCHED THEN UPDATE``) and ``UPDATE STATISTICS`` are not DML here.
    """
    # MERGE and ';' positions once, so telling a MERGE action apart stays O(log n) per verb
    # even in a huge T-SQL batch without semicolons.
    merges = [k for k, w in enumerate(ws) if w.up == "MERGE"]
    semis = [k for k, w in enumerate(ws) if w.up == ";"]
    for i in starts(ws, verbs):
        m = bisect.bisect_left(merges, i) - 1
        s = bisect.bisect_left(semis, i) - 1
        if m >= 0 and (s < 0 or merges[m] > semis[s]):
            continue
        if ws[i].up == "UPDATE" and i + 1 < len(ws) and ws[i + 1].up in _NOT_TABLES:
            continue
        end = extent_end(ws, i)
        yield i, end, find_at_depth(ws, i, end, frozenset({"WHERE"}))
