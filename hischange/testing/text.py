"""Small helpers shared by the importers: bounded text capture and attribute parsing.

Report files are untrusted, so every value taken from them is bounded: a 50 MB failure
message is cut while it streams in, and numbers that would take long to convert are refused.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "MAX_NAME_CHARS",
    "BoundedText",
    "bounded",
    "parse_count",
    "seconds_to_ms",
    "timespan_to_ms",
]

#: Test names and class names longer than this are cut (with a marker).
MAX_NAME_CHARS = 1000

_TIMESPAN = re.compile(r"^(?:(\d{1,6})\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?$")


def _marker(kept: int, total: int) -> str:
    return f"\n… [truncated by hischange: {kept} of {total} characters kept]"


class BoundedText:
    """Collects text pieces but keeps at most ``cap`` characters; counts the rest."""

    __slots__ = ("_cap", "_kept", "_parts", "total")

    def __init__(self, cap: int) -> None:
        self._cap = cap
        self._parts: list[str] = []
        self._kept = 0
        self.total = 0

    def add(self, text: str) -> None:
        """Append ``text``, dropping whatever does not fit under the cap."""
        n = len(text)
        self.total += n
        room = self._cap - self._kept
        if room <= 0:
            return
        piece = text if n <= room else text[:room]
        self._parts.append(piece)
        self._kept += len(piece)

    def value(self) -> str | None:
        """The kept text (stripped), plus a marker if anything was dropped; None if blank."""
        text = "".join(self._parts).strip()
        if self.total > self._kept:
            return text + _marker(self._kept, self.total)
        return text or None


def bounded(text: str | None, cap: int = MAX_NAME_CHARS) -> str | None:
    """``text`` cut to ``cap`` characters with a marker, or None."""
    if text is None:
        return None
    if len(text) <= cap:
        return text
    return text[:cap] + _marker(cap, len(text))


def parse_count(text: str | None) -> int | None:
    """A non-negative int attribute, or None when absent or not a plain number."""
    if text is None:
        return None
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    return int(text)


def seconds_to_ms(text: str | None) -> int | None:
    """JUnit ``time`` (seconds, decimal) as int milliseconds; None if unreadable."""
    if text is None:
        return None
    # Fast path for the common "12.345" without going through Decimal (a hot loop).
    whole, _, fraction = text.strip().partition(".")
    if (
        whole.isascii()
        and whole.isdigit()
        and len(whole) <= 9
        and (not fraction or (fraction.isascii() and fraction.isdigit()))
    ):
        millis = int(whole) * 1000 + int((fraction + "000")[:3])
        if len(fraction) > 3 and fraction[3] >= "5":
            millis += 1
        return millis
    # Some tools write thousands separators ("1,234.5"); no tool writes a decimal comma here.
    text = text.strip().replace(",", "")
    if not text or len(text) > 40:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    # Refuse NaN, infinities, negatives and absurd magnitudes (1e999999 would be slow to scale).
    if not value.is_finite() or value < 0 or value.adjusted() > 9:
        return None
    return int((value * 1000).to_integral_value(rounding=ROUND_HALF_UP))


def timespan_to_ms(text: str | None) -> int | None:
    """A .NET TimeSpan (``[d.]hh:mm:ss[.fffffff]``, as TRX writes) as int milliseconds."""
    if text is None:
        return None
    match = _TIMESPAN.match(text.strip())
    if match is None:
        return None
    days, hours, minutes, seconds, fraction = match.groups()
    ticks_ms = 0
    if fraction:
        # Round the fraction of a second to milliseconds without going through float.
        ticks_ms = int((Decimal("0." + fraction) * 1000).to_integral_value(rounding=ROUND_HALF_UP))
    total_s = ((int(days or 0) * 24 + int(hours)) * 60 + int(minutes)) * 60 + int(seconds)
    return total_s * 1000 + ticks_ms
