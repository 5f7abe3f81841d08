"""Error messages under hostile conditions: a full disk, a huge value (issue 19)."""

from __future__ import annotations

import errno

import pytest

from hischange.errors import StoreError
from tests.hostile.conftest import Hostile


def _fail_with(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    def register(*_: object, **__: object) -> None:
        raise error

    monkeypatch.setattr("hischange.services.changes.register_change", register)


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device", "/srv/his/.hischange/attachments/x"),
        StoreError("store error at /srv/his/.hischange/hischange.db: database or disk is full"),
    ],
    ids=["ENOSPC", "sqlite-full"],
)
def test_disk_full_says_to_free_space(
    hostile: Hostile, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    """A full disk (an OSError ENOSPC anywhere, or the database's "disk is full") is exit 6
    with one error line and a hint to free space; no traceback."""
    _fail_with(monkeypatch, error)
    out = hostile.run("change", "new", "--kind", "bugfix", "--title", "t")
    assert out.code == 6, out
    lines = out.stderr.splitlines()
    assert lines[0].startswith("error [store]:") and "Traceback" not in out.stderr
    assert "free space" in lines[1] and "磁盘已满" in lines[1]


def test_other_os_errors_are_not_disguised(
    hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a full disk is turned into a store error; any other OSError is a bug to see."""
    _fail_with(monkeypatch, OSError(errno.EIO, "I/O error"))
    with pytest.raises(OSError, match="I/O error"):
        hostile.run("change", "new", "--kind", "bugfix", "--title", "t")


def test_a_huge_message_is_cut(hostile: Hostile, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever an error says, its line is cut at 1000 characters and says how much was cut."""
    _fail_with(monkeypatch, StoreError("x" * 50_000))
    out = hostile.run("change", "new", "--kind", "bugfix", "--title", "t")
    first = out.stderr.splitlines()[0]
    assert len(first) < 1100 and "more characters cut" in first
