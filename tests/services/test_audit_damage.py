"""hypothesis: random valid command sequences verify; one random damage is caught and named.

Each example copies a freshly initialised project (made once per session), runs a random
sequence of change commands through the library, checks that ``verify_store`` is ok, then
damages the SQLite file directly with ``sqlite3`` and checks the FIRST problem reported:
its sequence number and its kind of damage.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hischange.errors import HischangeError, WorkflowError
from hischange.ledger import canonical, chain_hash, envelope
from hischange.project import Project, init_project
from hischange.services import changes as service
from hischange.services.audit import verify_store
from hischange.workflow.change import STATES

SLOW = os.environ.get("HISCHANGE_RUN_SLOW") == "1"
EXAMPLES = 300 if SLOW else 30
APPROVERS = ("reviewer@hospital", "chief@hospital")
ACTORS = ("dev@vendor", "nurse@hospital", *APPROVERS)
CONFIG = '[roles]\napprovers = ["reviewer@hospital", "chief@hospital"]\n'
TEXT = st.text(alphabet="ab 检验药房门诊接口改", min_size=1, max_size=8)


class StepClock:
    """A clock that moves one second per reading, so event times strictly increase."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass(frozen=True)
class Command:
    """One drawn command: what, who, which change (index into registered ones), a text."""

    name: str
    actor: str
    target: int
    text: str
    option: str


_register = st.builds(
    Command,
    name=st.just("register"),
    actor=st.sampled_from(ACTORS),
    target=st.just(0),
    text=TEXT,
    option=st.sampled_from(("plain", "emergency", "no_rollback", "negotiated", "self_requested")),
)
_other = st.builds(
    Command,
    name=st.sampled_from(("submit", "approve", "reject", "start", "edit", "withdraw")),
    actor=st.sampled_from(ACTORS),
    target=st.integers(0, 20),
    text=TEXT,
    option=st.sampled_from(("title", "rollback_plan")),
)
COMMANDS = st.lists(st.one_of(_register, _other, _other), min_size=0, max_size=14)


def _fields(cmd: Command) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kind": "interface",
        "title": cmd.text,
        "system": "检验",
        "requester_dept": "检验科",
        "rollback_plan": "" if cmd.option == "no_rollback" else "恢复旧版接口配置",
        "emergency": cmd.option == "emergency",
    }
    if cmd.option == "negotiated":
        fields |= {"billing": "negotiated", "effort_days": "2.5"}
    if cmd.option == "self_requested":
        fields["requester_person"] = "reviewer@hospital"
    return fields


