"""Change states built directly, for tests of the pure rules and of rendered documents."""

from __future__ import annotations

from datetime import UTC, datetime

from hischange.events import ChangeFields
from hischange.workflow.change import ChangeState

__all__ = ["AT", "change_state"]

AT = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


def change_state(cid: str, kind: str, **fields: object) -> ChangeState:
    """A released change of ``kind`` with the given request fields."""
    return ChangeState(
        id=cid,
        fields=ChangeFields.model_validate({"kind": kind, "title": f"{cid} 标题", **fields}),
        state="released",
        registered_by="dev@vendor",
        registered_at=AT,
        due_at=AT,
    )
