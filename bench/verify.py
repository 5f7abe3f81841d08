"""Benchmark: `hischange audit verify`, the command as the auditor runs it, against a plain
``sqlite3`` + SHA-256 pass over the same rows (issue 17).

Run from the project root: ``.venv/bin/python bench/verify.py --events 1000000`` (the
store is built once under ``bench/.cache/verify-N/`` and kept for later runs; ``--rebuild``
makes it again). Each figure is the best of ``--repeat`` runs, the runs of every
measurement interleaved (the machine is shared: a burst of load hits all of them alike).
Printed with the machine's load (``os.getloadavg``) before and after.

The references, measured in the same run:

- ``raw read``: ``sqlite3`` reads the columns verify reads (seq, body, prev_hash, hash,
  algorithm, type, actor, at, change_id), in sequence order, and does nothing with them;
- ``raw read+sha256``: the same read, plus SHA-256 over ``prev_hash || body`` for every row,
  compared with the stored hash (the chain check, and nothing else).

Ours:

- ``command``: ``hischange audit verify --db FILE`` as a subprocess (start-up included),
  with its CPU time and peak RSS (``ru_maxrss`` of the child, read by a small spawner
  process): target <= 3x ``raw read+sha256``, memory flat (the same peak at any N);
- ``replay rate``: events per second of the whole command; target >= 1/10 of the raw read's
  rows per second.

And, in-process, where the command's time goes (each step includes the ones above it):
``Store.verify_rows`` read, + ``ChainCursor`` (the chain check), + parsing each event
(pydantic, the event's bytes only), + the replay and derived checks (``verify_store``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import TypeAdapter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ledger import build
from hischange.events import AnyEvent
from hischange.ledger import ChainCursor
from hischange.project import Project
from hischange.services.audit import verify_store

CACHE = Path(__file__).resolve().parent / ".cache"
HISCHANGE = Path(sys.executable).with_name("hischange")
_COLUMNS = "seq, body, prev_hash, hash, algorithm, type, actor, at, change_id"
_validate = TypeAdapter(AnyEvent).validator.validate_json


def _store(events: int, rebuild: bool) -> Path:
    where = CACHE / f"verify-{events}"
    db = where / ".hischange" / "hischange.db"
    if rebuild or not db.exists():
        start = time.perf_counter()
        build(where, events, 100_000).close()
        print(f"(built {events:,} events in {time.perf_counter() - start:.0f} s)")
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    return db


Timing = tuple[float, float]


class _Clock:
    """Wall time and this process's CPU time (user + system) of a block."""

    def __enter__(self) -> _Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.took = (time.perf_counter() - self.wall, time.process_time() - self.cpu)


def raw_read(db: Path) -> Timing:
    with _Clock() as clock:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        for _ in conn.execute(f"SELECT {_COLUMNS} FROM events ORDER BY seq"):
            pass
        conn.close()
    return clock.took


def raw_read_sha(db: Path) -> Timing:
    with _Clock() as clock:
        _raw_read_sha(db)
    return clock.took


def _raw_read_sha(db: Path) -> None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    prev = bytes(32)
    sha256 = hashlib.sha256
    for row in conn.execute(f"SELECT {_COLUMNS} FROM events ORDER BY seq"):
        hasher = sha256(prev + row[1])
        if hasher.hexdigest() != row[3]:
            raise SystemExit(f"raw: sequence {row[0]} does not hash")
        prev = hasher.digest()
    conn.close()


_PEAK: list[int] = []

