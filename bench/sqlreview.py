"""Benchmark the SQL review engine against ``sqlfluff lint`` and show linear growth.

Run: ``.venv/bin/python bench/sqlreview.py [--sqlfluff-timeout 120]`` from the repo root.
``--only insert`` (or corpus, package, mixed, growth, split, command, memory) runs one part;
``--repeat N`` reports the best of N runs of ours; ``--no-sqlfluff`` times ours alone. sqlfluff
runs with its file-size, parse-node and parse-depth limits lifted (``NO_LIMITS``), with JSON
output, so each file it fails to parse is counted and shown beside the ratio. Generated
inputs are cached under bench/.cache/. ``command`` times ``hischange sql review small.sql`` as a
user runs it, against ``python -c "import sqlparse"``; ``memory`` gives the peak RSS of
``hischange sql review mixed.sql --format json`` for ``--memory-mb`` (default 10) against the
same command on a one-line script.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlparse

from hischange.sqlreview import review_sql

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
CORPUS = ROOT / ".." / "shared" / "corpus" / "sqlfluff-dialects"
MB = 1024 * 1024


def _package(lines: int) -> str:
    procs = []
    for i in range(lines // 10):
        procs.append(
            f"  PROCEDURE p{i}(a NUMBER) IS\n  BEGIN\n    UPDATE t SET x = {i} WHERE id = a;\n"
            f"    IF a > 1 THEN\n      DELETE FROM s WHERE id = a; -- 删除\n    END IF;\n"
            f"    INSERT INTO log (id, msg) VALUES (a, 'p{i};');\n"
            "  EXCEPTION WHEN OTHERS THEN NULL;"
            f"\n  END p{i};"
        )
    return "CREATE OR REPLACE PACKAGE BODY pkg AS\n" + "\n".join(procs) + "\nEND pkg;\n/\n"


def _insert(rows: int) -> str:
    values = ",\n".join(f"({i}, 'name {i}', '2026-01-01', {i * 3 % 97})" for i in range(rows))
    return f"INSERT INTO pat_visit (id, name, visit_date, dept) VALUES\n{values};\n"


def _mixed(size: int) -> str:
    chunk = (
        "-- 变更脚本\nUPDATE pat SET flag = 1 WHERE id = 42;\nSELECT a, b FROM t WHERE c = 'x;y';\n"
        "DELETE FROM tmp_log WHERE created < DATE '2026-01-01';\n"
        "BEGIN\n  UPDATE t SET a = 1 WHERE b = 2;\nEND;\n/\nCREATE INDEX ix_a ON t (a) ONLINE;\n"
    )
    return chunk * (size // len(chunk) + 1)


def _generated() -> list[tuple[str, str, Path]]:
    CACHE.mkdir(parents=True, exist_ok=True)
    made = [
        ("plsql package 5,000 lines", "oracle", "package.sql", _package(5000)),
        ("INSERT 10,000 rows", "oracle", "insert.sql", _insert(10000)),
        ("mixed script 5 MB", "oracle", "mixed5.sql", _mixed(5 * MB)),
    ]
    out = []
    for label, dialect, name, text in made:
        path = CACHE / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")
        out.append((label, dialect, path))
    return out


def _ours(paths: list[Path], dialect: str, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for p in paths:
            review_sql(p, dialect=dialect)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - start)
    return best


#: sqlfluff's own limits, lifted so that it parses what it is given instead of giving up:
#: files over 20,000 bytes are skipped by default, and a parse tree over 100,000 nodes (or
#: deeper than 600) ends the parse with an error. We have neither limit.
NO_LIMITS = (
    "[sqlfluff]\nlarge_file_skip_byte_limit = 0\nlarge_file_skip_char_limit = 0\n"
    "max_parse_nodes = 0\nmax_parse_depth = 0\n"
)
#: Violation codes that mean sqlfluff did not parse (part of) the file.
_GAVE_UP = ("PRS", "LXR", "TMP")


class Fluff:
    """One ``sqlfluff lint`` run: its time, and the files it failed to parse."""

    def __init__(self, seconds: float | None, files: int, failed: list[str], note: str = ""):
        self.seconds, self.files, self.failed, self.note = seconds, files, failed, note

    def shown(self) -> str:
        """The time, or why there is none, and the parse failures."""
        if self.seconds is None:
            return self.note
        fails = f", {len(self.failed)}/{self.files} files not parsed" if self.failed else ""
        return f"{self.seconds:.2f}s{fails}"

    def ratio(self, ours: float) -> str:
        """Its time over ours; none when it parsed nothing it was timed on."""
        if self.seconds is None:
            if self.note.startswith(">"):
                return f">{float(self.note[1:].split('s')[0]) / ours:.0f}x"
            return "-"
        if len(self.failed) == self.files:
            return "- (sqlfluff failed to parse)"
        return f"{self.seconds / ours:.0f}x"


def _sqlfluff(paths: list[Path], dialect: str, timeout: float) -> Fluff:
    if timeout <= 0:
        return Fluff(None, len(paths), [], "not run")
    exe = shutil.which("sqlfluff", path=str(Path(sys.executable).parent))
    if exe is None:
        return Fluff(None, len(paths), [], "sqlfluff not installed")
    config = CACHE / "sqlfluff-nolimit.cfg"
    config.write_text(NO_LIMITS, encoding="utf-8")
    cmd = [exe, "lint", "--dialect", dialect, "--nofail", "--disable-progress-bar"]
    cmd += ["--config", str(config), "--format", "json"]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [*cmd, *map(str, paths)], capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return Fluff(None, len(paths), [], f">{timeout:.0f}s (timeout)")
    took = time.perf_counter() - start
    return Fluff(took, len(paths), _not_parsed(done.stdout, paths))


def _not_parsed(stdout: bytes, paths: list[Path]) -> list[str]:
    """The files sqlfluff reported a parse, lex or templating failure for (every file when
    its output is not the JSON it promises: it crashed)."""
    try:
        results = json.loads(stdout.decode("utf-8", "replace") or "[]")
    except ValueError:
        return [str(p) for p in paths]
    return [
        r.get("filepath", "?")
        for r in results
        if any(str(v.get("code", "")).startswith(_GAVE_UP) for v in r.get("violations", ()))
    ]


SMALL = (
    "-- 门诊挂号费调整\nUPDATE reg_fee SET fee = 12 WHERE fee_code = 'GH01';\n"
    "INSERT INTO fee_log (fee_code, fee, note) VALUES ('GH01', 12, '2026 调价');\n"
) * 10


def _best(cmd: list[str], runs: int, cwd: Path | None = None) -> float:
    # as installed: bytecode written (a PYTHONDONTWRITEBYTECODE shell would time compiling)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    best = float("inf")
    for _ in range(runs + 1):  # the first run warms the bytecode and file caches
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def _command(runs: int) -> None:
    """The command a user runs, ``hischange sql review small.sql`` in a project that is a git
    repository, against ``python -c "import sqlparse"`` (the floor: the parser it needs)."""
    hischange = Path(sys.executable).with_name("hischange")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b"}
        env = {**os.environ, **env, "GIT_COMMITTER_EMAIL": "b@x"}
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        subprocess.run([str(hischange), "init"], cwd=root, check=True, stdout=subprocess.DEVNULL)
        (root / "small.sql").write_text(SMALL, encoding="utf-8")
        (root / "small.rollback.sql").write_text(SMALL, encoding="utf-8")
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)
        subprocess.run(["git", "commit", "-qm", "x"], cwd=root, check=True, env=env)
        floor = _best([sys.executable, "-c", "import sqlparse"], runs)
        ours = _best([str(hischange), "sql", "review", "small.sql"], runs, cwd=root)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\ncommand | best of {runs} | ratio to python -c 'import sqlparse'")
    print(f"python -c 'import sqlparse' | {floor * 1000:.0f} ms | 1.0")
    print(f"hischange sql review small.sql | {ours * 1000:.0f} ms | {ours / floor:.1f}")
    print(f"load average (1, 5, 15 min): {load}; {os.cpu_count()} CPUs")


_RSS_PROBE = """
import resource, sys
from hischange.cli.main import main
sys.argv = ["hischange", "sql", "review", sys.argv[1], "--format", "json"]
try:
    main()
