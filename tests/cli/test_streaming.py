"""Read commands stream: constant memory in the size of the ledger (issue 17).

The slow test builds a 200,000-event store and runs `audit log --format json` in a
subprocess whose address space is capped (``resource.setrlimit(RLIMIT_AS)``): a command
that built the whole list (about 5 KB per event) cannot finish under the cap. The quick
tests check that the streamed JSON is the same text the whole-list output was.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hischange.events import ChangeEdited, ChangeFields, ChangeRegistered
from hischange.project import init_project
from hischange.workflow.projector import project
from tests.conftest import Cli, NewChange

#: The cap: the command's whole address space (interpreter, libraries, SQLite's cache).
#: Streaming stays near 150 MB at any ledger size; the 200,000 events as one list and
#: one JSON text need over a gigabyte.
CAP_BYTES = 320 * 1024 * 1024
EVENTS = 200_000
CHANGES = 100

_CAPPED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
from hischange.cli.main import main
sys.argv = ["hischange", *sys.argv[1:]]
main()
"""


def _fields(i: int) -> ChangeFields:
    return ChangeFields(
        kind="interface", title=f"LIS 接口字段调整 第{i}版", system="检验", rollback_plan="恢复"
    )


def _big_store(root: Path) -> None:
    proj, _ = init_project(root)
    try:
        due = datetime(2026, 12, 1, tzinfo=UTC)
        ids = [f"CR-2026-{i + 1:04d}" for i in range(CHANGES)]
        with proj.store.write(project) as tx:
            tx.append(
                "dev@vendor",
                [ChangeRegistered(change_id=c, fields=_fields(0), due_at=due) for c in ids],
            )
        done = CHANGES
        while done < EVENTS:
            n = min(50_000, EVENTS - done)
            edits = [
                ChangeEdited(change_id=ids[i % CHANGES], fields=_fields(i), changed=("title",))
                for i in range(done, done + n)
            ]
            with proj.store.write(project) as tx:
                tx.append("dev@vendor", edits)
            done += n
    finally:
        proj.close()


def _capped(root: Path, out: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """The command under the cap, its output to ``out`` (the test holds none of it)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HISCHANGE_") or k == "HISCHANGE_DB_URL"  # the PostgreSQL pass
    }
    with out.open("wb") as sink:
        return subprocess.run(
            [sys.executable, "-c", _CAPPED.format(cap=CAP_BYTES), *args],
            cwd=root,
            env=env,
            stdout=sink,
            stderr=subprocess.PIPE,
            check=False,
        )


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("HISCHANGE_RUN_SLOW") != "1", reason="slow: set HISCHANGE_RUN_SLOW=1"
)
def test_audit_log_json_streams_under_a_memory_cap(tmp_path: Path) -> None:
    """`audit log --format json` of 200,000 events under a 320 MB address-space cap: every
    event printed, valid JSON; `audit verify`, `audit trace` and `change list` too."""
    root = tmp_path / "project"
    root.mkdir()
    _big_store(root)
    out = tmp_path / "out.json"
    done = _capped(root, out, "audit", "log", "--format", "json")
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    seqs = []
    with out.open(encoding="utf-8") as lines:  # read line by line: the test holds little
        first = lines.readline()
        for line in lines:
            if line.startswith('    "seq": '):
                seqs.append(int(line.split(":")[1].strip().rstrip(",")))
            last = line
    assert first == "[\n" and last == "]\n"
    assert seqs == list(range(1, EVENTS + 1))
    for args in (
        ("audit", "verify"),
        ("audit", "trace", "CR-2026-0001", "--format", "json"),
        ("change", "list", "--format", "json"),
    ):
        done = _capped(root, out, *args)
        assert done.returncode == 0, (args, done.stderr.decode()[-2000:])


def test_streamed_json_is_the_whole_list_text(run: Cli, new_change: NewChange) -> None:
    """The streamed array is byte for byte what `json.dumps` of the whole list gives."""
    from hischange.project import find_project
    from hischange.services.audit import read_log
    from hischange.services.changes import list_changes

    for _ in range(3):
        cid = new_change()
        run("change", "submit", cid, "--as", "dev@vendor")
    proj = find_project(run.root)
    try:
        records = [r.model_dump(mode="json") for r in read_log(proj)]
        changes = [c.model_dump(mode="json") for c in list_changes(proj)]
    finally:
        proj.close()

    def whole(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    assert run("audit", "log", "--format", "json").stdout == whole(records)
    assert run("change", "list", "--format", "json").stdout == whole(changes)
    assert run("audit", "log", "--since", "99", "--format", "json").stdout == "[]\n"
    assert run("change", "list", "--state", "closed", "--format", "json").stdout == "[]\n"


def test_cap_is_a_real_limit() -> None:
    """The cap applies (a subprocess allocating past it fails): the slow test's guard."""
    code = (
        f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({CAP_BYTES}, {CAP_BYTES}))\n"
        f"x = bytearray({CAP_BYTES})"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
    assert done.returncode != 0 and b"MemoryError" in done.stderr
    assert resource.RLIMIT_AS  # the platform has the limit
