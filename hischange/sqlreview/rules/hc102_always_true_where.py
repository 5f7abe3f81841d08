"""HC102: a WHERE clause that is always true."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hischange.sqlreview.rules._tokens import Word, dml, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["AlwaysTrueWhere"]

_VERBS = frozenset({"UPDATE", "DELETE"})
_CLAUSE_END = frozenset({"ORDER BY", "GROUP BY", "LIMIT", "RETURNING", "FOR", "OPTION"})


def _tautology(ws: Sequence[Word], k: int) -> bool:
    a, op, b = ws[k], ws[k + 1], ws[k + 2]
    if op.up != "=" or a.kind not in ("num", "str") or a.kind != b.kind:
        return False
    return a.up == b.up if a.kind == "str" else _num(a.value) == _num(b.value)


def _num(text: str) -> str:
    return text.lstrip("0") or "0"


def _decides(ws: Sequence[Word], where: int, k: int, end: int) -> bool:
    """The tautology at k makes the whole WHERE true: it stands alone or is OR-ed in."""
    if ws[k - 1].up == "OR" or (k + 3 < end and ws[k + 3].up == "OR"):
        return True
    rest = [w for w in ws[where + 1 : end] if w.up not in ("(", ")")]
    if len(rest) == 3:
        return True
    after = [w for w in ws[k + 3 : end] if w.up != ")"]
    before = [w for w in ws[where + 1 : k] if w.up != "("]
    return not before and (not after or after[0].up in _CLAUSE_END)


class AlwaysTrueWhere(StatementRule):
    """An UPDATE or DELETE whose WHERE is always true, so it changes every row.

    Fires when a comparison of two equal literals (``1=1``, ``'a'='a'``) is the whole WHERE or
    is joined to it with OR. ``WHERE 1=1 AND ...``, the usual start of generated conditions,
    does not fire: the other conditions still limit the rows.

    Anti-pattern:

        DELETE FROM pat_order WHERE 1=1;
        UPDATE pat_order SET status = 'C' WHERE order_id = 10 OR 1=1;

    Best practice:

        UPDATE pat_order SET status = 'C' WHERE order_id = 10;
    """

    code = "HC102"
    name = "always-true-where"
    severity = "error"
    family = "destructive"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on a literal tautology that decides the WHERE of an UPDATE/DELETE."""
        ws = words(ctx)
        for _i, end, where in dml(ws, _VERBS):
            if where < 0:
                continue
            for k in range(where + 1, end - 2):
                if _tautology(ws, k) and _decides(ws, where, k, end):
                    text = f"{ws[k].value}{ws[k + 1].value}{ws[k + 2].value}"
                    yield Hit(f"WHERE is always true ({text}): every row is changed", ws[k].offset)
                    break
