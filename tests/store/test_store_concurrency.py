"""Concurrency: several processes appending to one SQLite store at once."""

from __future__ import annotations

import re
from pathlib import Path

from hischange.project import Project
from hischange.services.audit import verify_store
from tests.store.helpers import SLOW, start_writer

WRITERS = 4
APPENDS = 200
pytestmark = SLOW


def test_parallel_writers_get_gap_free_sequence_and_unique_ids(store_root: Path) -> None:
    """4 processes × 200 appends: sequence 1..800 gap-free, ids unique and gap-free, verifies."""
    procs = [start_writer(store_root, APPENDS) for _ in range(WRITERS)]
    for proc in procs:  # all stores are open: now let them race
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.close()
    printed: list[str] = []
    for proc in procs:
        with proc:
            assert proc.stdout is not None
            printed.extend(proc.stdout.read().split())
        assert proc.returncode == 0

    proj = Project(store_root)
    try:
        seqs = [row.seq for row in proj.store.stored_events()]
        report = verify_store(proj)
        stored_ids = [row["change_id"] for row in proj.store.projection_rows()[1]]
    finally:
        proj.close()
    total = WRITERS * APPENDS
    assert seqs == list(range(1, total + 1))
    assert report.ok, report.problems
    assert len(printed) == total
    assert len(set(printed)) == total
    numbers = sorted(int(m.group(1)) for i in printed if (m := re.match(r"CR-\d{4}-(\d+)$", i)))
    assert numbers == list(range(1, total + 1))
    assert sorted(stored_ids) == sorted(printed)
