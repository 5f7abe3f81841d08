"""HC118: server- or database-level settings changed from a deployment script."""

from __future__ import annotations

from collections.abc import Iterable

from hischange.sqlreview.rules._tokens import words
from hischange.sqlreview.rules.base import Hit, RuleContext, StatementRule

__all__ = ["ServerSettings"]

_PAIRS = {
    ("ALTER", "SYSTEM"): "ALTER SYSTEM",
    ("ALTER", "DATABASE"): "ALTER DATABASE",
    ("ALTER", "SERVER"): "ALTER SERVER CONFIGURATION",
    ("SET", "GLOBAL"): "SET GLOBAL",
    ("SET", "PERSIST"): "SET PERSIST",
    ("SET", "PERSIST_ONLY"): "SET PERSIST_ONLY",
}
_CALLS = frozenset({"SP_CONFIGURE", "SYS.SP_CONFIGURE", "RECONFIGURE"})
#: Every word that can begin a finding; any other word is passed over without a look around.
_FIRSTS = frozenset({first for first, _ in _PAIRS} | _CALLS | {"SET"})


class ServerSettings(StatementRule):
    """ALTER SYSTEM, ALTER DATABASE, sp_configure or SET GLOBAL change the whole server.

    A release for one application must not change settings every other application on the
    database server depends on; those changes belong to the database operations company,
    through their own change request. Also fires on MySQL ``SET @@GLOBAL.x``.

    Anti-pattern:

        ALTER SYSTEM SET processes = 2000 SCOPE = SPFILE;
        EXEC sp_configure 'max server memory', 65536;
        SET GLOBAL max_connections = 3000;

    Best practice:

        -- raise a separate change for the DBA team; keep deployment scripts to the schema
    """

    code = "HC118"
    name = "server-settings"
    severity = "error"
    family = "security"

    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Fire on each server-level statement."""
        ws = words(ctx)
        for i, w in enumerate(ws):
            if w.up not in _FIRSTS:
                continue
            nxt = ws[i + 1].up if i + 1 < len(ws) else ""
            after = ws[i + 2].up if i + 2 < len(ws) else ""
            if (i and ws[i - 1].up in {"GRANT", "DENY", "REVOKE", ","}) or after == "LINK":
                continue  # a privilege named ALTER ..., or Oracle ALTER DATABASE LINK
            if (w.up, nxt) == ("ALTER", "SERVER") and after != "CONFIGURATION":
                continue
            what = _PAIRS.get((w.up, nxt))
            if what is None and w.up in _CALLS:
                what = w.value
            if what is None and w.up == "SET" and nxt.startswith("@@GLOBAL"):
                what = "SET @@GLOBAL"
            if what is not None:
                yield Hit(f"{what} changes a server-level setting", w.offset)
