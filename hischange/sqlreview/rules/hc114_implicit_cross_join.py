"""HC114: implicit cross join (comma join with no predicate relating the tables)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hischange.sqlreview.rules._tokens import Word, ident, read_name, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["ImplicitCrossJoin"]

_END = frozenset(
    {
        "WHERE",
        "GROUP BY",
        "ORDER BY",
        "HAVING",
        "UNION",
        "UNION ALL",
        "INTERSECT",
        "EXCEPT",
        "MINUS",
        "LIMIT",
        ";",
        "CONNECT BY",
        "START WITH",
        "WINDOW",
        "FOR",
        "INTO",
        "RETURNING",
        "OPTION",
        "FETCH",
        "OFFSET",
        "SET",
        "SELECT",
        "VALUES",
        "WITH",
    }
)
_CORRELATED = frozenset({"LATERAL", "UNNEST", "TABLE", "JSON_TABLE", "XMLTABLE"})


def _from_items(ws: Sequence[Word], i: int) -> tuple[list[set[str]], int]:
    """Names/aliases of each comma-separated FROM item, and where the list ends."""
    d = ws[i].depth
    items: list[set[str]] = [set()]
    in_on = False
    j = i + 1
    while j < len(ws):
        w = ws[j]
        if w.depth < d or (w.depth == d and w.up in _END):
            break
        if w.depth == d:
            if w.up == ",":
                items.append(set())
                in_on = False
            elif w.up.endswith("JOIN") or w.up == "APPLY":
                in_on = False
            elif w.up in {"ON", "USING"}:
                in_on = True
            elif w.up in _CORRELATED and not items[-1]:
                items[-1].add("*")
            elif not in_on and w.kind == "name":
                parts, nxt = read_name(ws, j)
                items[-1].add(parts[-1].casefold())
                j = nxt
                continue
        j += 1
    return items, j


def _links(ws: Sequence[Word], start: int, end: int) -> list[tuple[str, str]]:
    """Qualifier pairs related by ``q1.c = q2.c`` (or an unqualified ``a = b``: ``*``)."""
    pairs = []
    for k in range(start, end):
        if ws[k].up != "=" or ws[k].kind != "op" or k < 1:
            continue
        left = ws[k - 1]
        right = ws[k + 1] if k + 1 < end else None
        lq = ident(ws[k - 3]).casefold() if k >= 3 and ws[k - 2].up == "." else None
        rq = ident(right).casefold() if right and k + 2 < end and ws[k + 2].up == "." else None
        if lq and rq:
            pairs.append((lq, rq))
        elif left.kind == "name" and right is not None and right.kind == "name" and not (lq or rq):
            pairs.append(("*", "*"))
    return pairs


def _components(items: list[set[str]], pairs: list[tuple[str, str]]) -> int:
    parent = list(range(len(items)))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    owner = {name: n for n, names in enumerate(items) for name in names if name != "*"}
    for n, names in enumerate(items):
        if "*" in names and n:
            parent[find(n)] = find(n - 1)
    for a, b in pairs:
        if a == "*" or b == "*":
            return 1
        if a in owner and b in owner:
            parent[find(owner[a])] = find(owner[b])
    return len({find(n) for n in range(len(items))})


def _in_revoke(ws: Sequence[Word], i: int) -> bool:
    """``REVOKE .. FROM a, b`` lists grantees, not tables (REVOKE is short: look back 64)."""
    for j in range(i - 1, max(i - 64, -1), -1):
        if ws[j].up == ";":
            return False
        if ws[j].up == "REVOKE":
            return True
    return False


class ImplicitCrossJoin(StatementRule):
    """A comma join whose tables are not related by any equality in WHERE: a cross join.

    ``FROM a, b`` without ``a.x = b.y`` returns every combination of rows — on HIS tables,
    billions of rows and a blocked server. The rule relates tables through ``q1.c = q2.c``
    equalities in WHERE (or ON); an unqualified ``a = b`` could relate any tables, so it
    silences the rule. Explicit ``JOIN ... ON`` never fires.

    Anti-pattern:

        SELECT v.visit_no, d.dept_name
          FROM pat_visit v, dict_dept d
         WHERE v.visit_date > SYSDATE - 1;

    Best practice:

        SELECT v.visit_no, d.dept_name
          FROM pat_visit v JOIN dict_dept d ON d.dept_code = v.dept_code
         WHERE v.visit_date > SYSDATE - 1;
    """

    code = "HC114"
    name = "implicit-cross-join"
    severity = "warning"
    family = "performance"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each FROM list with comma-joined items not all related in WHERE."""
        ws = words(ctx)
        for i, w in enumerate(ws):
            if w.up != "FROM" or w.kind != "kw" or _in_revoke(ws, i):
                continue
            items, j = _from_items(ws, i)
            items = [names for names in items if names]
            if len(items) < 2:
                continue
            end = j
            if j < len(ws) and ws[j].up == "WHERE":
                end = next(
                    (
                        k
                        for k in range(j + 1, len(ws))
                        if ws[k].depth < w.depth or (ws[k].depth == w.depth and ws[k].up in _END)
                    ),
                    len(ws),
                )
            pairs = _links(ws, i, end)
            if _components(items, pairs) > 1:
                yield Hit(
                    "comma join without a predicate relating every table (cross join)", w.offset
                )
