"""HC120: hard-coded schema names other than the allowed ones."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._refs import table_refs
from hischange.sqlreview.rules._tokens import words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["HardCodedSchema"]


class HardCodedSchema(StatementRule):
    """A table or program unit qualified with a schema that is not in ``allowed_schemas``.

    Hospitals run test, training and production databases whose schema names differ; a script
    that hard-codes a developer's schema runs against the wrong objects, or fails, in
    production. Only checked when ``allowed_schemas`` is set. Column references (``t.col``) are
    not schema names and are not checked.

    Anti-pattern:

        -- allowed_schemas = ["his"]
        UPDATE dev_zhang.dict_dept SET dept_name = '心内科' WHERE dept_code = '0101';

    Best practice:

        UPDATE his.dict_dept SET dept_name = '心内科' WHERE dept_code = '0101';
    """

    code = "HC120"
    name = "hard-coded-schema"
    severity = "warning"
    family = "style"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each schema-qualified object name whose schema is not allowed."""
        allowed = {s.casefold() for s in ctx.settings.allowed_schemas}
        if not allowed:
            return
        for ref in table_refs(words(ctx)):
            if len(ref.parts) >= 2 and ref.parts[-2].casefold() not in allowed:
                yield Hit(f"schema {ref.parts[-2]} is not one of the allowed schemas", ref.offset)
