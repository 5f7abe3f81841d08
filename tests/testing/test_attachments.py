"""The attachment store: content-addressed, atomic, and deaf to user-chosen names."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

import pytest

from hischange.errors import NotFoundError, StoreError, UsageError
from hischange.testing import attachment_path, store_attachment, verify_attachment
from hischange.testing import attachments as attachments_module

LIMIT = 1024 * 1024


def _src(tmp_path: Path, content: bytes = b"screenshot bytes", name: str = "shot.png") -> Path:
    path = tmp_path / "incoming" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_file_is_stored_under_its_sha256(tmp_path: Path) -> None:
    """The copy lands at <dir>/<sha[:2]>/<sha> with the same bytes; the name is data."""
    store = tmp_path / "attachments"
    attachment = store_attachment(_src(tmp_path), store, max_bytes=LIMIT)
    digest = hashlib.sha256(b"screenshot bytes").hexdigest()
    assert attachment.sha256 == digest
    assert attachment.size == len(b"screenshot bytes")
    assert attachment.original_name == "shot.png"
    assert attachment.media_type == "image/png"
    assert _files(store) == [store / digest[:2] / digest]
    assert (store / digest[:2] / digest).read_bytes() == b"screenshot bytes"


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Windows\\x.dll", "x.dll"),
        ("/etc/shadow", "shadow"),
        ("evil\x00.png", "evil.png"),
        ("..", "attachment"),
        ("报告\n截图.png", "报告截图.png"),
    ],
)
def test_hostile_names_never_choose_the_location(tmp_path: Path, given: str, shown: str) -> None:
    """Traversal, absolute, Windows and NUL names are kept only as a cleaned display name."""
    store = tmp_path / "attachments"
    attachment = store_attachment(_src(tmp_path), store, max_bytes=LIMIT, original_name=given)
    assert attachment.original_name == shown
    assert _files(store) == [attachment_path(store, attachment.sha256)]
    assert _files(tmp_path / "incoming") == [tmp_path / "incoming" / "shot.png"]


def test_oversize_file_is_refused_naming_the_limit(tmp_path: Path) -> None:
    """A file over max_bytes is refused with its size, the limit and the config key."""
    store = tmp_path / "attachments"
    with pytest.raises(UsageError) as info:
        store_attachment(_src(tmp_path, b"x" * 11), store, max_bytes=10)
    message = str(info.value)
    assert "11 bytes" in message
    assert "10 bytes" in message
    assert "evidence.max_attachment_bytes" in message
    assert not store.exists() or _files(store) == []


def test_missing_file_and_directory_are_refused(tmp_path: Path) -> None:
    """A missing attachment is NotFoundError; a directory is a usage error."""
    store = tmp_path / "attachments"
    with pytest.raises(NotFoundError, match="attachment not found"):
        store_attachment(tmp_path / "missing.png", store, max_bytes=LIMIT)
    with pytest.raises(UsageError, match="is a directory"):
        store_attachment(tmp_path, store, max_bytes=LIMIT)


def test_identical_content_is_stored_once(tmp_path: Path) -> None:
    """Storing the same bytes twice (under different names) yields one file."""
    store = tmp_path / "attachments"
    first = store_attachment(_src(tmp_path, name="a.txt"), store, max_bytes=LIMIT)
    second = store_attachment(_src(tmp_path, name="b.log"), store, max_bytes=LIMIT)
    assert first.sha256 == second.sha256
    assert (first.original_name, second.original_name) == ("a.txt", "b.log")
    assert len(_files(store)) == 1


def test_failure_mid_copy_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy that fails half-way leaves no partial or temporary file behind."""

    def broken_copy(source: BinaryIO, target: BinaryIO, limit: int) -> tuple[str, int]:
        target.write(source.read(5))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(attachments_module, "_copy_hashing", broken_copy)
    store = tmp_path / "attachments"
    with pytest.raises(StoreError, match="No space left on device"):
        store_attachment(_src(tmp_path), store, max_bytes=LIMIT)
    assert _files(store) == []


def test_failed_rename_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the final rename fails, the temporary file is removed and nothing is stored."""

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", broken_replace)
    store = tmp_path / "attachments"
    with pytest.raises(StoreError, match="nothing was stored"):
        store_attachment(_src(tmp_path), store, max_bytes=LIMIT)
    assert _files(store) == []


def test_file_growing_past_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that grows past the limit after it was measured is refused, nothing kept."""
    monkeypatch.setattr(attachments_module, "_CHUNK", 4)
    src = _src(tmp_path, b"12345678")
    real_stat = Path.stat

    def small_stat(self: Path, **kwargs: bool) -> os.stat_result:
        result = real_stat(self, **kwargs)
        if self != src:
            return result
        # Report a 1-byte size, as if the file was measured before it grew.
        fields = list(result[:10])
        fields[6] = 1
        return os.stat_result(fields)

    monkeypatch.setattr(Path, "stat", small_stat)
    store = tmp_path / "attachments"
    with pytest.raises(UsageError, match="over the limit of 6 bytes"):
        store_attachment(src, store, max_bytes=6)
    assert _files(store) == []


def test_verify_detects_tampering_and_absence(tmp_path: Path) -> None:
    """verify_attachment is True for an intact file, False if edited or missing."""
    store = tmp_path / "attachments"
    attachment = store_attachment(_src(tmp_path), store, max_bytes=LIMIT)
    assert verify_attachment(store, attachment.sha256)
    attachment_path(store, attachment.sha256).write_bytes(b"edited")
    assert not verify_attachment(store, attachment.sha256)
    assert not verify_attachment(store, "0" * 64)


def test_corrupted_copy_is_repaired_by_storing_again(tmp_path: Path) -> None:
    """Storing the same content again replaces a stored copy that no longer verifies."""
    store = tmp_path / "attachments"
    attachment = store_attachment(_src(tmp_path), store, max_bytes=LIMIT)
    attachment_path(store, attachment.sha256).write_bytes(b"damaged")
    store_attachment(_src(tmp_path), store, max_bytes=LIMIT)
    assert verify_attachment(store, attachment.sha256)


@pytest.mark.parametrize("bad", ["../" * 3 + "etc", "ABC", "g" * 64, "0" * 63])
def test_lookups_refuse_non_digests(tmp_path: Path, bad: str) -> None:
    """A lookup by anything but a lowercase SHA-256 hex digest is refused."""
    with pytest.raises(UsageError, match="not a SHA-256 digest"):
        verify_attachment(tmp_path, bad)
