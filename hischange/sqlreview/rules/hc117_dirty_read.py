"""HC117: NOLOCK / READ UNCOMMITTED."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._tokens import words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["DirtyRead"]


class DirtyRead(StatementRule):
    """NOLOCK hints and READ UNCOMMITTED read data other sessions have not committed.

    A report or interface built on dirty reads can show fees, orders or results that were
    rolled back, and can skip or double-count rows. Oracle has no dirty reads, so the rule
    does not claim Oracle.

    Anti-pattern:

        SELECT fee_amount FROM pat_fee_detail WITH (NOLOCK) WHERE visit_id = 1001;
        SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED;

    Best practice:

        -- READ COMMITTED SNAPSHOT (SQL Server) gives non-blocking reads of committed data
        SELECT fee_amount FROM pat_fee_detail WHERE visit_id = 1001;
    """

    code = "HC117"
    name = "dirty-read"
    severity = "warning"
    family = "performance"
    dialects = frozenset({"tsql", "mysql", "postgres"})

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each NOLOCK/READUNCOMMITTED hint and each READ UNCOMMITTED."""
        ws = words(ctx)
        for i, w in enumerate(ws):
            if w.kind in {"name", "kw"} and w.up in {"NOLOCK", "READUNCOMMITTED"}:
                yield Hit(f"{w.value} hint reads uncommitted data", w.offset)
            elif w.up == "READ UNCOMMITTED" or (
                w.up == "READ" and i + 1 < len(ws) and ws[i + 1].up == "UNCOMMITTED"
            ):
                yield Hit("READ UNCOMMITTED reads uncommitted data", w.offset)
