"""Benchmark: ``hischange custody scan`` of a whole history vs raw ``git log`` of it.

    python bench/custody.py                 # synthetic 50,000-commit repository (cached)
    python bench/custody.py --commits 100000
    python bench/custody.py --repo PATH     # any real repository, whole history of HEAD

The synthetic repository is built once with ``git fast-import`` under ``bench/.cache/``, and
with it a project template: a ``git clone --shared`` of it with ``hischange init`` and the
changes its trailers name registered through ``register_change``. Every timed scan starts
from a copy of the template's store, so the first scan records every link and the second
(idempotent) records nothing. Timed in the same run, interleaved, best of N each:

* raw ``git log --format=%H%x00%B HEAD`` in the project, and git alone running the scan's
  own ``git log`` (its format, ``-z``, ``--reverse``);
* the console script ``hischange custody scan HEAD`` as a subprocess (this includes
  interpreter start-up and imports): first scan; second scan (it finds the memo the first
  left and asks git for nothing); second scan with ``--full`` (reads every commit again);
  and a scan after ``--new`` commits (1,000 by default) arrived since the last scan (the
  store of a first scan of ``HEAD~1000``: it reads and records only the new commits);
* ``hischange.services.custody_scan.scan_range`` in-process: first, second, second with ``full``.

With ``--repo`` no change is registered (a real repository's trailers name none of ours),
so the scans read and link every commit but record nothing.

Peak memory is the ``ru_maxrss`` of a ``hischange custody scan`` process (started through a
small helper interpreter, see ``_RUN_CLI``) and, separately, of its ``git log`` child, for
the last 10,000 commits and for the whole history (first, second and second ``--full``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hischange.events import ChangeFields
from hischange.ids import CHANGE_ID, next_yearly_id
from hischange.project import Project, init_project
from hischange.services.changes import (
    approve_change,
    next_change_id,
    register_change,
    submit_change,
)
from hischange.services.custody import check_range
from hischange.services.custody_scan import scan_range
from hischange.vcs.history import _FORMAT
from hischange.workflow import change
from hischange.workflow.projector import project

CACHE = Path(__file__).resolve().parent / ".cache"
BASE_EPOCH = 1704067200  # 2024-01-01T00:00:00Z
ACTOR = "bench@vendor.example"
#: Changes per year the synthetic trailers name (CR-2025-0001.., CR-2026-0001..); the second
#: trailer of every third commit also names CR-2026-0251..0300, which are never registered.
PER_YEAR = 250
YEARS = (2025, 2026)
_SUBJECTS = [
    "门诊挂号: 增加医保电子凭证支付",
    "Fix report totals",
    "接口调整: LIS 结果回传",
    "Refactor",
]
_HISCHANGE = Path(sys.executable).parent / "hischange"


def _message(i: int) -> str:
    subject = _SUBJECTS[i % len(_SUBJECTS)]
    body = f"Detail line for commit {i}.\nSecond line with more words about the change.\n"
    trailers = f"HIS-Change: CR-{YEARS[i % 2]}-{(i // 2) % PER_YEAR + 1:04d}\n"
    if i % 3 == 0:
        trailers += f"HIS-Change: CR-2026-{(i * 7) % (PER_YEAR + 50) + 1:04d}\n"
    if i % 5 == 0:
        trailers += "Signed-off-by: 张三 <zhang.san@vendor.example>\n"
    if i % 97 == 0:
        trailers = f"需求编号: CR-2026-{i % PER_YEAR + 1:04d}\n" + trailers  # git drops this block
    return f"{subject} #{i}\n\n{body}\n{trailers}"


def _fast_import_stream(commits: int, message: Callable[[int], str] = _message) -> bytes:
    out: list[bytes] = []
    for i in range(commits):
        stamp = f"{BASE_EPOCH + 60 * i} +0800"
        msg = message(i).encode()
        content = f"line {i}\n".encode()
        out.append(
            b"commit refs/heads/main\n"
            + f"author Dev {i % 13} <dev{i % 13}@vendor.example> {stamp}\n".encode()
            + f"committer Dev {i % 13} <dev{i % 13}@vendor.example> {stamp}\n".encode()
            + f"data {len(msg)}\n".encode()
            + msg
            + f"\nM 644 inline src/f{i % 200}.txt\ndata {len(content)}\n".encode()
            + content
            + b"\n"
        )
    return b"".join(out)


def build_repo(commits: int) -> Path:
    """Build (once) and return a bare synthetic repository of ``commits`` commits."""
    path = CACHE / f"custody-v2-{commits}"
    if (path / "HEAD").exists():
        return path
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
    started = time.perf_counter()
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet"],
        input=_fast_import_stream(commits),
        check=True,
    )
    subprocess.run(["git", "-C", str(path), "commit-graph", "write", "--reachable"], check=True)
    print(f"built {path} with {commits} commits in {time.perf_counter() - started:.1f} s")
    return path


def _clock(year: list[int]) -> Callable[[], datetime]:
    return lambda: datetime(year[0], 6, 1, tzinfo=UTC)


def build_template(repo: Path, name: str, register: bool) -> Path:
    """A project (shared clone + ``hischange init`` + registered changes); store kept aside."""
    path = CACHE / f"{name}-project"
    if (path / "pristine.db").exists():
        return path
    shutil.rmtree(path, ignore_errors=True)
    work = path / "work"
    subprocess.run(
        ["git", "clone", "-q", "--shared", "--no-checkout", str(repo), str(work)], check=True
    )
    started = time.perf_counter()
    year = [YEARS[0]]
    proj, _ = init_project(work, clock=_clock(year))
    if register:
        for y in YEARS:
            year[0] = y  # ids are allocated per year of the store's clock
            for n in range(PER_YEAR):
                fields = ChangeFields(kind="customization", title=f"bench change {y} #{n + 1}")
                register_change(proj, ACTOR, fields)
    proj.close()
    shutil.copy2(work / ".hischange" / "hischange.db", path / "pristine.db")
    print(f"project template {path} in {time.perf_counter() - started:.1f} s")
    return path


def upgrade_template(template: Path) -> None:
    """Bring a cached template's store to this hischange's schema (once, not in a timing)."""
    Project(fresh_store(template)).close()
    shutil.copy2(template / "work" / ".hischange" / "hischange.db", template / "pristine.db")


def fresh_store(template: Path) -> Path:
    """Reset the template's work project to the pristine store; return the project root."""
    work = template / "work"
    state = work / ".hischange"
    for extra in ("hischange.db-wal", "hischange.db-shm"):
        (state / extra).unlink(missing_ok=True)
    shutil.copy2(template / "pristine.db", state / "hischange.db")
    return work


