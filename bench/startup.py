"""Benchmark: ``hischange --help`` start-up against ``python -c pass`` (same interpreter).

Run from the project root: ``.venv/bin/python bench/startup.py``. Both are run as
subprocesses, best of N (default 20). Target: ``hischange --help`` <= 3x ``python -c pass``.
Also timed, as the floor any click-based command line shares: ``python -c "import click"``
(click is the project's CLI framework; ``hischange --help`` cannot start faster than it).
On a miss, the modules imported at start-up are listed with ``python -X importtime``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path


def best_of(cmd: list[str], runs: int) -> float:
    """The fastest wall time of ``runs`` executions of ``cmd`` (seconds)."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def heaviest_imports(top: int) -> list[tuple[int, str]]:
    """The ``top`` slowest imports (cumulative microseconds) of ``hischange --help``."""
    code = (
        "import sys; from hischange.cli.main import main; "
        "sys.argv = ['hischange', '--help']; main()"
    )
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in proc.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(.+)$", line)
        if match:
            rows.append((int(match.group(1)), match.group(2)))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    """Time both commands and print the ratio beside the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    script = Path(sys.executable).with_name("hischange")
    exe = str(script) if script.exists() else shutil.which("hischange")
    if exe is None:
        sys.exit("the hischange console script is not installed in this environment")
    baseline = best_of([sys.executable, "-c", "pass"], args.runs)
    floor = best_of([sys.executable, "-c", "import click"], args.runs)
    ours = best_of([exe, "--help"], args.runs)
    ratio = ours / baseline
    verdict = "PASS" if ratio <= 3 else "MISS"
    print(f"{'python -c pass':26}{baseline * 1000:6.1f} ms (best of {args.runs})")
    label = "python -c 'import click'"
    print(f"{label:26}{floor * 1000:6.1f} ms = {floor / baseline:.2f}x (the floor)")
    print(f"{'hischange --help':26}{ours * 1000:6.1f} ms (best of {args.runs})")
    print(f"ratio {ratio:.2f}x   target <= 3x   {verdict}")
    print(f"hischange's own share: {(ours - floor) * 1000:.1f} ms above importing click")
    if verdict == "MISS":
        print("heaviest imports (cumulative µs):")
        for micros, name in heaviest_imports(15):
            print(f"  {micros:9,d}  {name}")


if __name__ == "__main__":
    main()
