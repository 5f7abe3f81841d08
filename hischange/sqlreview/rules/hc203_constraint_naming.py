"""HC203: a constraint's name breaks the DBA's naming standard (off until configured)."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._standards import constraint_names, misnamed
from hischange.sqlreview.rules._tokens import words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["ConstraintNaming"]


class ConstraintNaming(StatementRule):
    """A named constraint whose name does not match ``constraint_name_pattern``.

    A violated constraint is reported by its name; ``pk_``/``fk_``/``ck_``/``uk_`` prefixes
    tell the DBA which kind failed and on which table. Checked only when
    ``constraint_name_pattern`` is set under ``[sqlreview]``, for every ``CONSTRAINT name`` of
    a CREATE TABLE or ALTER TABLE.

    Anti-pattern:

        -- constraint_name_pattern = "(pk|fk|uk|ck)_[a-z0-9_]+"
        ALTER TABLE his_patient ADD CONSTRAINT patient_key PRIMARY KEY (patient_id);

    Best practice:

        ALTER TABLE his_patient ADD CONSTRAINT pk_his_patient PRIMARY KEY (patient_id);
    """

    code = "HC203"
    name = "constraint-naming"
    severity = "warning"
    family = "standards"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each constraint name that does not match the pattern."""
        pattern = ctx.settings.constraint_name_pattern
        return misnamed(constraint_names(words(ctx)), pattern, "constraint") if pattern else ()
