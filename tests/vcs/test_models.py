"""The models: trusted construction equals validation; results are JSON round-trippable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from hischange.vcs.models import CommitInfo, Link, Trailer, trusted


def _values() -> dict[str, object]:
    return {
        "sha": "a" * 40,
        "parents": ("b" * 40,),
        "author_name": "张三",
        "author_email": "z@x.example",
        "committer_name": "李四",
        "committer_email": "l@x.example",
        "authored_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "committed_at": datetime(2026, 1, 2, 3, 4, 6, tzinfo=UTC),
        "subject": "Fix",
        "message": "Fix\n\nHIS-Change: CR-2026-0001\n",
        "encoding": None,
        "trailers": (Trailer(key="HIS-Change", value="CR-2026-0001"),),
        "message_lossy": False,
    }


def test_trusted_equals_validated() -> None:
    """trusted() builds a model equal to the validated one, with the same JSON."""
    fast = trusted(CommitInfo, _values())
    slow = CommitInfo.model_validate(_values())
    assert fast == slow
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_fields_set == slow.model_fields_set
    assert CommitInfo.model_validate_json(fast.model_dump_json()) == slow


def test_trusted_models_stay_frozen() -> None:
    """A trusted model refuses assignment like a validated one; copies do not share state."""
    link = trusted(Link, {"change_id": "CR-2026-0001", "via": "trailer", "source": "HIS-Change"})
    with pytest.raises(ValidationError, match="frozen"):
        link.change_id = "CR-2026-0002"  # type: ignore[misc]
    copy = link.model_copy(update={"change_id": "CR-2026-0003"})
    assert link.change_id == "CR-2026-0001" and copy.change_id == "CR-2026-0003"
