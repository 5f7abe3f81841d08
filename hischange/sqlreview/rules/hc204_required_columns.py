"""HC204: a new table lacks a column every table must have (off until configured)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from hischange.sqlreview.rules._standards import created_tables
from hischange.sqlreview.rules._tokens import words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["RequiredColumns"]


class RequiredColumns(StatementRule):
    """A new table without one of the ``required_columns``.

    Audit columns (创建时间/修改时间, created_by) are how the hospital answers "who changed
    this row, and when" without a full audit trail; a table created without them cannot be
    audited later. Checked only when ``required_columns`` is set under ``[sqlreview]``; names
    compare case-insensitively and without quotes. Temporary tables are not checked.

    Anti-pattern:

        -- required_columns = ["创建时间", "修改时间"]
        CREATE TABLE his_drug_price (drug_code VARCHAR2(20), price NUMBER(10, 2));

    Best practice:

        CREATE TABLE his_drug_price (
            drug_code VARCHAR2(20), price NUMBER(10, 2),
            创建时间 DATE DEFAULT SYSDATE NOT NULL, 修改时间 DATE
        );
    """

    code = "HC204"
    name = "required-columns"
    severity = "warning"
    family = "standards"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire once per required column missing from a new, non-temporary table."""
        required = ctx.settings.required_columns
        return self._missing(ctx, required) if required else ()

    @staticmethod
    def _missing(ctx: RuleContext, required: tuple[str, ...]) -> Iterator[Hit]:
        for table in created_tables(words(ctx)):
            if table.temporary:
                continue
            have = {c.name.casefold() for c in table.columns}
            for column in required:
                if column.casefold() not in have:
                    message = f"table {table.name} lacks the required column {column}"
                    yield Hit(message, table.offset)
