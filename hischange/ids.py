"""Identifier formats (编号), one scheme for all: ``PREFIX-YYYY-NNNN``, the prefix naming what
is numbered, the year of allocation (UTC) and a number that restarts at 0001 each year and
grows past 9999 when needed. Changes ``CR-2026-0001``, evidence ``EV-2026-0001``, deployments
``DP-2026-0001``, faults ``FT-2026-0001``, trainings ``TR-2026-0001``. Ledgers written
before this scheme hold deployments as ``DP-00001``; those ids stay as recorded (stored
events are never rewritten) and new ones cannot collide with them. How ids are written,
normalised and allocated is defined here once, for the services (allocation inside the
append transaction), the CLI and the git adapter."""

from __future__ import annotations

import re
from collections.abc import Iterable

from hischange.errors import UsageError, clip

__all__ = [
    "CHANGE_ID",
    "CHANGE_ID_TEXT",
    "DEPLOYMENT_ID",
    "EVIDENCE_ID",
    "FAULT_ID",
    "TRAINING_ID",
    "is_change_id",
    "next_yearly_id",
    "normalise_change_id",
    "normalise_id",
]

#: A change id as it appears in text (a trailer value, a subject): ``CR-2026-0001``.
CHANGE_ID_TEXT = r"CR-\d{4}-\d{4,}"
#: A whole change id, with the year and the number as groups.
CHANGE_ID = re.compile(r"^CR-(\d{4})-(\d{4,})$")
#: A whole evidence id, with the year and the number as groups.
EVIDENCE_ID = re.compile(r"^EV-(\d{4})-(\d{4,})$")
#: A whole deployment id, with the year and the number as groups.
DEPLOYMENT_ID = re.compile(r"^DP-(\d{4})-(\d{4,})$")

#: A whole fault id (故障登记), with the year and the number as groups.
FAULT_ID = re.compile(r"^FT-(\d{4})-(\d{4,})$")
#: A whole training id (培训记录), with the year and the number as groups.
TRAINING_ID = re.compile(r"^TR-(\d{4})-(\d{4,})$")


def normalise_id(text: str, pattern: re.Pattern[str], what: str, example: str) -> str:
    """An id of ``pattern`` in its one written form (upper case, no spaces); a usage error
    naming the value otherwise."""
    value = text.strip().upper()
    if not pattern.match(value):
        raise UsageError(f"{clip(text)} is not {what}", hint=f"{what}s look like {example}")
    return value


def is_change_id(text: str) -> bool:
    """Whether ``text`` (spaces and case aside) is a change id."""
    return CHANGE_ID.match(text.strip().upper()) is not None


def normalise_change_id(text: str) -> str:
    """A change id in its one written form (upper case, no spaces); a usage error otherwise."""
    value = text.strip().upper()
    if not CHANGE_ID.match(value):
        raise UsageError(
            f"{clip(text)} is not a change id", hint="change ids look like CR-2026-0001"
        )
    return value


def next_yearly_id(pattern: re.Pattern[str], prefix: str, year: int, taken: Iterable[str]) -> str:
    """The next ``PREFIX-YEAR-NNNN`` after the highest of ``taken`` in that year (gaps left
    by nothing: ids are allocated inside the append transaction, which holds the ledger lock).
    """
    numbers = [
        int(m.group(2)) for k in taken if (m := pattern.match(k)) and int(m.group(1)) == year
    ]
    return f"{prefix}-{year}-{max(numbers, default=0) + 1:04d}"
