"""The auditor's reading: derived tables checked or not trusted, a read-only store, damage
reported (exit 4 with the sequence number) and never a traceback, a copied database
without a project folder (issue 11, issue 14).

The runner calls the CLI with ``catch_exceptions=False``: a traceback fails the test.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import Cli, NewChange


def _db(root: Path, *statements: str | tuple[str, tuple[object, ...]]) -> None:
    db = sqlite3.connect(root / ".hischange" / "hischange.db")
    for item in statements:
        sql, params = (item, ()) if isinstance(item, str) else item
        db.execute(sql, params)
    db.commit()
    db.close()


def _refused_self_approval(run: Cli, new_change: NewChange) -> tuple[str, int]:
    """An approver registers a change and approves it himself: refused (职责分离) and
    recorded. Returns the change and the refusal's sequence number."""
    cid = new_change(actor="reviewer@hospital")
    run("change", "submit", cid, "--as", "reviewer@hospital")
    run("change", "approve", cid, "--as", "reviewer@hospital", code=5)
    log = run.json("audit", "log")
    refusal = [e for e in log if e["event"]["type"] == "command_refused"]
    assert len(refusal) == 1 and refusal[0]["event"]["change_id"] == cid
    return cid, int(refusal[0]["seq"])


def _traced_types(run: Cli, cid: str) -> list[str]:
    return [e["event"]["type"] for e in run.json("audit", "trace", cid)]


# -- derived tables -------------------------------------------------------------------


def test_deleted_index_row_cannot_hide_a_refusal(run: Cli, new_change: NewChange) -> None:
    """Deleting the refusal's row of ``event_changes`` hides nothing from the trace (it reads
    the hashed events) and verify names the row (exit 4, `derived`, at its sequence)."""
    cid, seq = _refused_self_approval(run, new_change)
    assert "command_refused" in _traced_types(run, cid)
    _db(run.root, ("DELETE FROM event_changes WHERE seq = ?", (seq,)))
    assert "command_refused" in _traced_types(run, cid)
    logged = run.json("audit", "log", "--change", cid)
    assert "command_refused" in [e["event"]["type"] for e in logged]
    report = run.json("audit", "verify", code=4)
    assert [(p["seq"], p["damage"]) for p in report["problems"]] == [(seq, "derived")]
    assert "event_changes" in report["problems"][0]["detail"]


def test_repointed_index_row_is_caught(run: Cli, new_change: NewChange) -> None:
    """Re-pointing the refusal's row at another change: the trace still shows the refusal
    under its change (and not under the other one); verify exit 4 at that sequence."""
    cid, seq = _refused_self_approval(run, new_change)
    other = new_change()
    _db(run.root, ("UPDATE event_changes SET change_id = ? WHERE seq = ?", (other, seq)))
    assert "command_refused" in _traced_types(run, cid)
    assert "command_refused" not in _traced_types(run, other)
    report = run.json("audit", "verify", code=4)
    assert (report["problems"][0]["seq"], report["problems"][0]["damage"]) == (seq, "derived")


def test_planted_trigger_is_caught_and_hides_nothing(run: Cli, new_change: NewChange) -> None:
    """A trigger that deletes the index row of every future refusal: verify names the
    trigger and the row it deleted; the trace still shows the refusal."""
    _db(
        run.root,
        "CREATE TRIGGER hide_refusals AFTER INSERT ON event_changes "
        "WHEN (SELECT type FROM events WHERE seq = NEW.seq) = 'command_refused' "
        "BEGIN DELETE FROM event_changes WHERE seq = NEW.seq; END",
    )
    cid, seq = _refused_self_approval(run, new_change)
    db = sqlite3.connect(run.root / ".hischange" / "hischange.db")
    assert db.execute("SELECT count(*) FROM event_changes WHERE seq = ?", (seq,)).fetchone() == (0,)
    db.close()
    assert "command_refused" in _traced_types(run, cid)
    report = run.json("audit", "verify", code=4)
    damages = {(p["seq"], p["damage"]) for p in report["problems"]}
    assert (0, "trigger") in damages and (seq, "derived") in damages
    assert "hide_refusals" in run("audit", "verify", code=4).stdout


def test_edited_change_id_column_is_caught(run: Cli, new_change: NewChange) -> None:
    """The denormalised ``events.change_id`` column edited: verify exit 4 at that event;
    nothing moves in the trace."""
    cid, seq = _refused_self_approval(run, new_change)
    before = _traced_types(run, cid)
    _db(run.root, ("UPDATE events SET change_id = 'CR-2026-0999' WHERE seq = ?", (seq,)))
    assert _traced_types(run, cid) == before
    report = run.json("audit", "verify", code=4)
    assert [(p["seq"], p["damage"]) for p in report["problems"]] == [(seq, "derived")]
    assert "events.change_id" in report["problems"][0]["detail"]


# -- damage: exit 4 with the place, never a traceback, no head ---------------------------


def _head_line(stdout: str) -> bool:
    return any(line.startswith("head:") for line in stdout.splitlines())


