"""HC108: CREATE INDEX without the dialect's online option."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hischange.sqlreview.rules._tokens import Word, extent_end, read_name, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["IndexWithoutOnline"]

_CREATE = frozenset({"CREATE", "CREATE OR REPLACE"})
_BEFORE_INDEX = frozenset({"UNIQUE", "BITMAP", "CLUSTERED", "NONCLUSTERED", "FULLTEXT", "SPATIAL"})
_ADVICE = {
    "oracle": "add ONLINE",
    "tsql": "add WITH (ONLINE = ON)",
    "postgres": "use CREATE INDEX CONCURRENTLY",
    "mysql": "add ALGORITHM=INPLACE, LOCK=NONE",
}


def _has(ws: Sequence[Word], first: str, second: str) -> bool:
    """``first = second`` (or ``first second``) appears among ``ws``."""
    for k, w in enumerate(ws):
        if w.up == first:
            rest = [x.up for x in ws[k + 1 : k + 3] if x.up != "="]
            if rest and rest[0] == second:
                return True
    return False


def _online(ws: Sequence[Word], dialect: str) -> bool:
    ups = {w.up for w in ws}
    if dialect == "oracle":
        return "ONLINE" in ups
    if dialect == "postgres":
        return "CONCURRENTLY" in ups
    if dialect == "tsql":
        return _has(ws, "ONLINE", "ON")
    return _has(ws, "LOCK", "NONE") or _has(ws, "ALGORITHM", "INSTANT")


class IndexWithoutOnline(StatementRule):
    """CREATE INDEX without ONLINE / CONCURRENTLY locks the table against writes while it builds.

    On a busy HIS table (orders, fees, visits) an ordinary index build blocks registration and
    charging for minutes. Oracle: ``ONLINE``; SQL Server: ``WITH (ONLINE = ON)`` (Enterprise
    edition); PostgreSQL: ``CONCURRENTLY``; MySQL: ``LOCK=NONE`` (usually with
    ``ALGORITHM=INPLACE``; ``ALGORITHM=INSTANT`` also counts). An index on a table created in
    the same script needs none of this: suppress the finding with that reason.

    Anti-pattern:

        CREATE INDEX idx_fee_patient ON pat_fee_detail (patient_id);

    Best practice:

        CREATE INDEX idx_fee_patient ON pat_fee_detail (patient_id) ONLINE;          -- Oracle
        CREATE INDEX CONCURRENTLY idx_fee_patient ON pat_fee_detail (patient_id);    -- PostgreSQL
    """

    code = "HC108"
    name = "index-without-online"
    severity = "warning"
    family = "ddl"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on CREATE INDEX statements that lack the online option."""
        ws = words(ctx)
        for i, w in enumerate(ws):
            if w.up not in _CREATE:
                continue
            j = i + 1
            while j < len(ws) and ws[j].up in _BEFORE_INDEX:
                j += 1
            if j >= len(ws) or ws[j].up != "INDEX" or "FULLTEXT" in {x.up for x in ws[i:j]}:
                continue
            end = extent_end(ws, i)
            if not _online(ws[j:end], ctx.dialect):
                parts, _ = read_name(ws, j + 1)
                name = ".".join(parts) or "index"
                yield Hit(f"CREATE INDEX {name} locks the table: {_ADVICE[ctx.dialect]}", w.offset)
