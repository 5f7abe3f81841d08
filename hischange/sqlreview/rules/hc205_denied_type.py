"""HC205: a column uses a type the DBA does not allow (off until configured)."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._standards import column_types
from hischange.sqlreview.rules._tokens import words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["DeniedType"]


class DeniedType(StatementRule):
    """A new or changed column whose type is in ``denied_types``.

    Some types cost the database operations company dearly: LOBs slow replication and
    backups, FLOAT rounds money, ``TEXT``/``NTEXT`` are deprecated in SQL Server. Checked
    only when ``denied_types`` is set under ``[sqlreview]``; a type compares by its name
    without arguments, case-insensitively (``VARCHAR2(10)`` is ``VARCHAR2``), in CREATE TABLE,
    ALTER TABLE ADD/MODIFY/CHANGE and ALTER COLUMN.

    Anti-pattern:

        -- denied_types = ["CLOB", "LONG", "FLOAT"]
        ALTER TABLE his_emr_note ADD (note_text CLOB);

    Best practice:

        ALTER TABLE his_emr_note ADD (note_text VARCHAR2(4000));
    """

    code = "HC205"
    name = "denied-type"
    severity = "warning"
    family = "standards"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each column whose type name is denied."""
        denied = {t.strip().upper() for t in ctx.settings.denied_types}
        if not denied:
            return
        for column in column_types(words(ctx)):
            if column.type_name in denied:
                yield Hit(
                    f"column {column.name} uses type {column.type_name}, which the standard denies",
                    column.offset,
                )