def _three_events(run: Cli, new_change: NewChange) -> str:
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital")
    return cid


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"seq": 2}', b'"x"', b""])
def test_corrupt_body_is_exit_4_everywhere(run: Cli, new_change: NewChange, body: bytes) -> None:
    """A corrupt event body: log, trace and verify each end with exit 4 naming sequence 2."""
    cid = _three_events(run, new_change)
    _db(run.root, ("UPDATE events SET body = ? WHERE seq = 2", (body,)))
    for args in (("audit", "log"), ("audit", "trace", cid), ("audit", "verify")):
        result = run(*args, code=4)
        assert "sequence 2" in result.output, args
        assert "Traceback" not in result.output
    verdict = run("audit", "verify", code=4).stdout
    assert not _head_line(verdict) and "no head printed" in verdict
    report = run.json("audit", "verify", code=4)
    assert report["head_seq"] is None and report["head_hash"] is None


def test_log_prints_the_events_before_the_damage(run: Cli, new_change: NewChange) -> None:
    """Streaming: the events before the damaged one are printed, then exit 4."""
    _three_events(run, new_change)
    _db(run.root, ("UPDATE events SET body = X'00' WHERE seq = 3", ()))
    result = run("audit", "log", code=4)
    assert "#1 " in result.stdout and "#2 " in result.stdout and "#3 " not in result.stdout
    assert "sequence 3" in result.stderr


def test_rehashed_body_that_is_no_event_is_named(run: Cli, new_change: NewChange) -> None:
    """A last event replaced by valid JSON that is no event, hashed and linked and the
    head moved: verify, log and trace say `edited` at 3, no traceback."""
    from hischange.ledger import canonical, chain_hash

    cid = _three_events(run, new_change)
    db = sqlite3.connect(run.root / ".hischange" / "hischange.db")
    prev, at, actor = db.execute("SELECT prev_hash, at, actor FROM events WHERE seq = 3").fetchone()
    doc = {
        "seq": 3,
        "at": at,
        "actor": actor,
        "algorithm": "sha256",
        "prev_hash": prev,
        "event": {"type": "change_approved", "change_id": cid, "nonsense": 1},
    }
    body = canonical(doc)
    digest = chain_hash(prev, body)
    db.execute("UPDATE events SET body = ?, hash = ? WHERE seq = 3", (body, digest))
    db.execute("UPDATE ledger_head SET hash = ?", (digest,))
    db.commit()
    db.close()
    report = run.json("audit", "verify", code=4)
    assert (report["problems"][0]["seq"], report["problems"][0]["damage"]) == (3, "edited")
    assert "sequence 3" in run("audit", "log", code=4).stderr
    assert "sequence 3" in run("audit", "trace", cid, code=4).stderr


@pytest.mark.parametrize("value", ["'x'", "999", "-1", "2", "NULL"])
def test_edited_head_seq_is_exit_4(run: Cli, new_change: NewChange, value: str) -> None:
    """``ledger_head.seq`` edited (text, beyond the end, negative, behind): verify exit 4
    with a sequence number and no head; no traceback. NULL is refused by the column."""
    _three_events(run, new_change)
    try:
        _db(run.root, f"UPDATE ledger_head SET seq = {value}")
    except sqlite3.IntegrityError:
        assert value == "NULL"
        return
    result = run("audit", "verify", code=4)
    assert "sequence" in result.stdout and not _head_line(result.stdout)
    if value in ("999", "'x'"):
        assert "sequence" in run("audit", "log", code=4).stderr


def test_missing_rows_are_named(run: Cli, new_change: NewChange) -> None:
    """A deleted middle event: log and trace stop with exit 4 at the missing sequence."""
    cid = _three_events(run, new_change)
    _db(run.root, "DELETE FROM events WHERE seq = 2")
    assert "sequence 2" in run("audit", "log", code=4).stderr
    assert "sequence 2" in run("audit", "trace", cid, code=4).stderr
    assert "sequence 2: deleted" in run("audit", "verify", code=4).stdout
    _db(run.root, "DELETE FROM events WHERE seq = 3")  # and now the tail too
    assert "sequence 2" in run("audit", "log", code=4).stderr


def test_damaged_row_types_are_exit_4(run: Cli, new_change: NewChange) -> None:
    """A sequence column holding text (SQLite keeps it): exit 4, never a traceback."""
    _three_events(run, new_change)
    _db(run.root, "UPDATE events SET seq = 'two' WHERE seq = 2")
    assert run("audit", "verify", code=4).stdout
    run("audit", "log", code=4)


# -- read-only, a copy without a project folder ------------------------------------------


def _snapshot(path: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in path.iterdir()}


def _copy(run: Cli, dest: Path) -> Path:
    """The store copied as an auditor would (the database file only, after a checkpoint)."""
    source = run.root / ".hischange" / "hischange.db"
    db = sqlite3.connect(source)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    dest.mkdir()
    shutil.copy2(source, dest / "copy.db")
    return dest / "copy.db"


