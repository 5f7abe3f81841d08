"""Benchmark: import a 50,000-case JUnit report against a bare defusedxml iterparse.

Run from the project root: ``.venv/bin/python bench/evidence.py``. The generated report is
cached under ``bench/.cache/``. Prints both times (best of N runs), their ratio, the file
size, and import_report's peak traced memory (tracemalloc) against the file size.

``--command`` instead runs the commands a user runs, each as a subprocess of the venv's
console script in a fresh git project: ``evidence add`` of the report, then ``audit verify``
and ``audit trace`` of the change, and prints for each its wall time and peak resident memory
(``wait4``), the size of the largest event body in the store, and the attachment store's
size. The reference is a bare Python process that reads the file once through SHA-256 (what
``evidence add`` must do at least), in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
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


def run_measured(cmd: list[str], cwd: Path, *, check: bool = True) -> tuple[float, int, str]:
    """Run ``cmd``; return (wall seconds, peak RSS in bytes, stdout). With ``check``, a
    failure ends the benchmark; without, stdout is replaced by the error's first line."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ}
    )
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 and not check:
        return elapsed, usage.ru_maxrss * 1024, "FAILED: " + err.decode().splitlines()[0]
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return elapsed, usage.ru_maxrss * 1024, out.decode()


def command_bench(path: Path) -> None:
    """``evidence add`` / ``audit verify`` / ``audit trace`` as a user runs them."""
    exe = str(Path(sys.executable).with_name("hischange"))
    mib = 1024 * 1024
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="hc-evidence-") as tmp:
        root = Path(tmp)
        git = ["git", "-C", str(root), "-c", "user.name=b", "-c", "user.email=b@example.org"]
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "init"], check=True)
        env_user = ["--as", "dev@vendor"]
        run_measured([exe, "init"], root)
        _, _, out = run_measured(
            [
                exe,
                "change",
                "new",
                "--title",
                "bench",
                "--kind",
                "bugfix",
                *env_user,
                "--format",
                "json",
            ],
            root,
        )
        cid = json.loads(out)["id"]
        hash_once = (
            "import hashlib, sys\nh = hashlib.sha256()\nwith open(sys.argv[1], 'rb') as f:\n"
            "    while b := f.read(1 << 20):\n        h.update(b)"
        )
        t_ref, rss_ref, _ = run_measured([sys.executable, "-c", hash_once, str(path)], root)
        rows = [("python: SHA-256 of the file (reference)", t_ref, rss_ref)]
        t, rss, added = run_measured(
            [exe, "evidence", "add", cid, "--junit", str(path), "--env", "test", *env_user],
            root,
            check=False,
        )
        rows.append(("hischange evidence add", t, rss))
        if added.startswith("FAILED"):
            print(f"evidence add {added}")
        for args in (
            ["audit", "verify"],
            ["audit", "trace", cid],
            ["audit", "trace", cid, "--format", "json"],
        ):
            t, rss, _ = run_measured([exe, *args], root)
            rows.append(
                (
                    "hischange "
                    + " ".join(args[:2])
                    + (" --format json" if "json" in args else ""),
                    t,
                    rss,
                )
            )
        db = root / ".hischange" / "hischange.db"
        with sqlite3.connect(db) as conn:
            biggest = conn.execute("SELECT max(length(body)) FROM events").fetchone()[0]
        blobs = (
            sum(
                f.stat().st_size
                for f in (root / ".hischange" / "attachments").rglob("*")
                if f.is_file()
            )
            if (root / ".hischange" / "attachments").exists()
            else 0
        )
    print(
        f"file: {path.name}  {path.stat().st_size / mib:.1f} MiB; load {load[0]:.2f} "
        f"{load[1]:.2f} {load[2]:.2f} (1/5/15 min, {os.cpu_count()} CPUs)"
    )
    for label, seconds, rss in rows:
        print(f"{label:40} {seconds:7.2f} s  peak RSS {rss / mib:7.1f} MiB")
    print(
        f"largest event body: {biggest / mib:.2f} MiB "
        f"({biggest / path.stat().st_size:.1%} of the report)"
    )
    print(f"attachment store:   {blobs / mib:.2f} MiB")


def main() -> None:
    """Generate (or reuse) the report, time both parsers, measure peak memory, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--fail-every", type=int, default=50, help="1 case in N fails (0: all pass)"
    )
    parser.add_argument(
        "--command",
        action="store_true",
        help="time evidence add / audit verify / audit trace as subprocesses (peak RSS)",
    )
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"junit-{args.cases}-f{args.fail_every}.xml"
    if not path.exists():
        generate(path, args.cases, args.fail_every)
    if args.command:
        command_bench(path)
        return
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