# The history reader's own git arguments, to time git alone on what the scan asks of it.
_OUR_LOG = ["log", "-z", "--no-color", "--no-show-signature", "--encoding=UTF-8"]
_OUR_LOG += [f"--format={_FORMAT}", "--reverse"]


def time_git_log(root: Path, rev_range: str, ours: bool = False) -> float:
    """Seconds for ``git log --format=%H%x00%B`` of the range (or the scan's own ``git log``
    with ``ours``), its output read fully."""
    args = _OUR_LOG if ours else ["log", "--format=%H%x00%B"]
    started = time.perf_counter()
    proc = subprocess.Popen(["git", "-C", str(root), *args, rev_range], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    while proc.stdout.read(1 << 16):
        pass
    if proc.wait() != 0:
        raise SystemExit("git log failed")
    return time.perf_counter() - started


# Linux keeps a process's peak RSS across exec, and a child forked from this (large)
# process starts with it: a small interpreter in between starts the measured one, which
# runs the console script's entry point and reports its own peak and git's (its child).
_SPAWN = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"
_RUN_CLI = (
    "import atexit, os, resource, sys\n"
    "from hischange.cli.main import main\n"
    "def report():\n"
    "    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    git = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "    with open(os.environ['BENCH_RSS_FILE'], 'w') as out:\n"
    "        out.write(f'{own} {git}')\n"
    "atexit.register(report)\n"
    "sys.argv[0] = 'hischange'\n"
    "main()\n"
)


def run_cli(root: Path, rev_range: str, *extra: str) -> tuple[float, str]:
    """Seconds and output of the console script ``hischange custody scan`` as a child."""
    command = [str(_HISCHANGE), "custody", "scan", rev_range, *extra, "--as", ACTOR]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"hischange custody scan failed ({done.returncode}): {done.stderr}")
    return elapsed, done.stdout.strip()