except SystemExit:
    pass
ru = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM, not ru_maxrss: Linux carries the forking parent's peak into a child's ru_maxrss
peak = next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(peak, ru.ru_utime + ru.ru_stime, file=sys.stderr)
"""


def _memory(mb: int) -> None:
    """Peak RSS (KiB) and CPU of the command with its JSON going to /dev/null."""
    CACHE.mkdir(parents=True, exist_ok=True)
    big = CACHE / f"mixed{mb}.sql"
    if not big.exists():
        text = _mixed(mb * MB)
        big.write_text(text[: text.rfind("\n", 0, mb * MB) + 1], encoding="utf-8")
    small = CACHE / "one-line.sql"
    small.write_text("UPDATE pat SET flag = 1 WHERE id = 42;\n", encoding="utf-8")
    rows = []
    for path in (small, big):
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", _RSS_PROBE, str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=True,
        )
        rss, cpu = proc.stderr.split()[-2:]
        rows.append((path, int(rss), float(cpu), time.perf_counter() - start))
    size = big.stat().st_size
    print("\ninput | bytes | peak RSS | x input | above one line, x input | CPU | wall")
    for path, rss, cpu, wall in rows:
        n = path.stat().st_size
        above = (rss - rows[0][1]) * 1024 / size if path == big else 0.0
        print(
            f"{path.name} | {n} | {rss / 1024:.1f} MiB | {rss * 1024 / n:.1f} | {above:.1f} |"
            f" {cpu:.1f}s | {wall:.1f}s"
        )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average (1, 5, 15 min): {load}; {os.cpu_count()} CPUs")


def main() -> None:
    """Print the benchmark table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlfluff-timeout", type=float, default=120.0)
    parts = ("corpus", "package", "insert", "mixed", "growth", "split", "command", "memory")
    parser.add_argument("--only", choices=parts, action="append", help="run only these parts")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs of ours")
    parser.add_argument("--no-sqlfluff", action="store_true", help="time ours alone")
    parser.add_argument("--sizes", default="1,2,5,10", help="MB sizes for the growth part")
    parser.add_argument("--memory-mb", type=int, default=10, help="script size for memory")
    args = parser.parse_args()
    only = set(args.only or parts)
    if "memory" in only:
        _memory(args.memory_mb)
        if only == {"memory"}:
            return
    if "command" in only:
        _command(max(args.repeat, 10))
        if only == {"command"}:
            return
    timeout = 0.0 if args.no_sqlfluff else args.sqlfluff_timeout
    expected = json.loads((CORPUS / "expected_statements.json").read_text())
    if timeout > 0:
        print(
            "sqlfluff limits lifted: large_file_skip_byte_limit, large_file_skip_char_limit, "
            "max_parse_nodes and max_parse_depth = 0 (it parses everything, as we do)"
        )
    print("input | bytes | ours | MB/s | sqlfluff lint | ratio")
    failures = 0
    for dialect in ("oracle", "tsql", "mysql", "postgres") if "corpus" in only else ():
        files = [CORPUS / k for k in expected if k.startswith(dialect + "/")]
        size = sum(f.stat().st_size for f in files)
        ours = _ours(files, dialect, args.repeat)
        theirs = _sqlfluff(files, dialect, timeout)
        failures += len(theirs.failed)
        ratio = theirs.ratio(ours)
        if theirs.failed and len(theirs.failed) < len(files):
            # Its give-up time is not a lint time: time both again on what it parsed.
            failed = {str(Path(f).resolve()) for f in theirs.failed}
            parsed = [f for f in files if str(f.resolve()) not in failed]
            again = _sqlfluff(parsed, dialect, timeout)
            ratio = (
                f"{again.ratio(_ours(parsed, dialect, args.repeat))} over the {len(parsed)} parsed"
            )
        print(
            f"corpus {dialect} ({len(files)} files) | {size} | {ours:.3f}s |"
            f" {size / MB / ours:.1f} | {theirs.shown()} | {ratio}"
        )
    for part, (label, dialect, path) in zip(
        ("package", "insert", "mixed"), _generated(), strict=True
    ):
        if part not in only:
            continue
        size = path.stat().st_size
        ours = _ours([path], dialect, args.repeat)
        theirs = _sqlfluff([path], dialect, timeout)
        failures += len(theirs.failed)
        print(
            f"{label} | {size} | {ours:.3f}s | {size / MB / ours:.1f} | {theirs.shown()} |"
            f" {theirs.ratio(ours)}"
        )
    if timeout > 0:
        print(f"sqlfluff failed to parse {failures} file(s) (parse, lex or templating errors)")
    if "growth" in only:
        print("\nsize | ours | s/MB")
        for mb in map(int, args.sizes.split(",")):
            text = _mixed(mb * MB)[: mb * MB]
            took = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                review_sql(text, dialect="oracle")
                took = min(took, time.perf_counter() - start)
            print(f"{mb} MB | {took:.2f}s | {took / mb:.3f}")
    if "split" not in only:
        return
    print("\nsqlparse.split alone: files whose count matches sqlfluff")
    for dialect in ("oracle", "tsql", "mysql", "postgres"):
        keys = [k for k in expected if k.startswith(dialect + "/")]
        ok = sum(
            len([s for s in sqlparse.split((CORPUS / k).read_text("utf-8")) if s.strip()])
            == expected[k]
            for k in keys
        )
        print(f"{dialect}: {ok}/{len(keys)} = {ok / len(keys):.0%}")


if __name__ == "__main__":
    main()
