"""Words in their number, for English text (a leaf of the rules: imports nothing)."""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in its number, for English text: ``1 test``, ``2 tests``."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
