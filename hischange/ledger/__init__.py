"""The ledger: canonical JSON, the hash chain and its verification. Pure: no I/O.

``chain`` holds canonical encoding, hashing and the chain check; ``encoding`` the fast
writer that chains a batch of events; ``appended`` the event as appended and the view a
projector reads and writes.
"""

from hischange.ledger.appended import AppendedEvent, ProjectionView, Projector
from hischange.ledger.chain import (
    ALGORITHM,
    COLUMNS_DETAIL,
    GENESIS,
    NOT_AN_EVENT,
    ChainCursor,
    ChainProblem,
    ChainRow,
    Span,
    StoredEvent,
    VerifyRow,
    canonical,
    canonical_stdlib,
    chain_hash,
    envelope,
    format_time,
    verify_chain,
)
from hischange.ledger.encoding import ChainWriter

__all__ = [
    "ALGORITHM",
    "COLUMNS_DETAIL",
    "GENESIS",
    "NOT_AN_EVENT",
    "AppendedEvent",
    "ChainCursor",
    "ChainProblem",
    "ChainRow",
    "ChainWriter",
    "ProjectionView",
    "Projector",
    "Span",
    "StoredEvent",
    "VerifyRow",
    "canonical",
    "canonical_stdlib",
    "chain_hash",
    "envelope",
    "format_time",
    "verify_chain",
]