def test_copy_verifies_without_a_project_and_is_not_written(
    run: Cli, new_change: NewChange, tmp_path: Path
) -> None:
    """`--db FILE` and `HISCHANGE_DB_URL` in a folder with no `.hischange/`: verify, log and
    trace work, and the copy (file and folder) is byte for byte and mtime unchanged — also
    with the folder and file read-only, and as `immutable=1`."""
    cid = _three_events(run, new_change)
    copy = _copy(run, tmp_path / "auditor")
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    before = _snapshot(copy.parent)
    os.chmod(copy, 0o444)
    os.chmod(copy.parent, 0o555)
    try:
        bare = Cli(empty, run.clock)
        report = bare.json("audit", "verify", "--db", str(copy))
        assert report["ok"] and report["head_seq"] == 3
        assert len(bare.json("audit", "log", "--db", f"sqlite:///{copy}")) == 3
        assert len(bare.json("audit", "trace", cid, "--db", f"sqlite:///{copy}?immutable=1")) == 3
        env = Cli(empty, run.clock, env={"HISCHANGE_DB_URL": f"sqlite:///{copy}"})
        assert env.json("audit", "verify")["ok"]
    finally:
        os.chmod(copy.parent, 0o755)
        os.chmod(copy, 0o644)
    after = _snapshot(copy.parent)
    assert after["copy.db"] == before["copy.db"]
    # SQLite reading a WAL database mode=ro in a folder it may write (root may write any)
    # keeps its shared-memory index beside it; the database file itself is untouched
    assert set(after) - set(before) <= {"copy.db-wal", "copy.db-shm"}


def test_immutable_copy_leaves_its_folder_untouched(
    run: Cli, new_change: NewChange, tmp_path: Path
) -> None:
    """`?immutable=1` (a copy on a read-only medium): not one file created or changed."""
    _three_events(run, new_change)
    copy = _copy(run, tmp_path / "worm")
    before = _snapshot(copy.parent)
    bare = Cli(copy.parent, run.clock)
    assert bare.json("audit", "verify", "--db", f"sqlite:///{copy}?immutable=1")["ok"]
    assert _snapshot(copy.parent) == before


def test_no_store_there_is_a_clear_error(run: Cli, tmp_path: Path) -> None:
    """`--db` naming no file: exit 6 naming it, never creating one."""
    missing = tmp_path / "nowhere" / "x.db"
    result = run("audit", "verify", "--db", str(missing), code=6)
    assert "no hischange store" in result.stderr and not missing.exists()


_AS_NOBODY = """
import os, sys
from hischange.cli.main import cli

def verify(path):
    try:
        cli.main(["audit", "verify", "--db", path], standalone_mode=False)
    except SystemExit as exc:
        return exc.code
    return 0

assert verify(sys.argv[2]) == 0  # as root first: every module the command needs is loaded
os.setegid(65534)
os.seteuid(65534)  # file access is checked against the effective user from here on
sys.exit(verify(sys.argv[1]))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")
def test_read_only_folder_as_another_user(run: Cli, new_change: NewChange) -> None:
    """A read-only folder holding a WAL database without its `-shm` file: SQLite cannot
    open it `mode=ro` in place (it would create `-shm`), so the reader falls back to
    `immutable=1`. Run as `nobody` (root ignores file permissions)."""
    _three_events(run, new_change)
    outer = Path(tempfile.mkdtemp())
    try:
        os.chmod(outer, 0o755)
        copy = _copy(run, outer / "ro")
        warm = _copy(run, outer / "warm")
        before = _snapshot(copy.parent)
        os.chmod(copy, 0o444)
        os.chmod(copy.parent, 0o555)
        done = subprocess.run(
            [sys.executable, "-c", _AS_NOBODY, str(copy), str(warm)],
            capture_output=True,
            text=True,
            check=False,
            cwd=outer,
            env={**os.environ, "HOME": str(outer)},
        )
        assert done.returncode == 0, done.stderr
        assert "ledger OK" in done.stdout
        assert _snapshot(copy.parent) == before
    finally:
        shutil.rmtree(outer, ignore_errors=True)


def test_readers_do_not_wait_for_a_writer(run: Cli, new_change: NewChange) -> None:
    """A writer holds the write lock (BEGIN IMMEDIATE, uncommitted): verify, log and trace
    still answer at once (a 1 s lock timeout would fail them if they waited)."""
    cid = _three_events(run, new_change)
    writer = sqlite3.connect(run.root / ".hischange" / "hischange.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO store_meta (key, value) VALUES ('x', 'y')")
    try:
        fast = Cli(run.root, run.clock, env={"HISCHANGE_LOCK_TIMEOUT": "1"})
        assert fast.json("audit", "verify")["ok"]
        assert len(fast.json("audit", "log")) == 3
        assert len(fast.json("audit", "trace", cid)) == 3
    finally:
        writer.execute("ROLLBACK")
        writer.close()
