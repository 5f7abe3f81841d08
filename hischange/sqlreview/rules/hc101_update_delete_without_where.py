"""HC101: UPDATE or DELETE without a WHERE clause."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._names import is_session_local, target_after
from hischange.sqlreview.rules._tokens import Word, dml, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["UpdateDeleteWithoutWhere"]

_VERBS = frozenset({"UPDATE", "DELETE"})
#: Joins that keep only the target rows with a partner; LEFT/RIGHT/FULL/CROSS keep them all.
_INNER_JOINS = frozenset({"JOIN", "INNER JOIN", "STRAIGHT_JOIN"})


class UpdateDeleteWithoutWhere(StatementRule):
    """UPDATE or DELETE without a WHERE clause changes every row of the table.

    Statements inside PL/SQL blocks, T-SQL batches and PostgreSQL function bodies are checked
    too; a verb that only names a trigger event or a privilege (``BEFORE DELETE``,
    ``GRANT UPDATE``, ``ON DELETE CASCADE``) and MERGE actions are not statements. Text inside
    string literals (``EXECUTE IMMEDIATE 'DELETE ...'``) is not read.

    Decided cases (T-SQL and MySQL): an inner ``JOIN ... ON`` that joins the target itself
    (``UPDATE t SET ... FROM t JOIN s ON ...``, ``UPDATE t JOIN s ON ... SET``) filters the rows
    and does not fire; an outer or comma join does. An update through a CTE
    (``WITH c AS (SELECT ... WHERE ...) UPDATE c``) does not fire when the CTE has a WHERE. A
    table variable (``@t``) or local temporary table (``#t``) belongs to the session and does
    not fire. ``UPDATE TOP (n)``/``DELETE TOP (n)`` without WHERE still fires: it changes n
    arbitrary rows, and in a loop, every row.

    Anti-pattern:

        DELETE FROM pat_visit;
        UPDATE drug_price SET retail_price = 0;

    Best practice:

        DELETE FROM pat_visit WHERE visit_id = 1001;
        UPDATE drug_price SET retail_price = 12.5 WHERE drug_code = 'Y0001';
    """

    code = "HC101"
    name = "update-delete-without-where"
    severity = "error"
    family = "destructive"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each UPDATE/DELETE statement that has no WHERE at its own level."""
        ws = words(ctx)
        for i, end, where in dml(ws, _VERBS):
            if where >= 0:
                continue
            target = target_after(ws, i)
            if is_session_local(target) or _inner_join_on_target(ws, i, end, target):
                continue
            if _filtered_cte(ws, i, target):
                continue
            name = target or "the table"
            verb = ws[i].up
            if i + 1 < len(ws) and ws[i + 1].up == "TOP":
                yield Hit(
                    f"{verb} TOP without WHERE changes arbitrary rows of {name}"
                    " (every row when repeated in a loop)",
                    ws[i].offset,
                )
            else:
                yield Hit(f"{verb} without WHERE changes every row of {name}", ws[i].offset)


def _inner_join_on_target(ws: list[Word], i: int, end: int, target: str) -> bool:
    """An inner JOIN ... ON at the statement's level whose sources include the target."""
    if not target:
        return False
    depth = ws[i].depth
    last = target.rsplit(".", 1)[-1].upper()
    level = [w for w in ws[i + 1 : end] if w.depth == depth]
    joins = [k for k, w in enumerate(level) if w.kind == "kw" and w.up in _INNER_JOINS]
    if not joins or not any(w.up == "ON" for w in level[joins[0] :]):
        return False
    if any(w.kind == "kw" and w.up.endswith(" JOIN") and w.up not in _INNER_JOINS for w in level):
        return False  # an outer join next to it keeps unmatched target rows: do not guess
    # T-SQL ... FROM t [alias] JOIN s: the sources follow the last FROM before the join;
    # MySQL UPDATE t JOIN s ... SET: the target itself is the first source.
    froms = [k for k in range(joins[0]) if level[k].up == "FROM"]
    head = level[froms[-1] + 1 : joins[0]] if froms else level[: joins[0]]
    sources = [w.up for w in head if w.kind == "name"]
    return last in sources


def _filtered_cte(ws: list[Word], i: int, target: str) -> bool:
    """The target is a CTE of this statement whose own query has a WHERE."""
    if not target or "." in target:
        return False
    name = target.upper()
    for k in range(i):
        if ws[k].kind != "name" or ws[k].up != name or ws[k].depth != ws[i].depth:
            continue
        j = k + 1
        if j < len(ws) and ws[j].up == "(":  # WITH c (a, b) AS (...)
            while j < len(ws) and not (ws[j].up == ")" and ws[j].depth == ws[k].depth):
                j += 1
            j += 1
        if j + 1 < i and ws[j].up == "AS" and ws[j + 1].up == "(":
            inner = ws[k].depth + 1
            for w in ws[j + 2 : i]:
                if w.depth < inner:
                    break
                if w.depth == inner and w.up == "WHERE":
                    return True
    return False
