"""HC110: dynamic SQL built by concatenation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hischange.sqlreview.rules._tokens import Word, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["DynamicSqlConcatenation"]

_STOP = frozenset({";", "USING", "INTO", "RETURNING", "BULK COLLECT", "BULK"})


def _expr(ws: Sequence[Word], j: int) -> list[Word]:
    """The expression from ``j`` to the end of its statement (or a closing paren)."""
    d0 = ws[j].depth if j < len(ws) else 0
    out = []
    for w in ws[j:]:
        if w.depth < d0 or (w.depth == d0 and w.up in _STOP):
            break
        out.append(w)
    return out


def _concat(expr: Sequence[Word], plus: bool) -> bool:
    ops = {"||", "+"} if plus else {"||"}
    return any(w.kind == "op" and w.up in ops for w in expr) or any(
        w.up == "CONCAT" and k + 1 < len(expr) and expr[k + 1].up == "(" for k, w in enumerate(expr)
    )


def _is_var(w: Word) -> bool:
    return w.kind == "name" and not w.value.startswith(("'", "N'"))


class DynamicSqlConcatenation(StatementRule):
    """Dynamic SQL assembled by string concatenation, the way SQL injection gets in.

    Fires on Oracle/DM ``EXECUTE IMMEDIATE`` of a concatenation or of a variable; T-SQL
    ``EXEC(...)`` of a concatenation or variable and ``sp_executesql`` whose statement is
    concatenated in the call; MySQL ``PREPARE .. FROM`` a ``CONCAT(...)`` or a variable;
    PL/pgSQL ``EXECUTE`` of ``||`` or of ``format()`` with a plain ``%s`` (``%I``/``%L`` quote
    safely and do not fire). A variable may have been concatenated earlier in the script; the
    reviewer checks that. Constant strings do not fire.

    Anti-pattern:

        EXECUTE IMMEDIATE 'DELETE FROM ' || v_table || ' WHERE id = ' || v_id;
        EXEC('SELECT * FROM pat_master WHERE name = ''' + @name + '''');

    Best practice:

        EXECUTE IMMEDIATE 'DELETE FROM pat_tmp WHERE id = :1' USING v_id;
        EXEC sp_executesql N'SELECT * FROM pat_master WHERE name = @n',
             N'@n nvarchar(50)', @n = @name;
    """

    code = "HC110"
    name = "dynamic-sql-concatenation"
    severity = "warning"
    family = "security"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each dynamic-SQL call whose text is concatenated or comes from a variable."""
        ws = words(ctx)
        for i, w in enumerate(ws):
            nxt = ws[i + 1] if i + 1 < len(ws) else None
            if nxt is None:
                return
            msg = self._judge(ws, i, w, nxt, ctx.dialect)
            if msg:
                yield Hit(msg, w.offset)

    @staticmethod
    def _judge(ws: Sequence[Word], i: int, w: Word, nxt: Word, dialect: str) -> str | None:
        if w.up in {"EXECUTE", "EXEC"} and nxt.up == "IMMEDIATE" and i + 2 < len(ws):
            expr = _expr(ws, i + 2)
            if _concat(expr, plus=False) or (expr and _is_var(expr[0])):
                return "EXECUTE IMMEDIATE runs SQL built by concatenation or held in a variable"
        elif w.up in {"EXECUTE", "EXEC"} and nxt.up == "(" and dialect == "tsql":
            expr = _expr(ws, i + 2)
            if _concat(expr, plus=True) or any(_is_var(x) for x in expr):
                return "EXEC() runs SQL built by concatenation or held in a variable"
        elif w.up in {"SP_EXECUTESQL", "SYS.SP_EXECUTESQL"}:
            first: list[Word] = []
            for x in _expr(ws, i + 1):
                if x.up == "," and x.depth == nxt.depth:
                    break
                first.append(x)
            if _concat(first, plus=True):
                return "sp_executesql runs a statement concatenated in the call"
        elif (
            w.up == "PREPARE"
            and dialect == "mysql"
            and ws[i + 2 : i + 3]
            and ws[i + 2].up == "FROM"
        ):
            expr = _expr(ws, i + 3)
            if _concat(expr, plus=False) or (expr and expr[0].value.startswith("@")):
                return "PREPARE runs SQL built by CONCAT or held in a variable"
        elif w.up == "EXECUTE" and dialect == "postgres":
            expr = _expr(ws, i + 1)
            fmt = nxt.up == "FORMAT" and any("%s" in x.value for x in expr if x.kind == "str")
            if fmt or _concat(expr, plus=False):
                return "EXECUTE runs SQL built by || or format('%s')"
        return None
