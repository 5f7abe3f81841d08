"""HC207: a VARCHAR longer than the DBA allows (off until configured)."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._standards import column_types
from hischange.sqlreview.rules._tokens import words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["VarcharTooLong"]

_VARCHARS = frozenset(
    {"VARCHAR", "VARCHAR2", "NVARCHAR", "NVARCHAR2", "CHARACTER VARYING", "NATIONAL VARCHAR"}
)


class VarcharTooLong(StatementRule):
    """A VARCHAR column longer than ``max_varchar_length``, or without a bound.

    Long character columns waste the row's width in indexes and sort areas and usually hide
    a free-text field that belongs in its own table; the DBA sets a ceiling. Checked only when
    ``max_varchar_length`` is set (above 0) under ``[sqlreview]``: ``VARCHAR(MAX)`` and a
    PostgreSQL ``varchar`` without a length are unbounded and always exceed it.

    Anti-pattern:

        -- max_varchar_length = 2000
        CREATE TABLE his_note (note NVARCHAR(MAX));

    Best practice:

        CREATE TABLE his_note (note NVARCHAR(2000));
    """

    code = "HC207"
    name = "varchar-too-long"
    severity = "warning"
    family = "standards"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each VARCHAR column declared longer than the maximum, or unbounded."""
        limit = ctx.settings.max_varchar_length
        if limit <= 0:
            return
        for column in column_types(words(ctx)):
            if column.type_name not in _VARCHARS:
                continue
            length = column.length
            if length is None and ctx.dialect != "postgres":
                continue  # a length is required, or (T-SQL) the default is 1
            if length is None or length == "MAX":
                yield Hit(f"column {column.name} is an unbounded {column.type_name}", column.offset)
            elif length.isdigit() and int(length) > limit:
                yield Hit(
                    f"column {column.name} is {column.type_name}({length}), longer than the"
                    f" standard's {limit}",
                    column.offset,
                )
