"""Benchmark: import a 50,000-case JUnit report against a bare defusedxml iterparse.

Run from the project root: ``.venv/bin/python bench/evidence.py``. The generated report is
cached under ``bench/.cache/``. Prints both times (best of N runs), their ratio, the file
size, and import_report's peak traced memory (tracemalloc) against the file size.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from defusedxml.ElementTree import iterparse

from hischange.testing import import_report

CACHE = Path(__file__).resolve().parent / ".cache"


def generate(path: Path, cases: int, fail_every: int) -> None:
    """Write a pytest-style JUnit file; every ``fail_every``-th case fails with ~20 KB of text."""
    long_text = escape("E   AssertionError: 期望值与实际值不符 expected != actual\n" * 400)
    failures = cases // fail_every if fail_every else 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites>')
        out.write(
            f'<testsuite name="pytest" errors="0" failures="{failures}" skipped="0" '
            f'tests="{cases}" time="123.456" timestamp="2026-01-05T10:00:00" hostname="bench">'
        )
        for i in range(cases):
            classname = quoteattr(f"tests.module_{i // 100}.TestGroup")
            name = quoteattr(f"test_case_{i}[参数-{i % 7}]")
            if fail_every and i % fail_every == fail_every - 1:
                out.write(
                    f'<testcase classname={classname} name={name} time="0.{i % 1000:03d}">'
                    f'<failure message="assert {i} == {i + 1}">{long_text}</failure>'
                    "<system-out>captured output\n</system-out></testcase>\n"
                )
            else:
                out.write(f'<testcase classname={classname} name={name} time="0.001"/>\n')
        out.write("</testsuite></testsuites>\n")


def bare_parse(path: Path) -> int:
    """The limit: a defusedxml iterparse over the file that only clears elements."""
    count = 0
    for _event, elem in iterparse(str(path), events=("end",)):
        if elem.tag == "testcase":
            count += 1
        elem.clear()
    return count


def best_of(runs: int, *funcs: Callable[[], object]) -> list[float]:
    """Fastest wall-clock time of each function over ``runs`` rounds, in seconds.

    The functions alternate within each round, so load from other processes on a shared
    machine affects both alike instead of biasing the ratio.
    """
    best = [float("inf")] * len(funcs)
    for _ in range(runs):
        for i, func in enumerate(funcs):
            start = time.perf_counter()
            func()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main() -> None:
    """Generate (or reuse) the report, time both parsers, measure peak memory, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--fail-every", type=int, default=50, help="1 case in N fails (0: all pass)"
    )
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"junit-{args.cases}-f{args.fail_every}.xml"
    if not path.exists():
        generate(path, args.cases, args.fail_every)
    size = path.stat().st_size

    report = import_report(path)
    assert report.totals.tests == args.cases == bare_parse(path)
    t_import, t_bare = best_of(args.runs, lambda: import_report(path), lambda: bare_parse(path))

    tracemalloc.start()
    import_report(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    mib = 1024 * 1024
    print(f"file: {path.name}  {size / mib:.1f} MiB, {args.cases} cases")
    print(f"import_report:          {t_import:.3f} s (best of {args.runs})")
    print(f"bare defusedxml iterparse: {t_bare:.3f} s (best of {args.runs})")
    print(f"ratio import/bare:      {t_import / t_bare:.2f}x (target <= 2x)")
    print(f"import_report peak mem: {peak / mib:.1f} MiB = {peak / size:.0%} of file size")
    print(f"peak per case:          {peak / args.cases:.0f} bytes")


if __name__ == "__main__":
    main()
