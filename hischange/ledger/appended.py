"""What a projector sees: the view it reads and writes, and the event as appended."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel

from hischange.unchecked import assemble

__all__ = ["AppendedEvent", "ProjectionView", "Projector"]


class ProjectionView(Protocol):
    """What a projector may do: read and replace aggregate states."""

    def get(self, kind: str, key: str) -> Any | None: ...
    def put(self, kind: str, key: str, state: BaseModel, seq: int) -> None: ...


class AppendedEvent(BaseModel):
    """An event as appended: its envelope values and the event itself."""

    seq: int
    at: datetime
    actor: str
    prev_hash: str
    hash: str
    event: Any

    @classmethod
    def of(
        cls, seq: int, at: datetime, actor: str, prev_hash: str, digest: str, event: BaseModel
    ) -> AppendedEvent:
        """Assemble one from values of exactly the declared types, without validation.

        Appends and replays build one per event from values they computed themselves (an
        int, an aware datetime, strings, an event model), so validating them again cost
        as much as the rest of the replay step; the result equals ``AppendedEvent(...)``.
        """
        values: dict[str, Any] = {
            "seq": seq,
            "at": at,
            "actor": actor,
            "prev_hash": prev_hash,
            "hash": digest,
            "event": event,
        }
        return assemble(cls, values, set(_APPENDED_FIELDS))


_APPENDED_FIELDS = frozenset(("seq", "at", "actor", "prev_hash", "hash", "event"))

Projector = Callable[[ProjectionView, AppendedEvent], None]
