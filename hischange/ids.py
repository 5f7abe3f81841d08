"""Identifier formats (编号): changes ``CR-YYYY-NNNN``, evidence ``EV-YYYY-NNNN``, deployments
``DP-NNNNN``; how they are written, normalised and allocated. One definition of each, used by
the services (allocation inside the append transaction), the CLI and the git adapter."""

from __future__ import annotations

import re
from collections.abc import Iterable

from hischange.errors import UsageError

__all__ = [
    "CHANGE_ID",
    "CHANGE_ID_TEXT",
    "EVIDENCE_ID",
    "deployment_id",
    "is_change_id",
    "next_yearly_id",
    "normalise_change_id",
]

#: A change id as it appears in text (a trailer value, a subject): ``CR-2026-0001``.
CHANGE_ID_TEXT = r"CR-\d{4}-\d{4,}"
#: A whole change id, with the year and the number as groups.
CHANGE_ID = re.compile(r"^CR-(\d{4})-(\d{4,})$")
#: A whole evidence id, with the year and the number as groups.
EVIDENCE_ID = re.compile(r"^EV-(\d{4})-(\d{4,})$")


def is_change_id(text: str) -> bool:
    """Whether ``text`` (spaces and case aside) is a change id."""
    return CHANGE_ID.match(text.strip().upper()) is not None


def normalise_change_id(text: str) -> str:
    """A change id in its one written form (upper case, no spaces); a usage error otherwise."""
    value = text.strip().upper()
    if not CHANGE_ID.match(value):
        raise UsageError(f"{text!r} is not a change id", hint="change ids look like CR-2026-0001")
    return value


def next_yearly_id(pattern: re.Pattern[str], prefix: str, year: int, taken: Iterable[str]) -> str:
    """The next ``PREFIX-YEAR-NNNN`` after the highest of ``taken`` in that year (gaps left
    by nothing: ids are allocated inside the append transaction, which holds the ledger lock).
    """
    numbers = [
        int(m.group(2)) for k in taken if (m := pattern.match(k)) and int(m.group(1)) == year
    ]
    return f"{prefix}-{year}-{max(numbers, default=0) + 1:04d}"


def deployment_id(number: int) -> str:
    """The id of the ``number``-th deployment recorded: ``DP-00001``."""
    return f"DP-{number:05d}"
