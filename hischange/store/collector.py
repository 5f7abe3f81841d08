"""Pausing Python's cyclic garbage collector while an append runs.

Why: an append allocates several objects per event, and the ones it keeps (the buffered
rows, the ``AppendedEvent`` list it returns) count towards CPython's threshold for a full
collection, which re-walks every live object of the process — the caller's events
included. In a 100,000-event append that was two full passes of 0.25–0.4 s each, a quarter
of the whole append, and they can reclaim nothing: what the loop drops (dumped dicts,
intermediate states) is freed by reference counting the moment it is dropped, and nothing
it builds forms a reference cycle. So the collector is paused for the loop and resumed
after it; what the loop kept is then collected as young objects, once, in the normal way.

The collector's switch is process-wide, so pauses are counted under a lock: overlapping
appends in several threads resume it only when the last one ends, and only if it was
enabled when the first one began (a program that disabled it keeps it disabled).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (re-entrant, thread-safe, always resumed)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
