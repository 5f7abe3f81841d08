"""Reading and writing aggregate states through a projection view (used by every domain)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from hischange.ledger import ProjectionView
from hischange.workflow.change import ChangeState

__all__ = ["load", "load_change", "put_change"]

M = TypeVar("M", bound=BaseModel)


def load(view: ProjectionView, kind: str, key: str, model: type[M]) -> M | None:
    """One aggregate as its model (the view holds models or, when read from disk, dicts)."""
    data: Any = view.get(kind, key)
    if data is None or isinstance(data, model):
        return data
    return model.model_validate(data)


def load_change(view: ProjectionView, change_id: str) -> ChangeState | None:
    """A change's state."""
    return load(view, "change", change_id, ChangeState)


def put_change(view: ProjectionView, state: ChangeState, seq: int) -> None:
    """Store a change's new state (its last_seq becomes ``seq``)."""
    if state.last_seq != seq:
        state = state.model_copy(update={"last_seq": seq})
    view.put("change", state.id, state, seq)
