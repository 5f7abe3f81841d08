"""HC002: an inline suppression without a reason."""

from __future__ import annotations

from hischange.sqlreview.rules.base import Rule

__all__ = ["SuppressionWithoutReason"]


class SuppressionWithoutReason(Rule):
    """An inline suppression comment that gives no reason.

    The approver must see why a finding was accepted, so a ``disable`` comment needs a reason
    after the codes. The engine reports this; the suppression itself still applies.

    Anti-pattern:

        -- hischange: disable=HC101
        DELETE FROM tmp_import;

    Best practice:

        -- hischange: disable=HC101 staging table, emptied before every import
        DELETE FROM tmp_import;
    """

    code = "HC002"
    name = "suppression-without-reason"
    severity = "warning"
    family = "engine"
