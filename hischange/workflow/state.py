"""Reading and writing aggregate states through a projection view (used by every domain)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hischange.errors import IntegrityError
from hischange.ledger import ProjectionView
from hischange.workflow.change import ChangeState

__all__ = ["damaged", "load", "load_change", "parse_state", "put_change"]

M = TypeVar("M", bound=BaseModel)


def load(view: ProjectionView, kind: str, key: str, model: type[M]) -> M | None:
    """One aggregate as its model (the view holds models or, when read from disk, dicts)."""
    data: Any = view.get(kind, key)
    if data is None or isinstance(data, model):
        return data
    return parse_state(model, data, kind, key)


def damaged(kind: str, key: str, why: str) -> IntegrityError:
    """The error for a stored projection that cannot be read (exit 4): only an edit of the
    store outside hischange makes one; `audit verify` names what was changed."""
    return IntegrityError(
        f"the stored state of {kind} {key} is damaged ({why})",
        hint="run `hischange audit verify` to find what was changed in the store",
    )


def parse_state(model: type[M], data: Any, kind: str, key: str) -> M:
    """A stored aggregate state as its model; a damaged one is an integrity error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise damaged(kind, key, f"{exc.error_count()} invalid field(s)") from None


def load_change(view: ProjectionView, change_id: str) -> ChangeState | None:
    """A change's state."""
    return load(view, "change", change_id, ChangeState)


def put_change(view: ProjectionView, state: ChangeState, seq: int) -> None:
    """Store a change's new state (its last_seq becomes ``seq``)."""
    if state.last_seq != seq:
        state = state.model_copy(update={"last_seq": seq})
    view.put("change", state.id, state, seq)
