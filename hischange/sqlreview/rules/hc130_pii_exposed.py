"""HC130: a view or interface query exposing personal-information columns."""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from functools import lru_cache

from hischange.sqlreview.model import Dialect
from hischange.sqlreview.rules._ddl import view_start
from hischange.sqlreview.rules._tokens import Word, ident, words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule
from hischange.sqlreview.views import select_items

__all__ = ["PiiExposed"]


def _main_select(ws: Sequence[Word]) -> int:
    """Index of the SELECT whose list a consumer sees (view body or top-level query), or -1."""
    if not ws:
        return -1
    view_at = view_start(ws, 0)
    if view_at < 0 and ws[0].up not in {"SELECT", "WITH", "("}:
        return -1
    start = max(view_at, 0)
    base = min((w.depth for w in ws[start:] if w.up == "SELECT"), default=-1)
    return next(
        (k for k in range(start, len(ws)) if ws[k].up == "SELECT" and ws[k].depth == base), -1
    )


def _exposed(ws: Sequence[Word], dialect: Dialect, pii: Set[str]) -> Iterable[tuple[str, int]]:
    at = _main_select(ws)
    if at < 0:
        return
    view_at = view_start(ws, 0)
    if view_at >= 0 and view_at + 2 < len(ws):
        # An explicit column list CREATE VIEW v (a, b) names the outputs.
        for w in ws[view_at + 1 : at]:
            if w.kind == "name" and ident(w).casefold() in pii:
                yield ident(w), w.offset
    for item in select_items(ws, at, dialect):
        for name in (item.output, item.source):
            if name is not None and name.casefold() in pii:
                yield name, item.offset
                break


@lru_cache(maxsize=16)
def _casefolded(columns: tuple[str, ...]) -> frozenset[str]:
    """The configured names, case-folded once per configuration rather than per statement."""
    return frozenset(c.casefold() for c in columns)


class PiiExposed(StatementRule):
    """A view or interface query whose output includes a personal-information column.

    Views are how data leaves the HIS for reporting platforms and third parties; a patient's
    identity card number, phone, name, address or insurance number must not leave unmasked
    (个人信息保护法, 等级保护). The rule compares each output column name, alias and plainly
    copied source column (so ``id_no AS code`` still fires) case-insensitively with
    ``pii_columns``. The default list names patient-specific columns only — ``name``, ``xm``
    (also 项目), ``tel`` or ``地址`` would fire on drug, department and item names — so add the
    hospital's own column names to the list. Checked in CREATE VIEW and in top-level SELECT
    statements (interface queries).

    Anti-pattern:

        CREATE OR REPLACE VIEW v_report_patient AS
          SELECT patient_id, brxm AS 患者姓名, sfzh FROM pat_master;

    Best practice:

        CREATE OR REPLACE VIEW v_report_patient AS
          SELECT patient_id, SUBSTR(sfzh, 1, 6) || '********' AS id_prefix_masked FROM pat_master;
    """

    code = "HC130"
    name = "pii-exposed"
    severity = "error"
    family = "privacy"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire once per exposed personal-information column."""
        pii = _casefolded(ctx.settings.pii_columns)
        seen: set[str] = set()
        for name, offset in _exposed(words(ctx), ctx.dialect, pii):
            if name.casefold() not in seen:
                seen.add(name.casefold())
                yield Hit(f"exposes personal-information column {name}", offset)
