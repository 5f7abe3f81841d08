"""HC201: a new table's name breaks the DBA's naming standard (off until configured)."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._standards import NamedObject, created_tables, misnamed
from hischange.sqlreview.rules._tokens import words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["TableNaming"]


class TableNaming(StatementRule):
    """A new table whose name does not match ``table_name_pattern``.

    The hospital's database operations company names tables by a convention (a module
    prefix, lower case) so that a table's owner and purpose are visible in every tool.
    Checked only when ``table_name_pattern`` is set under ``[sqlreview]``; the whole unquoted
    name (without schema) must match the regular expression. Temporary tables are not checked.

    Anti-pattern:

        -- table_name_pattern = "(his|lis|pacs)_[a-z0-9_]+"
        CREATE TABLE PatientTemp (id NUMBER(10));

    Best practice:

        CREATE TABLE his_patient_temp (id NUMBER(10));
    """

    code = "HC201"
    name = "table-naming"
    severity = "warning"
    family = "standards"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each new, non-temporary table whose name does not match the pattern."""
        pattern = ctx.settings.table_name_pattern
        if not pattern:
            return ()
        tables = created_tables(words(ctx))
        named = [NamedObject(t.name, t.offset) for t in tables if not t.temporary]
        return misnamed(named, pattern, "table")
