"""Conformance under load (slow; CI runs them): many writers, killed writers, racing scans."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from hischange.project import Project
from hischange.services import changes as service
from hischange.services.audit import verify_store
from tests.store.conformance.test_locking import FIELDS, _race, check_race
from tests.store.helpers import SLOW, start_writer
from tests.support.git import git_env, init_repo

pytestmark = SLOW

WRITERS, APPENDS = 8, 500
KILL_ROUNDS = 50


def test_eight_writers_of_500_appends(ledger: Project, store_url: str) -> None:
    """8 processes × 500 appends at once: sequence 1..4000 gap-free, 4000 unique gap-free
    change ids, the chain and time order verify, the projection holds every change."""
    printed = _race(ledger.root, store_url, WRITERS, APPENDS)
    check_race(ledger, printed, WRITERS * APPENDS)


def test_killed_writers_lose_no_acknowledged_append(ledger: Project, store_url: str) -> None:
    """SIGKILL of a writer at a random point, 50 times: after each, the store opens and
    verifies, every append the writer reported as returned is stored, and at most the one
    in flight at the kill committed unreported."""
    rng = random.Random(20261205)
    printed: list[str] = []
    for _ in range(KILL_ROUNDS):
        proc = start_writer(ledger.root, 0, store_url)
        with proc:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
            for _ in range(rng.randint(1, 25)):
                printed.append(proc.stdout.readline().strip())
            os.kill(proc.pid, signal.SIGKILL)
            printed.extend(proc.stdout.read().split())
        assert proc.returncode == -signal.SIGKILL
        again = Project(ledger.root)
        try:
            report = verify_store(again)
            stored = {row["change_id"] for row in again.store.projection_rows()[1]}
        finally:
            again.close()
        assert report.ok, report.problems
        missing = [cid for cid in printed if cid not in stored]
        assert not missing, f"appends that returned but are not in the store: {missing}"
        assert len(stored) - len(printed) in (0, 1)
        printed = sorted(stored)


def test_two_concurrent_custody_scans_record_each_link_once(
    ledger: Project, store_url: str, tmp_path: Path
) -> None:
    """Two `custody scan` processes over the same 150 commits at once: both succeed, and
    the ledger links each commit exactly once, verifying afterwards."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\temail = dev@vendor\n\tname = dev\n")
    env = git_env(home) | {"GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@vendor"}
    repo = init_repo(ledger.root, env)
    repo.commit("baseline", {"README.md": "HIS\n"})
    repo.git("tag", "-a", "v1", "-m", "1")
    fields = service.make_fields(FIELDS)
    ids = [service.register_change(ledger, "dev@vendor", fields).id for _ in range(3)]
    for n in range(150):
        repo.commit(f"改动 {n}\n\nHIS-Change: {ids[n % 3]}", {f"f{n % 7}.py": f"x = {n}\n"})
    env = {**repo.env, "HISCHANGE_DB_URL": store_url, "HISCHANGE_USER": "dev@vendor"}
    code = "from hischange.cli.main import main; main()"
    args = [sys.executable, "-c", code, "--project", str(ledger.root), "custody", "scan"]
    procs = [
        subprocess.Popen(
            [*args, "v1..HEAD", "--format", "json"], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, out
        results.append(json.loads(out))
    assert sorted(r["new_links"] for r in results) == [0, 150]
    linked: list[str] = []
    for row in ledger.store.stored_events():
        if row.type == "commits_linked":
            linked.extend(link["sha"] for link in json.loads(row.body)["event"]["links"])
    assert len(linked) == 150 and len(set(linked)) == 150
    report = verify_store(ledger)
    assert report.ok, report.problems
