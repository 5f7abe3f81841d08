"""Period reports and the assessor bundle against `audit verify` on the same ledger.

A monthly report replays the ledger up to the month's end, as `audit verify` replays all of
it; the bundle's verification walks the same chain core plus a SHA-256 of every member and a
byte-for-byte rebuild of the zip. Peer: `verify_store` of the same project, same run.
Targets: `report monthly` <= 2x `audit verify`; `audit verify --bundle` <= 3x `audit verify`.

    .venv/bin/python bench/reports.py [--events 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger import build

from hischange.services.audit import verify_store
from hischange.services.bundle import export_bundle, verify_bundle
from hischange.services.reports import monthly_report


def _best(repeat: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as where:
        proj = build(Path(where) / "p", args.events, 5000)
        month = datetime.now(UTC).astimezone().strftime("%Y-%m")
        bundle = Path(where) / "bundle.zip"
        peer = _best(args.repeat, lambda: verify_store(proj))
        report = _best(args.repeat, lambda: monthly_report(proj, month))
        export = _best(1, lambda: export_bundle(proj, bundle))
        check = _best(args.repeat, lambda: verify_bundle(bundle))
        assert verify_bundle(bundle).ok
        proj.close()
    print(f"{args.events:,} events; peer audit verify (verify_store): {peer:.2f} s")
    for name, took, target in (
        ("report monthly", report, 2.0),
        ("audit export --bundle", export, None),
        ("audit verify --bundle", check, 3.0),
    ):
        ratio = took / peer
        verdict = "" if target is None else (" PASS" if ratio <= target else " MISS")
        limit = "" if target is None else f" (target <= {target:.0f}x)"
        print(f"  {name:<24} {took:7.2f} s  {ratio:5.2f}x{limit}{verdict}")


if __name__ == "__main__":
    main()
