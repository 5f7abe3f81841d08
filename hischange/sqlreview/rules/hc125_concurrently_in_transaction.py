"""HC125: CREATE INDEX CONCURRENTLY (and friends) inside a transaction."""

from __future__ import annotations

import re
from collections.abc import Iterable

from hischange.sqlreview.rules.base import FileContext, FileRule, Hit

__all__ = ["ConcurrentlyInTransaction"]

_CONCURRENTLY = re.compile(
    r"(?is)(?:create\s+(?:unique\s+)?index|drop\s+index|reindex(?:\s+\(.*?\))?\s+\w+)"
    r"\s+concurrently\b"
)
# At the top level of a PostgreSQL script BEGIN always starts a transaction (PL/pgSQL blocks
# live in DO and function bodies), with or without WORK/TRANSACTION and an isolation level.
_BEGIN = re.compile(r"(?is)(?:begin|start\s+transaction)\b[^;]*;?\s*\Z")
_END = re.compile(r"(?is)(?:commit|end|rollback|abort)(?:\s+(?:work|transaction))?\s*;?\Z")
_BODY = re.compile(r"(?is)^(?:do\b|create\s+(?:or\s+replace\s+)?(?:function|procedure)\b)")


class ConcurrentlyInTransaction(FileRule):
    """CREATE INDEX CONCURRENTLY inside a transaction block fails the deployment.

    PostgreSQL (and KingbaseES) refuse ``CREATE INDEX CONCURRENTLY``, ``DROP INDEX
    CONCURRENTLY`` and ``REINDEX ... CONCURRENTLY`` inside ``BEGIN ... COMMIT`` or in a ``DO``
    block or function ("cannot run inside a transaction block"): the script stops there, with
    the statements before it already run or rolled back. **error**: the deployment fails.
    Migration tools that wrap each file in a transaction have the same effect; run such
    statements in a file of their own, outside any transaction.

    Anti-pattern:

        BEGIN;
        ALTER TABLE pat_fee ADD COLUMN batch_no varchar(20);
        CREATE INDEX CONCURRENTLY idx_fee_batch ON pat_fee (batch_no);
        COMMIT;

    Best practice:

        BEGIN;
        ALTER TABLE pat_fee ADD COLUMN batch_no varchar(20);
        COMMIT;
        CREATE INDEX CONCURRENTLY idx_fee_batch ON pat_fee (batch_no);
    """

    code = "HC125"
    name = "concurrently-in-transaction"
    severity = "error"
    family = "deployment"
    dialects = frozenset({"postgres"})

    def check_file(self, ctx: FileContext) -> Iterable[Hit]:
        """Fire on each CONCURRENTLY statement inside BEGIN ... COMMIT or a code body."""
        open_at: int | None = None
        for st in ctx.statements:
            text = st.text
            if _BEGIN.match(text):
                open_at = st.span.start_line
            elif _END.match(text):
                open_at = None
            elif _BODY.match(text) and _CONCURRENTLY.search(text):
                yield Hit(
                    "CONCURRENTLY inside a DO block or function body fails:"
                    " a body always runs in a transaction",
                    st.start,
                )
            elif open_at is not None and _CONCURRENTLY.match(text):
                yield Hit(
                    f"{_head(text)} inside the transaction begun at line {open_at} fails:"
                    " run it after COMMIT, outside any transaction",
                    st.start,
                )


def _head(text: str) -> str:
    m = _CONCURRENTLY.match(text)
    return " ".join((m.group() if m else text[:30]).split()).upper()
