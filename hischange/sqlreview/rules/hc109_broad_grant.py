"""HC109: GRANT to PUBLIC, GRANT ALL, WITH ADMIN / GRANT OPTION."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._tokens import words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["BroadGrant"]


class BroadGrant(StatementRule):
    """A GRANT that gives more than one named account needs: PUBLIC, ALL, or re-grant rights.

    Patient data must be readable only by the accounts that need it (等级保护 access control).
    Fires on ``TO PUBLIC``, ``GRANT ALL [PRIVILEGES]``, ``WITH GRANT OPTION`` and
    ``WITH ADMIN OPTION``.

    Anti-pattern:

        GRANT ALL ON pat_master TO PUBLIC;
        GRANT SELECT ON pat_master TO report_user WITH GRANT OPTION;

    Best practice:

        GRANT SELECT ON v_report_visit TO report_user;
    """

    code = "HC109"
    name = "broad-grant"
    severity = "error"
    family = "security"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire once per GRANT that has any of the broad forms."""
        ws = words(ctx)
        for i, w in enumerate(ws):
            if w.up != "GRANT" or w.kind != "kw" or (i and ws[i - 1].up == "WITH"):
                continue
            end = next((k for k in range(i + 1, len(ws)) if ws[k].up in {";", "GRANT"}), len(ws))
            ups = [x.up for x in ws[i + 1 : end]]
            grant = ws[i + 1 : end + 1]
            problems = []
            if ups and ups[0] in {"ALL", "ALL PRIVILEGES"}:
                problems.append("ALL privileges")
            if "PUBLIC" in ups and "TO" in ups and ups.index("PUBLIC") > ups.index("TO"):
                problems.append("to PUBLIC")
            for k, x in enumerate(grant[:-1]):
                if x.up == "WITH" and grant[k + 1].up in {"GRANT", "ADMIN"}:
                    problems.append(f"WITH {grant[k + 1].up} OPTION")
            if problems:
                yield Hit("GRANT " + ", ".join(problems), w.offset)
