"""Reading the files a user names: the one way hischange opens them (a leaf: imports only errors).

Every file the CLI reads (a SQL script, a commit message, a config, test steps, a report, an
artifact, an attachment) is opened here as a **regular file**, without blocking, and read in
chunks up to a size bound, or refused with a usage error (exit 2) naming the path:

- a FIFO would block the open (and then the read) forever: it is opened non-blocking and
  refused because it is not a regular file;
- ``/dev/zero`` or ``/dev/urandom`` never end: character devices are refused;
- a directory, a socket, a dangling link: refused, each saying what it is;
- a regular file larger than the bound: refused before it is read into memory.

A path that does not exist is a ``NotFoundError`` (exit 3).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from hischange.errors import NotFoundError, UsageError

__all__ = [
    "CHUNK",
    "MAX_SQL_BYTES",
    "MAX_TEXT_BYTES",
    "hash_regular",
    "open_regular",
    "read_regular",
    "refuse_non_file",
    "working_tree_sha256",
]

#: The chunk size of every read.
CHUNK = 1 << 20
#: The default bound of a text input (SQL script, commit message, config): 16 MiB.
MAX_TEXT_BYTES = 16 * 1024 * 1024
#: The bound of an SQL script under review: 128 MiB (a review streams, its memory stays
#: within a few times the script, bench/README.md).
MAX_SQL_BYTES = 128 * 1024 * 1024

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOCTTY = getattr(os, "O_NOCTTY", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def _show(path: Path) -> str:
    """A path for a message: whole up to 200 characters, else its end (the file's name)."""
    text = str(path)
    if len(text) <= 200:
        return repr(text)
    return f"…{text[-120:]!r} ({len(text)} characters)"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _not_regular(path: Path, what: str, mode: int) -> UsageError:
    return UsageError(
        f"{what} {_show(path)} is {_kind(mode)}, not a regular file",
        hint=f"give the path of a regular file as the {what}",
    )


def refuse_non_file(path: Path, what: str) -> bool:
    """Whether ``path`` names something on disk; a usage error when it is there but is not a
    regular file (a directory, a FIFO, a device, a dangling link). False when nothing is
    there (or the name cannot be a path at all, e.g. far too long): the caller decides."""
    try:
        info = os.lstat(path)
    except (OSError, ValueError):
        return False
    if stat.S_ISLNK(info.st_mode):
        try:
            info = os.stat(path)
        except OSError:
            raise UsageError(
                f"{what} {_show(path)} is a dangling symbolic link",
                hint="point the link at an existing file, or give the file itself",
            ) from None
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(path, what, info.st_mode)
    return True


@contextmanager
def open_regular(path: Path, what: str, *, max_bytes: int | None = None) -> Iterator[BinaryIO]:
    """Open ``path`` for reading as a regular file, never blocking on a FIFO; refuse anything
    else, and a file over ``max_bytes`` (when given). Exit 3 when it does not exist."""
    shown = _show(path)
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _NOCTTY | _BINARY)
    except FileNotFoundError:
        if os.path.lexists(path):
            raise UsageError(
                f"{what} {shown} is a dangling symbolic link",
                hint="point the link at an existing file, or give the file itself",
            ) from None
        raise NotFoundError(f"{what} not found: {shown}", hint="check the path") from None
    except IsADirectoryError:  # Windows and some file systems refuse to open a directory
        raise UsageError(
            f"{what} {shown} is a directory, not a regular file",
            hint=f"give the path of a regular file as the {what}",
        ) from None
    except OSError as exc:
        raise _os_error(path, what, exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path, what, info.st_mode)
        if max_bytes is not None and info.st_size > max_bytes:
            raise _too_large(path, what, info.st_size, max_bytes)
        if _NONBLOCK:
            os.set_blocking(fd, True)
        stream = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with stream:
        yield stream


def _too_large(path: Path, what: str, size: int, max_bytes: int) -> UsageError:
    return UsageError(
        f"{what} {_show(path)} is {size} bytes, over the limit of {max_bytes} bytes",
        hint=f"give a smaller {what}",
    )


def _os_error(path: Path, what: str, exc: OSError) -> UsageError:
    reason = exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))
    return UsageError(
        f"cannot read {what} {_show(path)}: {reason}",
        hint="check the path and its permissions",
    )


def read_regular(path: Path, what: str, *, max_bytes: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, read in chunks (a file that grows
    past the bound while it is read is refused too)."""
    parts: list[bytes] = []
    size = 0
    with open_regular(path, what, max_bytes=max_bytes) as stream:
        try:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise _too_large(path, what, size, max_bytes)
                parts.append(chunk)
        except OSError as exc:
            raise _os_error(path, what, exc) from None
    return b"".join(parts)


def hash_regular(path: Path, what: str, *, max_bytes: int | None = None) -> tuple[str, int]:
    """SHA-256 (hex) and size of a regular file, streamed in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open_regular(path, what, max_bytes=max_bytes) as stream:
        try:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise _too_large(path, what, size, max_bytes)
                digest.update(chunk)
        except OSError as exc:
            raise _os_error(path, what, exc) from None
    return digest.hexdigest(), size


def working_tree_sha256(path: Path, *, max_bytes: int = MAX_TEXT_BYTES) -> str | None:
    """SHA-256 of a file in the working tree, or None when it is not a readable regular file
    of at most ``max_bytes`` (gone, replaced by a directory or a FIFO, too large)."""
    try:
        return hash_regular(path, "file", max_bytes=max_bytes)[0]
    except (NotFoundError, UsageError):
        return None
