"""What a projector sees: the view it reads and writes, and the event as appended."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel

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
        made = _new_object(cls)
        _set_slot(
            made,
            "__dict__",
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "prev_hash": prev_hash,
                "hash": digest,
                "event": event,
            },
        )
        _set_slot(made, "__pydantic_fields_set__", set(_APPENDED_FIELDS))
        _set_slot(made, "__pydantic_extra__", None)
        _set_slot(made, "__pydantic_private__", None)
        return made


_APPENDED_FIELDS = frozenset(("seq", "at", "actor", "prev_hash", "hash", "event"))
_new_object = object.__new__
_set_slot = object.__setattr__

Projector = Callable[[ProjectionView, AppendedEvent], None]
