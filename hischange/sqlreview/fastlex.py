"""sqlparse's lexer, one regex match per token instead of one per rule.

sqlparse tries each of its ~50 token rules in turn at every position. The same rules joined
into one alternation (tried left to right, first match wins, exactly as sqlparse's loop) give
the same tokens several times faster. The rules, the keyword tables and the pre-pass for
dollar quotes and multi-line comments are sqlparse's own; a test compares the token streams
on the shared corpus and on generated text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, cast

from sqlparse import keywords, tokens
from sqlparse.lexer import Lexer

__all__ = ["tokenize"]

_FLAGS = re.IGNORECASE | re.UNICODE


@cache
def _table() -> tuple[re.Pattern[str], list[Any], Callable[[str], tuple[Any, str]]]:
    lexer: Any = Lexer._default_instance
    if lexer is not None:  # already set up (and perhaps given keywords): read it
        rules = [(match.__self__.pattern, action) for match, action in lexer._SQL_REGEX]
    else:
        # sqlparse's own set-up, except that its ~50 rules are kept as text, not compiled one
        # by one (a tenth of a small review's start-up): only the joined pattern is needed.
        lexer = Lexer()
        taken: list[list[tuple[str, Any]]] = []
        lexer.set_SQL_REGEX = taken.append
        lexer.default_initialization()
        rules = list(taken[-1])
    parts, actions = [], []
    for index, (pattern, action) in enumerate(rules):
        parts.append(f"(?P<r{index}>{pattern})")
        actions.append(action)
    return re.compile("|".join(parts), _FLAGS), actions, lexer.is_keyword


def tokenize(text: str) -> Iterator[tuple[Any, str]]:
    """(token type, value) pairs, as ``sqlparse.lexer.tokenize(text)`` yields them."""
    combined, actions, is_keyword = _table()
    spans = cast(Any, keywords).find_delimited_spans(text)
    openers = spans.openers
    match = combined.match
    pos, size = 0, len(text)
    space, newline = tokens.Whitespace, tokens.Newline
    while pos < size:
        char = text[pos]
        # Nearly half of all tokens are one space or one newline (sqlparse's whitespace rule is
        # the lazy \s+?). No rule before the whitespace rules can match at " ", "\t" or "\n",
        # and no dollar quote or comment opens there, so these need no regex.
        if char == " " or char == "\t":
            yield space, char
            pos += 1
            continue
        if char == "\n":
            yield newline, char
            pos += 1
            continue
        if pos in openers:
            resolved = spans.resolve(pos)
            if resolved is not None:
                end, ttype = resolved
                yield ttype, text[pos:end]
                pos = end
                continue
        m = match(text, pos)
        if m is None:
            yield tokens.Error, text[pos]
            pos += 1
            continue
        action = actions[int(m.lastgroup[1:])]  # type: ignore[index]
        value = m.group()
        if action is keywords.PROCESS_AS_KEYWORD:
            yield is_keyword(value)
        else:
            yield action, value
        # sqlparse advances at least one character even on an empty match
        pos = max(m.end(), pos + 1)
