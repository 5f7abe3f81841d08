"""`make demo`'s script runs end to end."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).parents[1] / "examples" / "demo.py"


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("HISCHANGE_RUN_SLOW"), reason="slow: set HISCHANGE_RUN_SLOW=1"
)
def test_demo_runs_and_ends_verified() -> None:
    """The demo exits 0 and its last audit verify reports an intact ledger."""
    proc = subprocess.run(
        [sys.executable, str(DEMO)], capture_output=True, text=True, check=False, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "ledger OK" in proc.stdout
    assert "(exit 5, as expected)" in proc.stdout
    # it ends with the month's report and the assessor bundle, and says where they are
    tail = proc.stdout.split("the paperwork a hospital files (kept after the demo):")[1]
    listed = tail.strip().split("\n\n", 1)[0]  # the list ends at the first blank line
    written = [Path(line.strip()) for line in listed.splitlines()]
    try:
        assert {p.suffix for p in written} >= {".html", ".zip"}, written
        assert all(p.is_file() and p.stat().st_size > 0 for p in written), written
        assert "bundle" in proc.stdout and "OK" in proc.stdout
    finally:
        shutil.rmtree(written[0].parents[1], ignore_errors=True)
