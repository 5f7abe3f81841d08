"""Encoding events for an append: each event's link in the chain.

Pure, like ``ledger`` (whose definitions it follows exactly; tests compare the two): the
append path runs this once per event, so it skips work whose result is known in advance.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from hischange.ledger.chain import ALGORITHM, canonical, format_time

__all__ = ["ChainWriter"]


class ChainWriter:
    """Chains events after a ledger head: the body and hash of each, in order.

    ``link(canonical(event))`` returns ``canonical(envelope(seq=…, at=…, actor=…,
    prev_hash=…, event=event))`` for the next sequence number and advances ``seq`` and ``hash``. The
    body is assembled from canonical pieces instead of encoding a fresh envelope per event:
    canonical JSON of an object is its members' canonical JSON in sorted key order, and
    the keys put the event between a head that every event of one append shares
    (``{"actor":…,"algorithm":…,"at":…,"event":``) and a tail (``,"prev_hash":…,"seq":N}``).
    Each piece goes through ``canonical``, so whatever it refuses is refused as before
    (tests compare the result with the whole envelope's encoding).
    """

    def __init__(self, seq: int, prev_hash: str, actor: str, at: datetime) -> None:
        self.seq = seq
        self.hash = prev_hash
        self._raw = bytes.fromhex(prev_hash)
        self._head = b'{"actor":%b,"algorithm":%b,"at":%b,"event":' % (
            canonical(actor),
            canonical(ALGORITHM),
            canonical(format_time(at)),
        )
        self._tail = b',"prev_hash":%b,"seq":' % canonical(prev_hash)

    def link(self, event: bytes) -> bytes:
        """The body of the next event, given the event's canonical bytes."""
        seq = self.seq + 1
        body = b"%b%b%b%d}" % (self._head, event, self._tail, seq)
        hasher = hashlib.sha256(self._raw + body)
        digest = hasher.hexdigest()
        self.seq, self.hash, self._raw = seq, digest, hasher.digest()
        # A hex digest is its own canonical text between quotes (no character to escape).
        self._tail = b',"prev_hash":"%b","seq":' % digest.encode("ascii")
        return body