def peak_rss(root: Path, rev_range: str, *extra: str) -> tuple[int, int]:
    """Peak RSS (KiB) of a ``hischange custody scan`` process and of its ``git log``."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "rss"
        command = [sys.executable, "-c", _SPAWN, sys.executable, "-c", _RUN_CLI]
        subprocess.run(
            [*command, "custody", "scan", rev_range, *extra, "--as", ACTOR],
            cwd=root,
            env={**os.environ, "BENCH_RSS_FILE": str(report)},
            check=True,
            capture_output=True,
        )
        own, git = report.read_text().split()
    return int(own), int(git)


def time_library(root: Path, rev_range: str, full: bool = False) -> tuple[float, int]:
    """Seconds of ``scan_range`` in-process, and how many links it recorded."""
    started = time.perf_counter()
    proj = Project(root)
    try:
        result = scan_range(proj, ACTOR, rev_range, full=full)
    finally:
        proj.close()  # included: closing the last connection checkpoints SQLite's WAL
    return time.perf_counter() - started, result.new_links


def time_check(root: Path, rev_range: str) -> tuple[float, int]:
    """Seconds of the gate (``check_range``) in-process, and how many violations it found."""
    started = time.perf_counter()
    proj = Project(root)
    try:
        report = check_range(proj, rev_range)
    finally:
        proj.close()
    return time.perf_counter() - started, len(report.violations)


def _startup() -> float:
    """Seconds to start Python and import what ``custody scan`` imports (a fixed cost)."""
    started = time.perf_counter()
    imports = "import hischange.cli.main, hischange.services.custody_scan"
    subprocess.run([sys.executable, "-c", imports], check=True, capture_output=True)
    return time.perf_counter() - started


def _count(root: Path, rev_range: str) -> int:
    out = subprocess.run(
        ["git", "-C", str(root), "rev-list", "--count", rev_range],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout)


def _row(label: str, seconds: float, commits: int, raw: float) -> str:
    return (
        f"{label:<34} {seconds:7.3f} s {commits / seconds:10,.0f} commits/s {seconds / raw:6.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=50_000)
    parser.add_argument("--repo", type=Path, help="measure this repository instead")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--new", type=int, default=1000, help="commits added since a scan")
    parser.add_argument("--cost", action="store_true", help="issue 15's three cost figures")
    parser.add_argument("--cost-commits", type=int, default=60_000)
    parser.add_argument("--registrations", type=int, default=200)
    args = parser.parse_args()
    if args.cost:
        cost_main(args.cost_commits, args.runs, args.registrations)
        return
    if args.repo:
        repo = args.repo.resolve()
        name = "repo-" + "-".join(repo.parts[-2:])
    else:
        repo = build_repo(args.commits)
        name = repo.name
    template = build_template(repo, name, register=args.repo is None)
    upgrade_template(template)
    root = template / "work"
    total = _count(root, "HEAD")
    samples: dict[str, list[float]] = {}
    startup = min(_startup() for _ in range(3))
    run_cli(fresh_store(template), "HEAD")  # warm-up: disk caches
    new = min(args.new, total - 1)

    def sample(name: str, seconds: float) -> None:
        samples.setdefault(name, []).append(seconds)

    for _ in range(args.runs):
        # interleaved: on a shared machine each measure sees the same load
        sample("raw", time_git_log(root, "HEAD"))
        sample("ours", time_git_log(root, "HEAD", ours=True))
        sample("cli1", run_cli(fresh_store(template), "HEAD")[0])
        sample("cli2", run_cli(root, "HEAD")[0])
        sample("cli2full", run_cli(root, "HEAD", "--full")[0])
        time_library(fresh_store(template), f"HEAD~{new}")  # the last scan, before a push
        sample("clinew", run_cli(root, "HEAD")[0])
        lib1, recorded = time_library(fresh_store(template), "HEAD")
        sample("lib1", lib1)
        lib2, again = time_library(root, "HEAD")
        sample("lib2", lib2)
        lib2full, again_full = time_library(root, "HEAD", full=True)
        sample("lib2full", lib2full)
        assert again == again_full == 0, "a second scan recorded links"
        # the gate of a release's range: reads only the changes that range names
        sample("rawnew", time_git_log(root, f"HEAD~{new}..HEAD"))
        sample("checknew", time_check(root, f"HEAD~{new}..HEAD")[0])
        sample("checkall", time_check(root, "HEAD")[0])
    best = {k: min(v) for k, v in samples.items()}
    raw = best["raw"]
    print(f"repository: {repo} ({total} commits, {recorded} links recorded, best of {args.runs})")
    rows = [
        ("git log --format=%H%x00%B", "raw"),
        ("git log, the scan's own format", "ours"),
        ("hischange custody scan (first)", "cli1"),
        ("hischange custody scan (second)", "cli2"),
        ("custody scan --full (second)", "cli2full"),
        (f"custody scan, {new} new commits", "clinew"),
        ("scan_range in-process (first)", "lib1"),
        ("scan_range in-process (second)", "lib2"),
        ("scan_range full=True (second)", "lib2full"),
    ]
    for label, name in rows:
        print(_row(label, best[name], total, raw))
    print(f"of which start-up (python + imports of the scan): {startup:.3f} s")
    print(_row(f"git log of the last {new}", best["rawnew"], new, best["rawnew"]))
    print(_row(f"check_range of the last {new}", best["checknew"], new, best["rawnew"]))
    print(_row("check_range of all (in-process)", best["checkall"], total, raw))
    small = min(10_000, total)
    ranges = [(f"last {small}", f"HEAD~{small}..HEAD")] if small < total else []
    for label, rng in [*ranges, (f"all {total}", "HEAD")]:
        first, git = peak_rss(fresh_store(template), rng)
        second, _ = peak_rss(root, rng)
        full, _ = peak_rss(root, rng, "--full")
        print(
            f"peak RSS, {label:>12} commits: first scan {first / 1024:6.1f} MiB, second "
            f"{second / 1024:6.1f} MiB, second --full {full / 1024:6.1f} MiB; "
            f"git log {git / 1024:6.1f} MiB"
        )


# --- issue 15: cost follows the range, not the store ------------------------------------
#
# A history of --cost-commits commits (60,000), commit i naming CR-2026-{i // 2 + 1}: 30,000
# changes registered in one year, two commits each. Measured: (1) registering changes on an
# empty store vs. on the store holding the 30,000 (the id allocation must not read the
# year's keys); (2) the peak RSS of the first scan (records every link); (3) `custody check`
# of the last 1,000 commits on the scanned store (60,000 linked commits), as a process
# (time and peak RSS) and in-process, against `git log` of the same range.


def _cost_message(i: int) -> str:
    return f"门诊挂号修复 #{i}\n\nDetail line {i}.\n\nHIS-Change: CR-2026-{i // 2 + 1:04d}\n"


def build_cost_template(commits: int) -> Path:
    """The repository, a project with ``commits // 2`` changes registered (bulk, in
    transactions of 1,000), kept as ``pristine.db``, and the store after one scan as
    ``scanned.db``."""
    path = CACHE / f"cost-v2-{commits}"
    if (path / "scanned.db").exists():
        return path
    shutil.rmtree(path, ignore_errors=True)
    bare = path / "repo.git"
    bare.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    stream = _fast_import_stream(commits, _cost_message)
    subprocess.run(["git", "-C", str(bare), "fast-import", "--quiet"], input=stream, check=True)
    subprocess.run(["git", "-C", str(bare), "commit-graph", "write", "--reachable"], check=True)
    work = path / "work"
    subprocess.run(
        ["git", "clone", "-q", "--shared", "--no-checkout", str(bare), str(work)], check=True
    )
    started = time.perf_counter()
    proj, _ = init_project(work, clock=_clock([2026]))
    config = work / ".hischange" / "config.toml"
    config.write_text('[roles]\napprovers = ["reviewer@hospital"]\n', encoding="utf-8")
    proj.close()
    proj = Project(work, clock=_clock([2026]))
    fields = ChangeFields(kind="customization", title="bench change", rollback_plan="恢复上一版本")
    due = datetime(2026, 12, 31, tzinfo=UTC)
    total = commits // 2
    for start in range(0, total, 1000):
        with proj.store.write(project) as tx:
            events: list[Any] = []
            for n in range(start + 1, min(start + 1000, total) + 1):
                events += change.decide_register(f"CR-2026-{n:04d}", fields, due)
            tx.append(ACTOR, events)
    # the changes the last 1,000 commits name are approved: the gate measured passes
    for n in range(total - 500 + 1, total + 1):
        submit_change(proj, ACTOR, f"CR-2026-{n:04d}")
        approve_change(proj, "reviewer@hospital", f"CR-2026-{n:04d}")
    proj.close()
    shutil.copy2(work / ".hischange" / "hischange.db", path / "pristine.db")
    print(f"cost template: {total} changes registered in {time.perf_counter() - started:.1f} s")
    proj = Project(work)
    scan_range(proj, ACTOR, "HEAD")
    proj.close()
    shutil.copy2(work / ".hischange" / "hischange.db", path / "scanned.db")
    return path


def _store_copy(template: Path, name: str) -> Path:
    state = template / "work" / ".hischange"
    for extra in ("hischange.db-wal", "hischange.db-shm"):
        (state / extra).unlink(missing_ok=True)
    shutil.copy2(template / name, state / "hischange.db")
    return template / "work"


def _registrations(root: Path, count: int) -> float:
    """Changes registered per second through ``register_change`` (one transaction each)."""
    proj = Project(root, clock=_clock([2026]))
    fields = ChangeFields(kind="customization", title="one more")
    try:
        started = time.perf_counter()
        for _ in range(count):
            register_change(proj, ACTOR, fields)
        return count / (time.perf_counter() - started)
    finally:
        proj.close()


def _allocations(root: Path, count: int) -> tuple[float, float]:
    """Microseconds per id allocation, in a write transaction of its own each (nothing
    appended): ``next_change_id`` (index probes), and the former way (every key of the
    year read, then the highest number)."""
    proj = Project(root, clock=_clock([2026]))
    try:
        started = time.perf_counter()
        for _ in range(count):
            with proj.store.write(project) as tx:
                next_change_id(tx, 2026)
        probes = (time.perf_counter() - started) / count * 1e6
        started = time.perf_counter()
        for _ in range(count):
            with proj.store.write(project) as tx:
                next_yearly_id(CHANGE_ID, "CR", 2026, tx.keys("change", "CR-2026-"))
        listing = (time.perf_counter() - started) / count * 1e6
        return probes, listing
    finally:
        proj.close()


def _cli_peak(root: Path, *args: str) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of one ``hischange`` process (via the helper interpreter;
    the exit status is not checked: a gate may fail)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "rss"
        command = [sys.executable, "-c", _SPAWN, sys.executable, "-c", _RUN_CLI, *args]
        started = time.perf_counter()
        subprocess.run(
            command, cwd=root, env={**os.environ, "BENCH_RSS_FILE": str(report)},
            check=False, capture_output=True,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        own, _ = report.read_text().split()
    return elapsed, int(own)


def cost_main(commits: int, runs: int, registrations: int) -> None:
    """The three cost figures of issue 15."""
    template = build_cost_template(commits)
    root = template / "work"
    changes = commits // 2
    empty = template / "empty"
    if not (empty / ".hischange").exists():
        empty.mkdir(exist_ok=True)
        init_project(empty, clock=_clock([2026]))[0].close()
        shutil.copy2(empty / ".hischange" / "hischange.db", template / "empty.db")
    rates: dict[str, list[float]] = {"empty": [], "full": []}
    alloc: dict[str, list[tuple[float, float]]] = {"empty": [], "full": []}
    scans: list[int] = []
    gate: dict[str, list[float]] = {"log": [], "cli": [], "lib": [], "startup": []}
    gate_rss: list[int] = []
    rng = "HEAD~1000..HEAD"
    for _ in range(runs):
        shutil.copy2(template / "empty.db", empty / ".hischange" / "hischange.db")
        rates["empty"].append(_registrations(empty, registrations))
        rates["full"].append(_registrations(_store_copy(template, "pristine.db"), registrations))
        alloc["empty"].append(_allocations(empty, registrations))
        alloc["full"].append(_allocations(_store_copy(template, "pristine.db"), registrations))
        scans.append(_cli_peak(_store_copy(template, "pristine.db"), "custody", "scan", "HEAD",
                               "--as", ACTOR)[1])  # fmt: skip
        _store_copy(template, "scanned.db")
        gate["log"].append(time_git_log(root, rng))
        seconds, rss = _cli_peak(root, "custody", "check", rng)
        gate["cli"].append(seconds)
        gate_rss.append(rss)
        gate["lib"].append(time_check(root, rng)[0])
        gate["startup"].append(_startup())
    empty_rate, full_rate = max(rates["empty"]), max(rates["full"])
    print(f"cost: {commits} commits, {changes} changes in 2026, best of {runs}")
    print(f"register_change, empty year:            {empty_rate:7.1f} changes/s")
    print(f"register_change, {changes} in the year: {full_rate:7.1f} changes/s "
          f"({full_rate / empty_rate:.2f}x of empty)")  # fmt: skip
    for label, key in (("empty year", "empty"), (f"{changes} in the year", "full")):
        probes = min(a for a, _ in alloc[key])
        listing = min(b for _, b in alloc[key])
        print(f"id allocation, {label}: {probes:8.0f} us (index probes); "
              f"{listing:8.0f} us (former: read every key of the year)")  # fmt: skip
    print(f"first scan peak RSS ({commits} commits): {min(scans) / 1024:6.1f} MiB")
    log, cli, lib = min(gate["log"]), min(gate["cli"]), min(gate["lib"])
    print(f"git log {rng}:                 {log:.3f} s")
    print(f"hischange custody check {rng}: {cli:.3f} s ({cli / log:.1f}x), "
          f"peak RSS {min(gate_rss) / 1024:.1f} MiB")  # fmt: skip
    print(f"check_range in-process:                  {lib:.3f} s ({lib / log:.1f}x)")
    print(f"start-up (python + imports):             {min(gate['startup']):.3f} s")


if __name__ == "__main__":
    main()
