"""HC115: DDL or DML on a protected table."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._refs import table_refs
from hischange.sqlreview.rules._tokens import words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["ProtectedTable"]


def _matches(parts: tuple[str, ...], entry: str) -> bool:
    """``pmi`` matches ``pmi`` and ``his.pmi``; ``his.pmi`` matches only ``his.pmi``."""
    want = [p.strip().strip('"[]`').casefold() for p in entry.split(".")]
    have = [p.casefold() for p in parts]
    return have[-len(want) :] == want if len(want) <= len(have) else False


class ProtectedTable(StatementRule):
    """Any statement that changes a table listed in ``protected_tables``.

    Some tables are the hospital's system of record — the patient master index (EMPI), fee
    settlement, medical insurance reconciliation. Any INSERT, UPDATE, DELETE, MERGE, TRUNCATE,
    ALTER, DROP, CREATE INDEX/TRIGGER ON or GRANT on them needs the hospital's explicit sign-off,
    whatever else the statement does; so does T-SQL ``SELECT ... INTO`` one (it creates it).
    Names compare case-insensitively; an entry without a schema matches the table in any
    schema. Reading the table does not fire.

    Anti-pattern:

        -- protected_tables = ["pat_master_index"]
        UPDATE his.pat_master_index SET id_no = NULL WHERE patient_id = 1001;

    Best practice:

        -- change the patient master index only through the EMPI application's own interface
    """

    code = "HC115"
    name = "protected-table"
    severity = "error"
    family = "destructive"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each write reference to a protected table."""
        protected = ctx.settings.protected_tables
        if not protected:
            return
        for ref in table_refs(words(ctx), select_into_table=ctx.dialect == "tsql"):
            if ref.write and any(_matches(ref.parts, entry) for entry in protected):
                yield Hit(f"{ref.intro} on protected table {'.'.join(ref.parts)}", ref.offset)
