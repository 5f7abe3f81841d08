"""What the store says when it fails (a leaf of the store: no SQLAlchemy), shared by
``Store`` and the SQLAlchemy-free reader ``lite.LiteReader`` so both fail alike."""

from __future__ import annotations

import json
from typing import Any

from hischange.errors import IntegrityError, StoreError

__all__ = ["decode_state", "error_for"]


def error_for(text: str, where: str) -> StoreError:
    """The StoreError for a database error's first line: locked, not writable, or other."""
    if "locked" in text or "busy" in text or "lock timeout" in text:
        return StoreError(
            f"the store at {where} is locked by another writer past the timeout ({text})",
            hint="wait for the other hischange command to finish, or raise HISCHANGE_LOCK_TIMEOUT",
        )
    if "permission denied for" in text or "must be owner of" in text:
        return StoreError(
            f"the database role used for {where} may not do this ({text})",
            hint="appends need INSERT/SELECT/UPDATE as in docs/team-store.md; a schema upgrade "
            "needs the owner role: run `hischange db upgrade` with the owner's URL",
        )
    if "readonly" in text or "unable to open" in text or "permission" in text.lower():
        return StoreError(
            f"the store at {where} cannot be written ({text})",
            hint="check the folder's permissions and free disk space",
        )
    return StoreError(f"store error at {where}: {text}")


def decode_state(text: str, kind: str, key: str) -> dict[str, Any]:
    """A stored aggregate state (JSON text) as a dict; anything else is an integrity error
    (exit 4) that points at `audit verify`, never a traceback."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        data = None
    if not isinstance(data, dict):
        raise IntegrityError(
            f"the stored state of {kind} {key} is damaged (not a JSON object)",
            hint="run `hischange audit verify` to find what was changed in the store",
        )
    return data
