"""Every event type is routed: each one that changes a projection resolves to a handler."""

from __future__ import annotations

import typing

from hischange.events import ActSigned, AnyEvent, CheckpointRecorded, CommandRefused
from hischange.workflow.projector import handler_for


def test_every_event_type_but_refusals_has_a_handler() -> None:
    """A new event type without a handler would silently change no projection."""
    union = typing.get_args(AnyEvent)[0]
    types = typing.get_args(union)
    assert len(types) > 10
    for event_type in types:
        handler = handler_for(event_type)
        if event_type in (CommandRefused, ActSigned, CheckpointRecorded):
            assert handler is None
        else:
            assert callable(handler), event_type.__name__
