"""HC126: DDL on PostgreSQL/KingbaseES without a lock_timeout set first."""

from __future__ import annotations

import re
from collections.abc import Iterable

from hischange.sqlreview.rules.base import FileContext, FileRule, Hit

__all__ = ["DdlWithoutLockTimeout"]

#: Statements that take an ACCESS EXCLUSIVE (or SHARE) lock on an existing table.
_LOCKING_DDL = re.compile(
    r"(?is)(?:alter\s+table|drop\s+(?:table|index(?!\s+concurrently))|truncate"
    r"|create\s+(?:unique\s+)?index(?!\s+concurrently)|create\s+(?:or\s+replace\s+)?trigger"
    r"|lock\s+table|vacuum\s+full|cluster|reindex(?!\s+(?:\(.*?\)\s*)?\w+\s+concurrently))\b"
)
_TIMEOUT = re.compile(r"(?is)set\s+(?:local\s+|session\s+)?(?:lock_timeout|statement_timeout)\b")
_SET_CONFIG = re.compile(r"(?is)\bset_config\s*\(\s*'(?:lock_timeout|statement_timeout)'")
_CREATED = re.compile(
    r"(?is)create\s+(?:(?:global\s+|local\s+)?(?:temp|temporary|unlogged)\s+)?table"
    r"\s+(?:if\s+not\s+exists\s+)?([\w.\"]+)"
)
_TARGET = re.compile(
    r"(?is)(?:alter\s+table|create\s+(?:unique\s+)?index\s+.*?\s+on)\s+(?:if\s+exists\s+)?"
    r"(?:only\s+)?([\w.\"]+)"
)


class DdlWithoutLockTimeout(FileRule):
    """DDL on PostgreSQL/KingbaseES without ``SET lock_timeout`` can stop the whole HIS.

    ``ALTER TABLE`` and most DDL wait for an ACCESS EXCLUSIVE lock; while one waits behind a
    long report query, every later query on that table queues behind it — registration and
    charging stop although the DDL itself would take milliseconds. ``SET lock_timeout`` (or
    ``statement_timeout``) before the first such statement makes it give up and fail
    instead, to be retried. Fires once per file, at the first DDL on a table the script did
    not create itself. **warning**: PostgreSQL and KingbaseES (人大金仓) only; Oracle DDL
    fails at once on a busy table (ORA-00054) and SQL Server/MySQL have their own lock waits.

    Anti-pattern:

        ALTER TABLE pat_visit ADD COLUMN triage_level int;

    Best practice:

        SET lock_timeout = '3s';
        ALTER TABLE pat_visit ADD COLUMN triage_level int;
    """

    code = "HC126"
    name = "ddl-without-lock-timeout"
    severity = "warning"
    family = "deployment"
    dialects = frozenset({"postgres"})

    def check_file(self, ctx: FileContext) -> Iterable[Hit]:
        """Fire at the first locking DDL that no earlier timeout setting covers."""
        created: set[str] = set()
        for st in ctx.statements:
            text = st.text
            if _TIMEOUT.match(text) or _SET_CONFIG.search(text):
                return
            made = _CREATED.match(text)
            if made:
                created.add(made.group(1).strip('"').lower())
                continue
            if not _LOCKING_DDL.match(text):
                continue
            target = _TARGET.match(text)
            if target and target.group(1).strip('"').lower() in created:
                continue  # a table this script created is not yet in anyone's way
            head = " ".join(text.split()[:3])
            yield Hit(
                f"'{head} ...' runs with no lock_timeout: while it waits for its lock, every"
                " query on the table queues behind it — SET lock_timeout = '3s' first",
                st.start or 0,
            )
            return
