"""hischange.files: the one helper every user-named file is read through (issue 19)."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from hischange.config import load_config
from hischange.errors import ConfigError, NotFoundError, UsageError, clip
from hischange.files import hash_regular, read_regular, refuse_non_file, working_tree_sha256

PACKAGE = Path(__file__).parents[2] / "hischange"


@pytest.fixture(autouse=True)
def _no_hang() -> Iterator[None]:
    """A test that blocks (an open or a read of a FIFO) fails after 20 s instead of hanging."""

    def fail(*_: object) -> None:
        raise TimeoutError("hung: the helper blocked on a FIFO or an endless file")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    """A FIFO with no writer is refused at once (exit 2), naming it, by every reader."""
    fifo = tmp_path / "pipe.sql"
    os.mkfifo(fifo)
    for read in (read_regular, hash_regular):
        with pytest.raises(UsageError, match=r"pipe\.sql.* is a FIFO"):
            read(fifo, "SQL file")
    with pytest.raises(UsageError, match="FIFO"):
        refuse_non_file(fifo, "steps file")
    assert working_tree_sha256(fifo) is None


def test_endless_device_folder_and_dangling_link(tmp_path: Path) -> None:
    """/dev/zero, a folder and a dangling link are usage errors; a missing file is not found."""
    with pytest.raises(UsageError, match="character device"):
        read_regular(Path("/dev/zero"), "commit message file")
    with pytest.raises(UsageError, match="is a directory"):
        hash_regular(tmp_path, "artifact")
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "gone")
    with pytest.raises(UsageError, match="dangling symbolic link"):
        read_regular(link, "SQL file")
    with pytest.raises(UsageError, match="dangling symbolic link"):
        refuse_non_file(link, "steps file")
    with pytest.raises(NotFoundError, match="not found"):
        read_regular(tmp_path / "missing.sql", "SQL file")
    assert refuse_non_file(tmp_path / "missing.sql", "steps file") is False
    assert refuse_non_file(Path("x" * 5000), "steps file") is False  # too long: text


def test_size_bound_and_chunks(tmp_path: Path) -> None:
    """A file over the bound is refused before it is read; one within it is read whole and
    hashed the same way in chunks."""
    big = tmp_path / "big.sql"
    big.write_bytes(b"x" * 3_000_001)
    with pytest.raises(UsageError, match="3000001 bytes, over the limit of 3000000 bytes"):
        read_regular(big, "SQL file", max_bytes=3_000_000)
    assert read_regular(big, "SQL file", max_bytes=4_000_000) == b"x" * 3_000_001
    import hashlib

    assert hash_regular(big, "artifact") == (
        hashlib.sha256(b"x" * 3_000_001).hexdigest(),
        3_000_001,
    )


def test_clip_cuts_long_values() -> None:
    """Messages repeat at most 80 characters of a value and say how long it was."""
    assert clip("short") == "'short'"
    cut = clip("长" * 120_000)
    assert len(cut) < 120 and "(120000 characters)" in cut


#: Files hischange reads that are not named by a user, with the reason.
_INTERNAL_READS = {
    "hischange/sqlreview/cases.py": "the YAML rule cases of hischange's own test suite",
    "hischange/vcs/view.py": "git's own .git/info/grafts, part of the scan memo's key",
    "hischange/vcs/plain.py": "git's own .git/info/grafts, refused when it grafts anything",
    "hischange/vcs/pending.py": "/proc/<pid>/cmdline and stat of the git process running "
    "the hook (its --cleanup option)",
}


def test_every_file_read_goes_through_the_helper() -> None:
    """No module of hischange opens or reads a file itself (no copies of the helper): only
    hischange/files.py does, apart from the internal reads listed with their reason."""
    pattern = re.compile(r"\.read_bytes\(|\.read_text\(|\.open\(\s*[\"']r|\bopen\([^)]*[\"']r")
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE.parent).as_posix()
        if name == "hischange/files.py" or name in _INTERNAL_READS:
            continue
        if name.startswith("hischange/store/"):
            continue  # the store reads no user-named file
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == []


def _config(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_config_with_bom_reads(tmp_path: Path) -> None:
    """A config saved with a UTF-8 byte-order mark (Windows Notepad) is read normally."""
    path = _config(tmp_path, b"\xef\xbb\xbf[roles]\napprovers = ['a@h']\n")
    assert load_config(path).roles.approvers == ("a@h",)


@pytest.mark.parametrize(
    ("toml", "names"),
    [
        ("[due_hours]\nlow = 99999999999999\n", "due_hours.low"),
        ("[due_hours]\nhigh = -4\n", "due_hours.high"),
        ("[due_hours]\nnormal = 0\n", "due_hours.normal"),
        ("[due_hours]\nnormal = true\n", "due_hours.normal"),
        ("[evidence]\nmax_attachment_bytes = -1\n", "evidence.max_attachment_bytes"),
        ("[evidence]\nmax_attachment_bytes = 0\n", "evidence.max_attachment_bytes"),
        ("[evidence]\nmax_message_chars = 0\n", "evidence.max_message_chars"),
        ("[release]\nretro_approval_hours = 100000000\n", "release.retro_approval_hours"),
    ],
)
def test_numeric_settings_are_bounded(tmp_path: Path, toml: str, names: str) -> None:
    """Every numeric setting has bounds: outside them, one line naming the key and value."""
    with pytest.raises(ConfigError) as caught:
        load_config(_config(tmp_path, toml))
    message = caught.value.message
    assert names in message and "\n" not in message and "got" in message


def test_bad_subject_pattern_is_one_line(tmp_path: Path) -> None:
    """An unclosed group in a subject pattern: one line naming the pattern and the regex
    error, no pydantic dump or URL."""
    for toml in (
        "[custody]\nsubject_patterns = ['(unclosed']\n",
        "[custody]\nsubject_patterns = [{pattern = '(unclosed', template = 'CR-2025-{0}'}]\n",
    ):
        with pytest.raises(ConfigError) as caught:
            load_config(_config(tmp_path, toml))
        message = caught.value.message
        assert "'(unclosed'" in message and "missing )" in message
        assert "\n" not in message and "http" not in message
