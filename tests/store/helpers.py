"""Helpers for the store tests: the slow-test marker and writer subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

__all__ = ["SLOW", "WRITER", "start_writer"]

WRITER = Path(__file__).with_name("writer.py")
#: Long tests: marked slow and skipped unless HISCHANGE_RUN_SLOW=1 (CI sets it).
SLOW = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("HISCHANGE_RUN_SLOW") != "1", reason="slow: set HISCHANGE_RUN_SLOW=1"
    ),
]


def start_writer(root: Path, count: int, url: str | None = None) -> subprocess.Popen[str]:
    """Start a writer process and wait until its store is open (it printed ``ready``);
    ``url``: the store's URL when it is not the project's SQLite file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HISCHANGE_")}
    if url is not None:
        env["HISCHANGE_DB_URL"] = url
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(root), str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line == "ready\n", f"writer did not start: {line!r}"
    return proc