def _run(proj: Project, cmd: Command, ids: list[str]) -> None:
    if cmd.name == "register":
        made = service.register_change(proj, cmd.actor, service.make_fields(_fields(cmd)))
        ids.append(made.id)
        return
    cid = ids[cmd.target % len(ids)]
    if cmd.name == "submit":
        service.submit_change(proj, cmd.actor, cid)
    elif cmd.name == "approve":
        service.approve_change(proj, cmd.actor, cid, comment=cmd.text)
    elif cmd.name == "reject":
        service.reject_change(proj, cmd.actor, cid, reason=cmd.text)
    elif cmd.name == "start":
        service.start_change(proj, cmd.actor, cid)
    elif cmd.name == "withdraw":
        service.withdraw_change(proj, cmd.actor, cid, reason=cmd.text)
    else:
        service.edit_change(proj, cmd.actor, cid, {cmd.option: cmd.text}, reason="改")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly initialised project (roles configured), copied for every example."""
    root = tmp_path_factory.mktemp("template")
    (root / ".hischange").mkdir()
    (root / ".hischange" / "config.toml").write_text(CONFIG, encoding="utf-8")
    proj, _ = init_project(root)
    proj.close()
    return root


@dataclass
class Built:
    """A project after a command sequence: where it is and what it holds."""

    root: Path
    db: Path
    events: int


def _build(template: Path, where: Path, commands: list[Command]) -> Built:
    root = where / "repo"
    shutil.copytree(template, root)
    proj = Project(root, clock=StepClock())
    ids: list[str] = []
    refusals = successes = 0
    try:
        first = [Command("register", "dev@vendor", 0, "首个", "plain")]
        first.append(Command("submit", "dev@vendor", 0, "", ""))
        for cmd in [*first, *commands]:
            try:
                _run(proj, cmd, ids)
                successes += 1
            except WorkflowError:
                refusals += 1
            except HischangeError:
                pass  # a usage error (e.g. an edit that changes nothing) records nothing
        report = verify_store(proj)
    finally:
        proj.close()
    assert report.ok, report.problems
    # Every accepted command recorded one event, and so did every refusal (等保).
    assert report.events == successes + refusals
    return Built(root, root / ".hischange" / "hischange.db", report.events)


@contextmanager
def _sql(db: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(db)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def _row(conn: sqlite3.Connection, seq: int) -> tuple[bytes, str, str, str]:
    body, digest, prev, at = conn.execute(
        "SELECT body, hash, prev_hash, at FROM events WHERE seq = ?", (seq,)
    ).fetchone()
    return bytes(body), str(digest), str(prev), str(at)


def _edit_payload(body: bytes, pick: int) -> bytes:
    """The same event with one leaf of its payload changed (the bytes stay valid JSON)."""
    doc = json.loads(body)
    leaves: list[tuple[dict[str, Any], str]] = []

    def walk(node: dict[str, Any]) -> None:
        for key in sorted(node):
            value = node[key]
            if isinstance(value, dict):
                walk(value)
            elif isinstance(value, str | bool):
                leaves.append((node, key))

    walk(doc["event"])
    node, key = leaves[pick % len(leaves)]
    node[key] = (not node[key]) if isinstance(node[key], bool) else node[key] + "改"
    return canonical(doc)


Damager = Callable[[Path, int, st.DataObject], tuple[int, str]]


def damage_edit(db: Path, n: int, data: st.DataObject) -> tuple[int, str]:
    """(a) One payload field edited in the stored bytes; the stored hash no longer matches,
    so the edited event itself is named: ``edited`` at its sequence."""
    seq = data.draw(st.integers(1, n), label="seq")
    with _sql(db) as conn:
        body = _edit_payload(_row(conn, seq)[0], data.draw(st.integers(0, 50)))
        conn.execute("UPDATE events SET body = ? WHERE seq = ?", (body, seq))
    return seq, "edited"


def damage_delete(db: Path, n: int, data: st.DataObject) -> tuple[int, str]:
    """(b) One event row deleted: the missing sequence number is named ``deleted``. For the
    last event the chain alone looks whole; the ledger head row still records it."""
    seq = data.draw(st.integers(1, n), label="seq")
    with _sql(db) as conn:
        conn.execute("DELETE FROM events WHERE seq = ?", (seq,))
    return seq, "deleted"


def damage_swap(db: Path, n: int, data: st.DataObject) -> tuple[int, str]:
    """(c) Two events' whole contents swapped (body, hashes, columns) between sequence
    numbers i < j: row i now holds a body hashed as sequence j, so ``reordered`` at i."""
    i = data.draw(st.integers(1, n - 1), label="i")
    j = data.draw(st.integers(i + 1, n), label="j")
    with _sql(db) as conn:
        # Swapping the key moves every column at once without tripping UNIQUE(hash).
        conn.execute("UPDATE events SET seq = -1 WHERE seq = ?", (i,))
        conn.execute("UPDATE events SET seq = ? WHERE seq = ?", (i, j))
        conn.execute("UPDATE events SET seq = ? WHERE seq = -1", (j,))
    return i, "reordered"


def damage_insert(db: Path, n: int, data: st.DataObject) -> tuple[int, str]:
    """(d) A forged event inserted at k (the tail renumbered, the head row moved on) with a
    correctly recomputed hash linking to k-1. The forgery itself verifies; the event after
    it still names hash k-1 as predecessor, so the forgery at k is named ``inserted``."""
    k = data.draw(st.integers(1, n), label="k")
    with _sql(db) as conn:
        prev_hash = _row(conn, k - 1)[1] if k > 1 else "00" * 32
        at_text = _row(conn, k - 1 if k > 1 else 1)[3]
        cid = conn.execute("SELECT change_id FROM changes ORDER BY change_id").fetchone()[0]
        forged = {"type": "change_approved", "change_id": cid, "fingerprint": "0" * 64}
        forged |= {"comment": "", "retroactive": False}
        at = datetime.fromisoformat(at_text)
        body = canonical(
            envelope(seq=k, at=at, actor="reviewer@hospital", prev_hash=prev_hash, event=forged)
        )
        conn.execute("UPDATE events SET seq = -seq - 1 WHERE seq >= ?", (k,))
        conn.execute("UPDATE events SET seq = -seq WHERE seq < 0")
        conn.execute(
            "INSERT INTO events (seq, at, actor, type, change_id, algorithm, prev_hash, hash,"
            " body) VALUES (?, ?, ?, ?, ?, 'sha256', ?, ?, ?)",
            (
                k,
                at_text,
                "reviewer@hospital",
                forged["type"],
                cid,
                prev_hash,
                chain_hash(prev_hash, body),
                body,
            ),
        )
        conn.execute("UPDATE ledger_head SET seq = ?", (n + 1,))
    return k, "inserted"


def damage_projection(db: Path, n: int, data: st.DataObject) -> tuple[int, str]:
    """(e) A projection row edited (the aggregate's state JSON, or a typed ``changes``
    column): ``projection`` at the last event that wrote that change (from the log)."""
    with _sql(db) as conn:
        cids = [r[0] for r in conn.execute("SELECT key FROM aggregates ORDER BY key")]
        cid = data.draw(st.sampled_from(cids), label="change")
        where = data.draw(st.sampled_from(("state_json", "title_json", "state_col", "title_col")))
        state = json.loads(
            conn.execute("SELECT state FROM aggregates WHERE key = ?", (cid,)).fetchone()[0]
        )
        other = next(s for s in STATES if s != state["state"])
        if where == "state_json":
            state["state"] = other
        if where == "title_json":
            state["fields"]["title"] += "改"
        if where.endswith("_json"):
            conn.execute(
                "UPDATE aggregates SET state = ? WHERE key = ?", (canonical(state).decode(), cid)
            )
        elif where == "state_col":
            conn.execute("UPDATE changes SET state = ? WHERE change_id = ?", (other, cid))
        else:
            conn.execute("UPDATE changes SET title = title || '改' WHERE change_id = ?", (cid,))
        last = conn.execute(
            "SELECT max(seq) FROM events WHERE change_id = ? AND type != 'command_refused'",
            (cid,),
        ).fetchone()[0]
    return int(last), "projection"


def damage_rehash(db: Path, n: int, data: st.DataObject) -> tuple[int, str]:
    """(f) One event edited AND re-hashed, so it verifies on its own: the next event no
    longer links to it, so ``edited`` at the re-hashed event (for the last event the
    ledger head row, which still holds the old hash, shows it)."""
    seq = data.draw(st.integers(1, n), label="seq")
    with _sql(db) as conn:
        body, _, prev, _ = _row(conn, seq)
        new_body = _edit_payload(body, data.draw(st.integers(0, 50)))
        conn.execute(
            "UPDATE events SET body = ?, hash = ? WHERE seq = ?",
            (new_body, chain_hash(prev, new_body), seq),
        )
    return seq, "edited"


DAMAGES: tuple[Damager, ...] = (
    damage_edit,
    damage_delete,
    damage_swap,
    damage_insert,
    damage_projection,
    damage_rehash,
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(commands=COMMANDS, data=st.data())
def test_random_history_verifies_and_one_damage_is_named(
    template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    commands: list[Command],
    data: st.DataObject,
) -> None:
    """A random valid history verifies; one random damage is reported first, at its seq."""
    built = _build(template, tmp_path_factory.mktemp("example"), commands)
    damage = data.draw(st.sampled_from(DAMAGES), label="damage")
    expected = damage(built.db, built.events, data)
    proj = Project(built.root)
    try:
        report = verify_store(proj)
    finally:
        proj.close()
    assert not report.ok
    first = report.problems[0]
    assert (first.seq, first.damage) == expected, report.problems
