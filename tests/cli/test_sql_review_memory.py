"""`sql review --format json` on a large script stays within five times the script in memory
(issue 16 item 10): peak RSS of the real command in a subprocess, above what the same command
takes for a one-line script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="peak memory is read from /proc (Linux)"
)

_PROBE = """
import sys
from hischange.cli.main import main
sys.argv = ["hischange", "sql", "review", sys.argv[1], "--format", "json"]
try:
    main()
except SystemExit:
    pass
# VmHWM, not ru_maxrss: Linux carries the forking parent's (pytest's) peak into a child's
# ru_maxrss, which would hide the review's own
status = open("/proc/self/status").read().splitlines()
print(next(l.split()[1] for l in status if l.startswith("VmHWM:")), file=sys.stderr)
"""
_CHUNK = (
    "-- 变更脚本\nUPDATE pat SET flag = 1 WHERE id = 42;\nSELECT a, b FROM t WHERE c = 'x;y';\n"
    "DELETE FROM tmp_log WHERE created < DATE '2026-01-01';\n"
    "BEGIN\n  UPDATE t SET a = 1 WHERE b = 2;\nEND;\n/\nCREATE INDEX ix_a ON t (a) ONLINE;\n"
)


def _peak_kib(script: Path) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HISCHANGE_")}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(script)],
        cwd=script.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    return int(proc.stderr.strip().splitlines()[-1])


@pytest.mark.slow
def test_json_review_of_a_large_script_stays_within_five_times_its_size(tmp_path: Path) -> None:
    """A 3 MB script of 60,000 statements (Chinese comments make the text two bytes a
    character): the review's memory above a tiny review's is at most five times the file."""
    small = tmp_path / "small.sql"
    small.write_text(_CHUNK, encoding="utf-8")
    big = tmp_path / "big.sql"
    big.write_text(_CHUNK * (3 * 1024 * 1024 // len(_CHUNK.encode())), encoding="utf-8")
    size_kib = big.stat().st_size // 1024
    grown = _peak_kib(big) - _peak_kib(small)
    assert grown <= 5 * size_kib, f"{grown} KiB for a {size_kib} KiB script"
