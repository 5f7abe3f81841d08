"""HC140: a view definition that removes or renames an output column (breaking interface)."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["BreakingViewChange"]


class BreakingViewChange(StatementRule):
    """A new definition of a view removes or renames a column its previous version had.

    Data-reporting interfaces are database views read by third parties; a consumer that selects
    a column by name breaks when it disappears. This finding is produced by comparing the view's
    definition at the git base of the reviewed range with the new one
    (``hischange.sqlreview.views``), not by looking at one statement; added columns are reported
    as a note, not as this error.

    Anti-pattern:

        -- before
        CREATE OR REPLACE VIEW v_report_visit AS SELECT visit_no, dept_code, visit_date FROM visit;
        -- after: dept_code is gone
        CREATE OR REPLACE VIEW v_report_visit AS SELECT visit_no, visit_date FROM visit;

    Best practice:

        -- keep every column; add new ones at the end, publish a new view for a new contract
        CREATE OR REPLACE VIEW v_report_visit AS
          SELECT visit_no, dept_code, visit_date, ward_code FROM visit;
    """

    code = "HC140"
    name = "breaking-view-change"
    severity = "error"
    family = "interface"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Nothing per statement: HC140 comes from comparing two versions of a view."""
        return ()
