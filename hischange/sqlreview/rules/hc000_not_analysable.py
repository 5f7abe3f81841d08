"""HC000: a statement that could not be analysed at all."""

from __future__ import annotations

from hischange.sqlreview.rules.base import Rule

__all__ = ["NotAnalysable"]


class NotAnalysable(Rule):
    """A statement the reviewer could not analyse; a human must read it.

    The engine reports this when even sqlparse's lexer fails on a statement. No statement is
    ever skipped silently: this finding stands in for every rule that could not run.

    Anti-pattern:

        -- a statement so damaged or unusual that it cannot be tokenised

    Best practice:

        -- split the script into ordinary statements, or have a DBA review it by hand
    """

    code = "HC000"
    name = "not-analysable"
    severity = "error"
    family = "engine"
