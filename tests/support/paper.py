"""The system programs the document tests need (Debian packages), found or skipped loudly;
with CI=true a missing one fails the test instead (as PostgreSQL does, .ci/pg.sh)."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

__all__ = ["DEBIAN_PACKAGES", "need_cjk_font", "need_module", "need_program"]

#: program → the Debian package that brings it (.ci/run installs the missing ones).
DEBIAN_PACKAGES = {
    "pdffonts": "poppler-utils",
    "pdftotext": "poppler-utils",
    "fc-list": "fontconfig",
    "chromium": "chromium",
    "chromedriver": "chromium-driver",
}


def _missing(what: str, install: str) -> None:
    message = f"SKIPPED: {what} is missing ({install}); this document check did NOT run"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {what} is missing ({install})")
    line = "*" * min(100, len(message) + 4)
    print(f"\n{line}\n* {message}\n{line}", file=sys.stderr)
    pytest.skip(message)


def need_program(name: str) -> str:
    """The path of a program, or a loud skip (a failure with CI=true)."""
    found = shutil.which(name)
    if found is None:
        _missing(f"the program {name}", f"apt-get install {DEBIAN_PACKAGES.get(name, name)}")
    assert found is not None
    return found


def need_module(name: str, install: str) -> None:
    """An importable module, or a loud skip (a failure with CI=true)."""
    try:
        __import__(name)
    except (ImportError, OSError) as exc:
        _missing(f"the Python module {name} ({exc})", install)


def need_cjk_font() -> None:
    """A font fontconfig knows for Chinese, or a loud skip (a failure with CI=true)."""
    import subprocess

    fc_list = need_program("fc-list")
    found = subprocess.run(
        [fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False
    ).stdout
    if not found.strip():
        _missing("a CJK font", "apt-get install fonts-noto-cjk")
