"""HC202: an index's name breaks the DBA's naming standard (off until configured)."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._standards import index_names, misnamed
from hischange.sqlreview.rules._tokens import words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["IndexNaming"]


class IndexNaming(StatementRule):
    """An index whose name does not match ``index_name_pattern``.

    Index names show up in execution plans, lock waits and error messages (ORA-00001 names
    the unique index); a convention such as ``idx_<table>_<columns>`` lets the DBA on call
    read them. Checked only when ``index_name_pattern`` is set under ``[sqlreview]``: CREATE
    INDEX, and MySQL's ``INDEX``/``KEY`` in CREATE TABLE and ALTER TABLE ADD.

    Anti-pattern:

        -- index_name_pattern = "(idx|uk)_[a-z0-9_]+"
        CREATE INDEX patient_name_index ON his_patient (patient_name);

    Best practice:

        CREATE INDEX idx_his_patient_name ON his_patient (patient_name);
    """

    code = "HC202"
    name = "index-naming"
    severity = "warning"
    family = "standards"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each named index whose name does not match the pattern."""
        pattern = ctx.settings.index_name_pattern
        return misnamed(index_names(words(ctx)), pattern, "index") if pattern else ()
