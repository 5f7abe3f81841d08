"""The attachment store: files kept under their SHA-256, original names kept only as data.

A file lands at ``<attachments_dir>/<sha256[:2]>/<sha256>``; nothing the user supplies takes
part in that path, so a name such as ``../../etc/passwd`` or ``C:\\Windows\\x.dll`` can never
choose where a file is written. Writes go to a temporary file in the same directory tree and
are moved into place with ``os.replace``, so a crash leaves no half-written attachment.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from hischange.errors import NotFoundError, StoreError, UsageError
from hischange.files import hash_regular, open_regular, refuse_non_file

__all__ = [
    "ATTACHMENTS_DIR",
    "MAX_ATTACHMENT_BYTES_KEY",
    "Attachment",
    "attachment_path",
    "attachment_state",
    "display_name",
    "store_attachment",
    "store_written",
    "verify_attachment",
]

#: The configuration key users are told about when a file is too large.
MAX_ATTACHMENT_BYTES_KEY = "evidence.max_attachment_bytes"
#: The attachment store's folder inside the project's ``.hischange/`` folder.
ATTACHMENTS_DIR = "attachments"

_CHUNK = 1 << 20
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MAX_NAME = 255


class Attachment(BaseModel):
    """A stored file: its content hash and size, and how the user named it (data only)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    #: The base name as given, cleaned for display; never used to build a path.
    original_name: str
    media_type: str


def display_name(name: str) -> str:
    """The last path component of ``name`` (either separator), without control characters."""
    last = re.split(r"[\\/]", name)[-1]
    # Drop control/format characters (NUL, newlines, bidi overrides) that could mislead a reader.
    cleaned = "".join(ch for ch in last if unicodedata.category(ch)[0] != "C").strip()
    if cleaned in ("", ".", ".."):
        return "attachment"
    return cleaned[:_MAX_NAME]


def attachment_path(attachments_dir: Path, sha256: str) -> Path:
    """Where the attachment with this hash lives; refuses anything but a SHA-256 hex digest."""
    if not _SHA256.match(sha256):
        raise UsageError(
            f"not a SHA-256 digest: {sha256[:80]!r}",
            hint="give the 64 lowercase hex characters shown by `evidence list`",
        )
    return attachments_dir / sha256[:2] / sha256


def _copy_hashing(source: BinaryIO, target: BinaryIO, limit: int) -> tuple[str, int]:
    """Copy ``source`` to ``target`` in chunks; return (sha256, size). Stops past ``limit``."""
    hasher = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            # The file grew after it was measured; refuse rather than store a partial copy.
            break
        hasher.update(chunk)
        target.write(chunk)
    return hasher.hexdigest(), size


def _too_large(name: str, size: int, max_bytes: int) -> UsageError:
    return UsageError(
        f"attachment {name!r} is {size} bytes, over the limit of {max_bytes} bytes",
        hint=f"attach a smaller file or raise {MAX_ATTACHMENT_BYTES_KEY} in the config",
    )


def store_attachment(
    src: Path, attachments_dir: Path, *, max_bytes: int, original_name: str | None = None
) -> Attachment:
    """Copy ``src`` into the store under its SHA-256; idempotent for identical content.

    ``original_name`` (default: the name of ``src``) is kept as data only.
    """
    shown = display_name(original_name if original_name is not None else str(src))
    try:
        info = src.stat()
    except FileNotFoundError:
        raise NotFoundError(
            f"attachment not found: {src}", hint="check the path of the file to attach"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot read attachment {src}: {exc.strerror or exc}") from None
    if src.is_dir():
        raise UsageError(
            f"attachment {src} is a directory", hint="attach files one by one, or an archive"
        )
    refuse_non_file(src, "attachment")
    if info.st_size > max_bytes:
        raise _too_large(shown, info.st_size, max_bytes)
    try:
        attachments_dir.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=attachments_dir, prefix=".incoming-")
    except OSError as exc:
        raise StoreError(
            f"cannot write to the attachment store {attachments_dir}: {exc.strerror or exc}"
        ) from None
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out, open_regular(src, "attachment") as source:
            digest, size = _copy_hashing(source, out, max_bytes)
            out.flush()
            os.fsync(out.fileno())
        if size > max_bytes:
            raise _too_large(shown, size, max_bytes)
        final = attachment_path(attachments_dir, digest)
        if final.is_file() and _hash_file(final) == digest:
            temp.unlink()
        else:
            final.parent.mkdir(exist_ok=True)
            os.chmod(temp, 0o644)
            os.replace(temp, final)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise StoreError(
            f"cannot store attachment {shown!r} in {attachments_dir}: {exc.strerror or exc}",
            hint="check free space and permissions; nothing was stored",
        ) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    media_type, _ = mimetypes.guess_type(shown, strict=False)
    return Attachment(
        sha256=digest,
        size=size,
        original_name=shown,
        media_type=media_type or "application/octet-stream",
    )


def _hash_file(path: Path) -> str:
    return hash_regular(path, "stored attachment")[0]


def verify_attachment(attachments_dir: Path, sha256: str) -> bool:
    """True when the stored file for ``sha256`` exists and still hashes to it."""
    return attachment_state(attachments_dir, sha256) == "present"


def attachment_state(
    attachments_dir: Path, sha256: str
) -> Literal["present", "missing", "corrupt"]:
    """Whether the stored file for ``sha256`` is there and still hashes to it (streamed)."""
    path = attachment_path(attachments_dir, sha256)
    if not path.exists() and not path.is_symlink():
        return "missing"
    try:
        return "present" if _hash_file(path) == sha256 else "corrupt"
    except NotFoundError:
        return "missing"
    except (OSError, UsageError):
        return "corrupt"


class _HashingWriter:
    """A binary sink that hashes and counts what passes through it to ``target``."""

    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.hasher = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hasher.update(data)
        self.size += len(data)
        return self.target.write(data)

    def flush(self) -> None:
        self.target.flush()


def store_written(attachments_dir: Path, write: Callable[[BinaryIO], None]) -> tuple[str, int]:
    """Store the bytes ``write`` produces under their SHA-256; return (sha256, size).

    ``write`` receives a binary stream to write to (it may wrap it, e.g. in gzip, and must
    close only its wrapper); the bytes are hashed as they are written, never held in memory
    whole. As for ``store_attachment``: a temporary file, fsync, ``os.replace``; identical
    content already stored is kept.
    """
    try:
        attachments_dir.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=attachments_dir, prefix=".incoming-")
    except OSError as exc:
        raise StoreError(
            f"cannot write to the attachment store {attachments_dir}: {exc.strerror or exc}"
        ) from None
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            sink = _HashingWriter(out)
            write(cast(BinaryIO, sink))
            out.flush()
            os.fsync(out.fileno())
        digest = sink.hasher.hexdigest()
        final = attachment_path(attachments_dir, digest)
        if final.is_file() and _hash_file(final) == digest:
            temp.unlink()
        else:
            final.parent.mkdir(exist_ok=True)
            os.chmod(temp, 0o644)
            os.replace(temp, final)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise StoreError(
            f"cannot store in {attachments_dir}: {exc.strerror or exc}",
            hint="check free space and permissions; nothing was stored",
        ) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return digest, sink.size
