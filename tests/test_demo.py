"""`make demo`'s script runs end to end."""

from __future__ import annotations

import os
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
