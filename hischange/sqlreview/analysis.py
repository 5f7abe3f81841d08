"""Turn one statement into what the rules look at: sqlparse tokens, grouped where sqlparse can.

sqlparse refuses to group a statement with more than ``MAX_GROUPING_TOKENS`` (10,000) tokens in
one list, or nested deeper than ``MAX_GROUPING_DEPTH`` (100): it raises ``SQLParseError``. Then
the rules get the flat token stream and ``parsed=None``; every rule works on that alone.

Before lexing, a same-length copy of the text is made in which two things sqlparse's lexer gets
wrong are neutralised, so offsets stay true: Oracle ``q'[...]'`` literals, and backslashes in
string literals of dialects where a backslash is not an escape (Oracle, T-SQL, PostgreSQL
standard strings). Without this, ``'D:\\dump\\'`` would swallow the rest of the statement.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlparse import sql as S
from sqlparse.engine import grouping
from sqlparse.exceptions import SQLParseError

from hischange.sqlreview import literal_rows
from hischange.sqlreview.model import Dialect, SqlReviewSettings, Statement
from hischange.sqlreview.rules._tokens import lex_tokens, to_words
from hischange.sqlreview.rules.base import RuleContext

__all__ = ["build_context", "build_context_builtin", "lex", "mask_for_lexer"]

#: sqlparse is untyped; typed aliases keep mypy strict here.
_group: Callable[[Any], Any] = grouping.group
_statement: Callable[[list[Any]], Any] = S.Statement
#: sqlparse >= 0.5.4 refuses lists longer than this (None or absent: no cap).
_MAX_TOKENS: int | None = getattr(grouping, "MAX_GROUPING_TOKENS", None)

_Q_BODY = r"\[.*?\]|\(.*?\)|\{.*?\}|<.*?>|(?P<d>[^\s(\[{<]).*?(?P=d)"
_NEVER = r"(?P<q>(?!))"
_ORACLE = re.compile(
    r"(?P<keep>--[^\n]*|/\*.*?\*/|\"[^\"]*\")"
    r"|(?<![\w$#])(?P<q>[nN]?[qQ]'(?:" + _Q_BODY + r")')|(?P<s>'(?:[^']|'')*')",
    re.DOTALL,
)
_PLAIN = re.compile(
    r"(?P<keep>--[^\n]*|/\*.*?\*/|\"[^\"]*\"|\[[^\]]*\])|" + _NEVER + r"|(?P<s>'(?:[^']|'')*')",
    re.DOTALL,
)
_POSTGRES = re.compile(
    r"(?P<keep>--[^\n]*|/\*.*?\*/|\"[^\"]*\"|\$(?:[A-Za-z_]\w*)?\$"
    r"|(?<![\w$])[eE]'(?:[^'\\]|\\.|'')*')|" + _NEVER + r"|(?P<s>'(?:[^']|'')*')",
    re.DOTALL,
)


def _mask_match(m: re.Match[str]) -> str:
    if m.group("keep"):
        return m.group("keep")
    if m.group("q"):
        # q'[it's]' -> " '[it"s]'": a plain literal of the same length the lexer understands.
        lit = m.group("q")
        prefix = lit.index("'")
        body = lit[prefix + 1 : -1].replace("'", '"').replace("\\", "/")
        return " " * prefix + "'" + body + "'"
    return m.group("s").replace("\\", "/")


def mask_for_lexer(text: str, dialect: Dialect) -> str:
    """A same-length copy of ``text`` whose literals sqlparse's lexer will read correctly."""
    if dialect == "mysql":
        return text  # MySQL really does escape with backslashes, as sqlparse assumes.
    if dialect == "oracle":
        if "\\" not in text and not re.search(r"[qQ]'", text):
            return text
        return _ORACLE.sub(_mask_match, text)
    if "\\" not in text:
        return text
    if dialect == "postgres":
        # Dollar quotes are matched as single tags so their bodies are scanned too; harmless.
        return _POSTGRES.sub(_mask_match, text)
    return _PLAIN.sub(_mask_match, text)


def lex(text: str, dialect: Dialect) -> Sequence[Any]:
    """Flat sqlparse tokens (``sqlparse.sql.Token``) for ``text``; values concatenate to it."""
    return lex_tokens(mask_for_lexer(text, dialect))


def build_context_builtin(
    statement: Statement, dialect: Dialect, settings: SqlReviewSettings, path: str | None
) -> RuleContext | str:
    """``build_context`` for a review whose statement rules are all builtin ones.

    Those rules read only ``words``, so an INSERT whose rows are proven to be plain literals
    may take the fast path of :mod:`hischange.sqlreview.literal_rows` (same findings).
    """
    return build_context(statement, dialect, settings, path, builtin_rules_only=True)


def build_context(
    statement: Statement,
    dialect: Dialect,
    settings: SqlReviewSettings,
    path: str | None,
    builtin_rules_only: bool = False,
) -> RuleContext | str:
    """Lex and (where sqlparse can) group one statement; a str is the reason it cannot be read."""
    try:
        masked = mask_for_lexer(statement.text, dialect)
        fast = None
        if builtin_rules_only and literal_rows.ENABLED:
            fast = literal_rows.literal_rows_words(masked, dialect)
        if fast is not None:
            head_tokens, head_words = fast
            # The rows after the first are proven literals: the rules see the head, the first
            # row and the terminator. Nothing to group (parse=None): builtin rules never ask.
            return RuleContext(
                statement=statement,
                dialect=dialect,
                settings=settings,
                tokens=head_tokens,
                path=path,
                words=head_words,
            )
        tokens = lex_tokens(masked)
    except Exception as exc:  # any lexer failure becomes an HC000 finding
        return f"sqlparse could not tokenise the statement: {type(exc).__name__}: {exc}"

    def parse() -> Any | None:
        if _MAX_TOKENS is not None and len(tokens) > _MAX_TOKENS:
            return None  # sqlparse would refuse the top-level list anyway, after a costly pass
        statement_list = _statement(list(tokens))
        try:
            # Group the whole statement as ONE statement: sqlparse's own splitter is not used,
            # since ours already decided where statements end (PL/SQL blocks keep their ';').
            _group(statement_list)
        except (SQLParseError, RecursionError):
            return None
        return statement_list

    try:
        ws = to_words(tokens, dialect)
    except Exception as exc:  # never let one statement stop a review
        return f"the statement's tokens could not be analysed: {type(exc).__name__}: {exc}"
    return RuleContext(
        statement=statement,
        dialect=dialect,
        settings=settings,
        tokens=tokens,
        parse=parse,
        path=path,
        words=ws,
    )