#: Runs the command and reports its CPU time and peak RSS. A small process of its own: a
#: child forked straight from this one would count this process's pages (the store was
#: built here) in its peak until it execs.
_SPAWNER = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, check=False)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
ok = done.returncode == 0 and json.loads(done.stdout)["ok"]
print(json.dumps([ok, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, done.stderr.decode()]))
"""


def command(db: Path) -> Timing:
    start = time.perf_counter()
    args = [str(HISCHANGE), "audit", "verify", "--db", str(db), "--format", "json"]
    done = subprocess.run([sys.executable, "-c", _SPAWNER, *args], capture_output=True, check=True)
    took = time.perf_counter() - start
    ok, cpu, peak, err = json.loads(done.stdout)
    if not ok:
        raise SystemExit(f"verify failed: {err[-500:]}")
    _PEAK.append(peak)
    return took, cpu


def _project(db: Path) -> Project:
    return Project.of_store(f"sqlite:///{db}")


def step_read(db: Path) -> Timing:
    proj = _project(db)
    with _Clock() as clock:
        for _ in proj.store.verify_rows():
            pass
    proj.close()
    return clock.took


def step_chain(db: Path) -> Timing:
    proj = _project(db)
    cursor = ChainCursor()
    with _Clock() as clock:
        for _ in cursor.walk(proj.store.verify_rows()):
            pass
    assert not cursor.problems
    proj.close()
    return clock.took


def step_parse(db: Path) -> Timing:
    proj = _project(db)
    cursor = ChainCursor()
    with _Clock() as clock:
        for row, span in cursor.walk(proj.store.verify_rows()):
            assert span is not None
            _validate(row[1][span[0] : span[1]])
    proj.close()
    return clock.took


def step_verify(db: Path) -> Timing:
    proj = _project(db)
    with _Clock() as clock:
        report = verify_store(proj)
    assert report.ok
    proj.close()
    return clock.took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-steps", action="store_true", help="skip the in-process steps")
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    db = _store(args.events, args.rebuild)
    n = args.events
    measures: dict[str, Callable[[Path], Timing]] = {
        "raw read": raw_read,
        "raw read+sha256": raw_read_sha,
        "command": command,
    }
    if not args.no_steps:
        measures |= {
            "step: Store.verify_rows": step_read,
            "step: + ChainCursor": step_chain,
            "step: + parse events": step_parse,
            "step: verify_store": step_verify,
        }
    load_before = os.getloadavg()
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for _ in range(args.repeat):
        for name, measure in measures.items():
            took = measure(db)
            wall[name] = min(wall.get(name, float("inf")), took[0])
            cpu[name] = min(cpu.get(name, float("inf")), took[1])
    load_after = os.getloadavg()
    print(f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {n:,} events")
    print(
        f"load (1/5/15 min) before {', '.join(f'{x:.1f}' for x in load_before)}, after "
        f"{', '.join(f'{x:.1f}' for x in load_after)}; {os.cpu_count()} CPUs"
    )
    print(f"best of {args.repeat}, interleaved; CPU = user + system time of the process")
    print(f"  {'':<26} {'wall':>8}   {'ratio':>6}   {'CPU':>8}   {'ratio':>6}")
    for name in measures:
        print(
            f"  {name:<26} {wall[name]:7.2f}s   {wall[name] / wall['raw read+sha256']:5.2f}x"
            f"   {cpu[name]:7.2f}s   {cpu[name] / cpu['raw read+sha256']:5.2f}x"
        )
    for label, times in (("CPU", cpu), ("wall", wall)):
        ratio = times["command"] / times["raw read+sha256"]
        rate, raw_rate = n / times["command"], n / times["raw read"]
        print(
            f"{label}: command / raw read+sha256 = {ratio:.2f}x   target <= 3x   "
            f"{'PASS' if ratio <= 3 else 'MISS'};  replay rate {rate:,.0f} events/s = "
            f"1/{raw_rate / rate:.1f} of the raw read ({raw_rate:,.0f} rows/s)   target >= 1/10"
            f"   {'PASS' if rate >= raw_rate / 10 else 'MISS'}"
        )
    print(f"command peak RSS {max(_PEAK) / 1024:.0f} MiB")
    if args.rebuild:
        shutil.rmtree(db.parent.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
