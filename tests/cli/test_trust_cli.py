"""Signed projects through the CLI: a hospital-held root, people as ledger events, every
act signed by its actor's SSH key (real keys made by ssh-keygen), and what verify checks."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hischange.events import change_refs, parse_event
from hischange.ledger import GENESIS, canonical, chain_hash
from tests.support.cli import Cli, FrozenClock
from tests.support.keys import HAVE_SSH, add_to_agent, make_key, ssh_agent

pytestmark = pytest.mark.skipif(not HAVE_SSH, reason="needs OpenSSH's ssh-keygen")

CHANGE = (
    "--kind", "interface", "--title", "LIS 接口字段调整", "--system", "检验",
    "--requester", "检验科", "--rollback-plan", "恢复旧版接口配置",
)  # fmt: skip


class Signed:
    """A signed project: keys in a folder outside it, the CLI, and who holds which key."""

    def __init__(self, root: Path, keys: Path, clock: FrozenClock) -> None:
        self.root, self.keys = root, keys
        self.run = Cli(root, clock)
        self.key: dict[str, Path] = {}
        for who in ("admin", "reviewer", "dev", "ci", "mallory"):
            self.key[who] = make_key(keys, who)
        self.run("init", "--trust-root", str(self.pub("admin")), "--as", "admin@hospital")
        self.add("reviewer@hospital", "reviewer", "approver", "tester", "operator")
        self.add("dev@vendor", "dev", "developer")
        self.add("ci@hospital", "ci", "ci")

    def pub(self, who: str) -> Path:
        return self.key[who].with_name(self.key[who].name + ".pub")

    def add(self, person: str, who: str, *roles: str) -> None:
        args = [x for r in roles for x in ("--role", r)]
        self.run("people", "add", person, *args, "--key", str(self.pub(who)),
                 "--as", "admin@hospital", "--signing-key", str(self.key["admin"]))  # fmt: skip

    def act(self, who: str, actor: str, *args: str, code: int = 0) -> str:
        return self.run(*args, "--as", actor, "--key", str(self.key[who]), code=code).output

    def new_change(self) -> str:
        out = self.run.json("change", "new", *CHANGE, "--as", "dev@vendor",
                            "--key", str(self.key["dev"]))  # fmt: skip
        return str(out["id"])

    def verify(self, code: int = 0) -> dict[str, object]:
        return dict(self.run.json("audit", "verify", code=code))

    def db(self) -> Path:
        return self.root / ".hischange" / "hischange.db"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each attack test runs twice: signatures checked in-process, and in batches of one
    (every batch after the first goes to worker processes): the same problems either way."""
    if "caught" in metafunc.function.__name__:
        metafunc.parametrize("verify_batch", [None, 1], indirect=True, ids=["inline", "pool"])


@pytest.fixture(autouse=True)
def verify_batch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    size = getattr(request, "param", None)
    if size is not None:
        monkeypatch.setattr("hischange.services.trust.VERIFY_BATCH", size)


@pytest.fixture
def signed(tmp_path: Path, clock: FrozenClock) -> Signed:
    root = tmp_path / "project"
    root.mkdir()
    return Signed(root, tmp_path / "keys", clock)


def test_honest_signed_flow_verifies_and_names_the_signers(signed: Signed) -> None:
    cid = signed.new_change()
    signed.act("dev", "dev@vendor", "change", "submit", cid)
    signed.act("reviewer", "reviewer@hospital", "change", "approve", cid)
    report = signed.verify()
    assert report["ok"] is True
    trust = report["trust"]
    assert isinstance(trust, dict)
    assert trust["mode"] == "signed" and trust["signers"] == 3
    assert trust["root_holder"] == "admin@hospital"
    assert str(trust["root_fingerprint"]).startswith("SHA256:")
    human = signed.run("audit", "verify").output
    assert "signed by 3 people" in human and str(trust["root_fingerprint"]) in human
    listed = signed.run.json("people", "list")
    assert [p["person"] for p in listed] == ["ci@hospital", "dev@vendor", "reviewer@hospital"]


def test_unsigned_project_is_reported_loudly(tmp_path: Path, clock: FrozenClock) -> None:
    root = tmp_path / "unsigned"
    root.mkdir()
    run = Cli(root, clock)
    run("init", "--unsigned")
    out = run("audit", "verify").output
    assert "WARNING UNSIGNED" in out and "anyone could act as anyone" in out
    assert run.json("audit", "verify")["trust"]["mode"] == "unsigned"


def test_vendor_cannot_approve_as_the_reviewer_without_their_key(signed: Signed) -> None:
    cid = signed.new_change()
    signed.act("dev", "dev@vendor", "change", "submit", cid)
    # the developer names the reviewer, signing with their own key: refused, nothing written
    out = signed.act("dev", "reviewer@hospital", "change", "approve", cid, code=5)
    assert "not a current key of reviewer@hospital" in out
    # and with no key at all
    out = signed.run("change", "approve", cid, "--as", "reviewer@hospital", code=5).output
    assert "no signing key" in out
    state = signed.run.json("change", "show", cid)
    assert state["state"] == "submitted"
    log = signed.run.json("audit", "log")
    refused = [e for e in log if e["event"]["type"] == "command_refused"]
    assert [r["event"]["rule"] for r in refused] == ["signature_required"] * 2
    assert signed.verify()["ok"] is True
    # the reviewer, with their own key, approves
    signed.act("reviewer", "reviewer@hospital", "change", "approve", cid)


def test_per_person_key_setting_signs(
    signed: Signed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """~/.config/hischange/keys.toml (the person's own file) names their key."""
    config = tmp_path / "xdg"
    (config / "hischange").mkdir(parents=True)
    (config / "hischange" / "keys.toml").write_text(
        f'"Reviewer@Hospital" = "{signed.key["reviewer"]}"\n', encoding="utf-8"
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    cid = signed.new_change()
    signed.act("dev", "dev@vendor", "change", "submit", cid)
    signed.run("change", "approve", cid, "--as", "reviewer@hospital")
    assert signed.verify()["ok"] is True


def test_unregistered_person_cannot_act(signed: Signed) -> None:
    out = signed.run("change", "new", *CHANGE, "--as", "mallory@vendor",
                     "--key", str(signed.key["mallory"]), code=5).output  # fmt: skip
    assert "not a registered person" in out


def test_only_the_root_or_an_admin_registers_people(signed: Signed) -> None:
    out = signed.run("people", "add", "mallory@vendor", "--role", "approver",
                     "--key", str(signed.pub("mallory")), "--as", "dev@vendor",
                     "--signing-key", str(signed.key["dev"]), code=5).output  # fmt: skip
    assert "neither holds the trust root" in out
    assert signed.run.json("people", "list")[-1]["person"] == "reviewer@hospital"


def test_revoked_person_cannot_sign_and_rotation_moves_the_key(signed: Signed) -> None:
    signed.run("people", "revoke", "dev@vendor", "--reason", "left", "--as", "admin@hospital",
               "--key", str(signed.key["admin"]))  # fmt: skip
    out = signed.run("change", "new", *CHANGE, "--as", "dev@vendor",
                     "--key", str(signed.key["dev"]), code=5).output  # fmt: skip
    assert "not a registered person" in out or "not a current key" in out
    new = make_key(signed.keys, "reviewer2")
    signed.run("people", "rotate", "reviewer@hospital", "--key", str(new) + ".pub",
               "--as", "admin@hospital", "--signing-key", str(signed.key["admin"]))  # fmt: skip
    cid = signed.act("ci", "ci@hospital", "change", "new", *CHANGE).split()[0]
    assert cid
    assert signed.verify()["ok"] is True


def test_passphrase_key_in_ssh_agent_signs(signed: Signed, monkeypatch: pytest.MonkeyPatch) -> None:
    key = make_key(signed.keys, "nurse", passphrase="pass phrase")
    signed.add("nurse@hospital", "nurse", "requester") if False else None
    signed.key["nurse"] = key
    signed.add("nurse@hospital", "nurse", "requester")
    with ssh_agent() as env:
        add_to_agent(key, env, "pass phrase")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        out = signed.run.json("change", "new", *CHANGE, "--as", "nurse@hospital")
    assert out["id"]
    assert signed.verify()["ok"] is True


def test_operator_must_be_the_signer(signed: Signed) -> None:
    """--operator/--tester name the signer: a vendor cannot record them as the hospital."""
    from hischange.services.trust import Sealer  # noqa: F401 - the rule lives in the sealer

    data = {"operator": "reviewer@hospital"}
    from hischange.errors import WorkflowError
    from hischange.workflow.signing import decide_signer

    class View:
        def get(self, kind: str, key: str) -> object:
            if kind == "person" and key == "dev@vendor":
                return {
                    "person": "dev@vendor",
                    "roles": ["developer"],
                    "added_seq": 2,
                    "added_by": "admin@hospital",
                    "keys": [{"fingerprint": "SHA256:x", "key": "k", "added_seq": 2}],
                }
            return None

        def put(self, *args: object) -> None: ...

    with pytest.raises(WorkflowError, match="operator reviewer@hospital is not the signer"):
        decide_signer(View(), "dev@vendor", "SHA256:x", [data])
    decide_signer(View(), "dev@vendor", "SHA256:x", [{"operator": "dev@vendor"}])


# --- attacks on the stored ledger: each caught by verify, with the sequence number ---------


def _rows(db: Path) -> list[tuple[int, dict[str, object]]]:
    with sqlite3.connect(db) as conn:
        return [
            (s, json.loads(b)) for s, b in conn.execute("SELECT seq, body FROM events ORDER BY seq")
        ]


def _rewrite(db: Path, docs: list[dict[str, object]]) -> None:
    """The attacker holds the file: replace every event and recompute every hash."""
    prev = GENESIS
    with sqlite3.connect(db) as conn:
        triggers = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        ]
        for name in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DELETE FROM event_changes")
        conn.execute("DELETE FROM events")
        for seq, doc in enumerate(docs, 1):
            doc = {**doc, "seq": seq, "prev_hash": prev}
            doc.pop("hash", None)
            body = canonical(doc)
            digest = chain_hash(prev, body)
            event = doc["event"]
            assert isinstance(event, dict)
            conn.execute(
                "INSERT INTO events (seq, at, actor, type, change_id, algorithm, prev_hash, "
                "hash, body) VALUES (?,?,?,?,?,?,?,?,?)",
                (seq, doc["at"], doc["actor"], event["type"], event.get("change_id"), "sha256",
                 prev, digest, body),
            )  # fmt: skip
            conn.executemany(  # the derived index too, as a careful forger would
                "INSERT INTO event_changes (seq, change_id) VALUES (?, ?)",
                [(seq, cid) for cid in sorted(change_refs(parse_event(event)))],
            )
            prev = digest
        conn.execute("UPDATE ledger_head SET seq = ?, hash = ?", (len(docs), prev))


def _first_problem(signed: Signed) -> dict[str, object]:
    report = signed.verify(code=4)
    problems = report["problems"]
    assert isinstance(problems, list) and problems
    return dict(problems[0])


def _approved(signed: Signed) -> str:
    cid = signed.new_change()
    signed.act("dev", "dev@vendor", "change", "submit", cid)
    signed.act("reviewer", "reviewer@hospital", "change", "approve", cid)
    return cid


def _seq_of(docs: list[dict[str, object]], type_: str) -> int:
    return next(i for i, d in enumerate(docs, 1) if d["event"]["type"] == type_)  # type: ignore[index]


def test_forged_actor_is_caught(signed: Signed) -> None:
    _approved(signed)
    docs = [d for _, d in _rows(signed.db())]
    seq = _seq_of(docs, "change_submitted")
    docs[seq - 1]["actor"] = "reviewer@hospital"
    _rewrite(signed.db(), docs)
    problem = _first_problem(signed)
    assert problem["seq"] == seq and problem["damage"] == "signature"


def test_signature_of_another_act_by_the_same_key_is_caught(signed: Signed) -> None:
    """The signature bytes of one act pasted into another act of the same signer: it does
    not verify, named at that act and nowhere else (checked in-process and, in batches, by
    worker processes)."""
    _approved(signed)
    cid = signed.new_change()
    signed.act("dev", "dev@vendor", "change", "submit", cid)
    docs = [d for _, d in _rows(signed.db())]
    acts = [i for i, d in enumerate(docs) if d["event"]["type"] == "act_signed"  # type: ignore[index]
            and d["actor"] == "dev@vendor"]  # fmt: skip
    first, last = docs[acts[0]]["event"], docs[acts[-1]]["event"]
    assert isinstance(first, dict) and isinstance(last, dict)
    last["signature"] = first["signature"]
    _rewrite(signed.db(), docs)
    problems = signed.verify(code=4)["problems"]
    assert isinstance(problems, list)
    assert [(p["seq"], p["damage"]) for p in problems] == [(last["last_seq"], "signature")]
    assert "does not verify" in str(problems[0]["detail"])


def test_stripped_signature_is_caught(signed: Signed) -> None:
    _approved(signed)
    docs = [d for _, d in _rows(signed.db())]
    seq = _seq_of(docs, "change_approved")
    del docs[seq]  # the act_signed after the approval
    _rewrite(signed.db(), docs)
    problem = _first_problem(signed)
    assert problem["seq"] == seq and "not signed" in str(problem["detail"])


def test_signature_copied_onto_another_event_is_caught(signed: Signed) -> None:
    _approved(signed)
    docs = [d for _, d in _rows(signed.db())]
    approve = _seq_of(docs, "change_approved")
    submit = _seq_of(docs, "change_submitted")
    # the submission's signature is replaced by the approval's one
    docs[submit] = {**docs[submit], "event": docs[approve]["event"]}
    _rewrite(signed.db(), docs)
    problem = _first_problem(signed)
    assert problem["seq"] == submit and problem["damage"] == "signature"


def test_signature_by_an_unregistered_key_is_caught(signed: Signed) -> None:
    """The vendor replaces the approval with one they signed themselves (mallory's key)."""
    from hischange.trust import parse_public_key, sign
    from hischange.workflow.signing import act_item, act_meaning, act_payload

    _approved(signed)
    docs = [d for _, d in _rows(signed.db())]
    approve = _seq_of(docs, "change_approved")
    sig_doc = docs[approve]["event"]
    assert isinstance(sig_doc, dict)
    event = docs[approve - 1]["event"]
    assert isinstance(event, dict)
    import hashlib

    sha = hashlib.sha256(canonical(event)).hexdigest()
    # the rewrite recomputes hashes: compute the last hash the same way first
    _rewrite(signed.db(), docs)
    rows = _rows(signed.db())
    with sqlite3.connect(signed.db()) as conn:
        last_hash = conn.execute("SELECT hash FROM events WHERE seq = ?", (approve,)).fetchone()[0]
    items = [act_item(approve, "change_approved", event, sha)]
    payload = act_payload(actor="reviewer@hospital", at=str(docs[approve]["at"]), nonce="00",
                          last_hash=last_hash, meaning=act_meaning(items), items=items)  # fmt: skip
    mallory = parse_public_key(signed.pub("mallory").read_text())
    docs = [d for _, d in rows]
    docs[approve]["event"] = {**sig_doc, "nonce": "00", "fingerprint": mallory.fingerprint,
                              "signature": sign(payload, signed.key["mallory"])}  # fmt: skip
    _rewrite(signed.db(), docs)
    problem = _first_problem(signed)
    assert problem["seq"] == approve and "unregistered or revoked" in str(problem["detail"])


def test_role_granted_by_a_non_root_key_is_caught(signed: Signed) -> None:
    """The vendor's developer registers mallory as an approver in a forged event signed
    with the developer's own (registered) key."""
    from hischange.project import Project
    from hischange.services.trust import Sealer

    proj = Project(signed.root)
    try:
        # forge through the library, bypassing the people rule: append directly
        from hischange.events import PersonAdded
        from hischange.trust import parse_public_key
        from hischange.workflow.projector import project

        mallory = parse_public_key(signed.pub("mallory").read_text())
        proj.sealer = Sealer(key=signed.key["dev"])
        with proj.store.write(project) as tx:
            tx.append("dev@vendor", [PersonAdded(person="mallory@vendor", roles=("approver",),
                                                 key=mallory.line,
                                                 fingerprint=mallory.fingerprint)])  # fmt: skip
        seq = proj.store.head()[0] - 1
    finally:
        proj.close()
    problem = _first_problem(signed)
    assert problem["seq"] == seq and "neither holds the root" in str(problem["detail"])


# --- checkpoints: a rewrite or truncation before one the hospital holds is caught ----------


def _checkpoint(signed: Signed, tmp: Path) -> Path:
    out = tmp / "hospital" / "2026-11.checkpoint"
    out.parent.mkdir(exist_ok=True)
    signed.run("audit", "checkpoint", "--as", "reviewer@hospital",
               "--key", str(signed.key["reviewer"]), "--out", str(out))  # fmt: skip
    return out


def test_checkpoint_is_signed_recorded_and_matched(signed: Signed, tmp_path: Path) -> None:
    _approved(signed)
    point = _checkpoint(signed, tmp_path)
    data = json.loads(point.read_text())
    assert data["signer"] == "reviewer@hospital" and data["signature"].startswith("-----BEGIN")
    # the checkpoint's signature is an ordinary SSHSIG: ssh-keygen verifies it too
    import subprocess

    from hischange.services.trust import Checkpoint

    payload = Checkpoint.model_validate(data).payload()
    signers = tmp_path / "allowed"
    signers.write_text(f"reviewer@hospital {data['key']}\n")
    sig = tmp_path / "cp.sig"
    sig.write_text(data["signature"])
    done = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(signers), "-I",
                           "reviewer@hospital", "-n", "hischange", "-s", str(sig)],
                          input=payload, capture_output=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    log = signed.run.json("audit", "log")
    assert log[-2]["event"]["type"] == "checkpoint_recorded"
    signed.act("dev", "dev@vendor", "change", "new", *CHANGE)
    report = dict(signed.run.json("audit", "verify", "--checkpoint", str(point)))
    assert report["ok"] is True and report["trust"]["checkpoints"] == 1  # type: ignore[index]
    assert (
        "checkpoints matched 1" in signed.run("audit", "verify", "--checkpoint", str(point)).output
    )


def test_rewrite_with_recomputed_hashes_is_caught_by_a_checkpoint(
    signed: Signed, tmp_path: Path
) -> None:
    cid = _approved(signed)
    point = _checkpoint(signed, tmp_path)
    docs = [d for _, d in _rows(signed.db())]
    seq = _seq_of(docs, "change_registered")
    event = docs[seq - 1]["event"]
    assert isinstance(event, dict)
    event["fields"]["title"] = "forged title"  # type: ignore[index]
    _rewrite(signed.db(), docs)
    # without the checkpoint, the rewrite hides from the chain (the signature still fails)
    report = signed.run.json("audit", "verify", "--checkpoint", str(point), code=4)
    held = [p for p in report["problems"] if p["damage"] == "checkpoint"]
    assert held and held[0]["seq"] == json.loads(point.read_text())["seq"]
    assert cid


def test_truncation_before_a_checkpoint_is_caught(signed: Signed, tmp_path: Path) -> None:
    _approved(signed)
    point = _checkpoint(signed, tmp_path)
    held_seq = json.loads(point.read_text())["seq"]
    docs = [d for _, d in _rows(signed.db())][: held_seq - 2]
    _rewrite(signed.db(), docs)
    report = signed.run.json("audit", "verify", "--checkpoint", str(point), code=4)
    problem = report["problems"][0]
    assert problem["damage"] == "truncated" and problem["seq"] == held_seq - 1


def test_forged_checkpoint_file_is_refused(signed: Signed, tmp_path: Path) -> None:
    _approved(signed)
    point = _checkpoint(signed, tmp_path)
    data = json.loads(point.read_text())
    data["seq"] = 1
    point.write_text(json.dumps(data))
    report = signed.run.json("audit", "verify", "--checkpoint", str(point), code=4)
    assert "signature does not verify" in report["problems"][0]["detail"]
    assert (
        "not a hischange checkpoint"
        in signed.run("audit", "verify", "--checkpoint", str(signed.pub("admin")), code=2).stderr
    )


def test_release_tag_head_counts_as_a_checkpoint(signed: Signed, tmp_path: Path) -> None:
    """A release tag's `ledger head: SEQ:HASH` line: rewriting the chain before it is caught."""
    from tests.support.git import git_env, init_repo

    _approved(signed)
    repo = init_repo(signed.root, git_env(tmp_path / "home"))
    repo.commit("first", {"a.txt": "a"})
    with sqlite3.connect(signed.db()) as conn:
        seq, digest = conn.execute("SELECT seq, hash FROM events WHERE seq = 3").fetchone()
    repo.git(
        "tag", "-a", "v1.0.0", "-m", f"hischange release 1.0.0\n\nledger head: {seq}:{digest}\n"
    )
    assert signed.verify()["trust"]["checkpoints"] == 1  # type: ignore[index]
    docs = [d for _, d in _rows(signed.db())]
    docs[1]["event"]["roles"] = ["approver", "admin"]  # type: ignore[index]
    _rewrite(signed.db(), docs)
    report = signed.verify(code=4)
    problems = report["problems"]
    assert isinstance(problems, list)
    assert any(
        p["damage"] == "checkpoint" and "release tag v1.0.0" in p["detail"] for p in problems
    )


# --- the 40-line recipe of docs/auditor.md, run against a real store ------------------------


def _recipe() -> str:
    doc = (Path(__file__).parents[2] / "docs" / "auditor.md").read_text(encoding="utf-8")
    section = doc.split("## Verify without hischange", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def _run_recipe(tmp_path: Path, db: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "verify_ledger.py"
    script.write_text(_recipe(), encoding="utf-8")
    return subprocess.run([sys.executable, "-I", str(script), str(db)],
                          capture_output=True, text=True, check=False)  # fmt: skip


def test_the_documented_recipe_verifies_a_real_store(signed: Signed, tmp_path: Path) -> None:
    assert len(_recipe().splitlines()) <= 40
    _approved(signed)
    signed.run("people", "revoke", "ci@hospital", "--as", "admin@hospital",
               "--key", str(signed.key["admin"]))  # fmt: skip
    signed.act("dev", "reviewer@hospital", "change", "new", *CHANGE, code=5)  # refused: recorded
    done = _run_recipe(tmp_path, signed.db())
    assert done.returncode == 0, done.stderr
    root = signed.verify()["trust"]["root_fingerprint"]  # type: ignore[index]
    assert f"every act signed; trust root {root}" in done.stdout


def test_the_documented_recipe_catches_a_forged_actor(signed: Signed, tmp_path: Path) -> None:
    _approved(signed)
    docs = [d for _, d in _rows(signed.db())]
    seq = _seq_of(docs, "change_submitted")
    docs[seq - 1]["actor"] = "reviewer@hospital"
    _rewrite(signed.db(), docs)
    done = _run_recipe(tmp_path, signed.db())
    assert done.returncode != 0 and "AssertionError" in done.stderr


def test_signature_by_a_revoked_key_is_caught(signed: Signed) -> None:
    """After dev@vendor is revoked, an act they sign with their (old) key, written behind
    hischange's back (the sealer would refuse it), is caught by verify at its sequence."""
    from hischange.events import ActSigned, ChangeSubmitted
    from hischange.ledger import format_time
    from hischange.project import Project
    from hischange.trust import parse_public_key, sign
    from hischange.workflow.projector import project
    from hischange.workflow.signing import act_item, act_meaning, act_payload

    cid = signed.new_change()
    signed.run("people", "revoke", "dev@vendor", "--as", "admin@hospital",
               "--key", str(signed.key["admin"]))  # fmt: skip
    proj = Project(signed.root)
    try:
        with proj.store.write(project) as tx:
            tx.append("dev@vendor", [ChangeSubmitted(change_id=cid)])
            ((seq, actor, type_, data, sha, digest),) = tx.pending
            tx.pending.clear()
            items = [act_item(seq, type_, data, sha)]
            meaning = act_meaning(items)
            payload = act_payload(actor=actor, at=format_time(tx.now), nonce="ab",
                                  last_hash=digest, meaning=meaning, items=items)  # fmt: skip
            key = parse_public_key(signed.pub("dev").read_text())
            tx.append(actor, [ActSigned(fingerprint=key.fingerprint, first_seq=seq,
                                        last_seq=seq, last_hash=digest, nonce="ab",
                                        meaning=meaning,
                                        signature=sign(payload, signed.key["dev"]))])  # fmt: skip
    finally:
        proj.close()
    problem = _first_problem(signed)
    assert problem["seq"] == seq and "unregistered or revoked" in str(problem["detail"])


# --- without a usable key nothing is written: exit 5, the attempt recorded -----------------


def _refusals(signed: Signed) -> list[dict[str, object]]:
    log = signed.run.json("audit", "log")
    return [e for e in log if e["event"]["type"] == "command_refused"]


def _refused_without_key(signed: Signed, out: str, key: str) -> None:
    assert "cannot sign as dev@vendor" in out and key in out and "--key" in out
    refused = _refusals(signed)
    assert len(refused) == 1
    event = refused[0]["event"]
    assert event["rule"] == "signature_required" and event["target"] == "dev@vendor"
    assert refused[0]["actor"] == "dev@vendor" and key in event["reason"]
    assert signed.run.json("change", "list") == [] or not signed.run.json("change", "list")
    assert signed.verify()["ok"] is True  # the refusal is recorded unsigned, as an attempt


@pytest.mark.parametrize("name", ["missing", "missing.pub"])
def test_missing_key_file_is_refused_and_recorded(signed: Signed, name: str) -> None:
    key = str(signed.keys / name)
    out = signed.run("change", "new", *CHANGE, "--as", "dev@vendor", "--key", key, code=5).output
    assert "no key file" in out
    _refused_without_key(signed, out, key)


def test_signing_key_variable_pointing_nowhere_is_refused_and_recorded(signed: Signed) -> None:
    key = str(signed.keys / "gone" / "id_ed25519")
    signed.run.env["HISCHANGE_SIGNING_KEY"] = key
    out = signed.run("change", "new", *CHANGE, "--as", "dev@vendor", code=5).output
    assert "HISCHANGE_SIGNING_KEY" in out
    _refused_without_key(signed, out, key)


def test_unreadable_key_file_is_refused_and_recorded(signed: Signed) -> None:
    key = signed.keys / "not-a-key"
    key.write_text("this is not an SSH key\n", encoding="utf-8")
    out = signed.run("change", "new", *CHANGE, "--as", "dev@vendor", "--key", str(key),
                     code=5).output  # fmt: skip
    _refused_without_key(signed, out, str(key))


def test_public_key_not_in_the_agent_is_refused_and_recorded(
    signed: Signed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--key id.pub` (no private key beside it) asks ssh-agent; an agent without it cannot
    sign."""
    alone = signed.keys / "pub-only"
    alone.mkdir()
    key = str(alone / "dev.pub")
    Path(key).write_bytes(signed.pub("dev").read_bytes())
    with ssh_agent() as env:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        out = signed.run("change", "new", *CHANGE, "--as", "dev@vendor", "--key", key,
                         code=5).output  # fmt: skip
        assert "ssh-keygen could not sign" in out
        _refused_without_key(signed, out, key)


def test_vendor_cannot_record_a_production_deployment_as_another_operator(signed: Signed) -> None:
    """`deploy record … --operator ops@hospital` signed by the developer's key: refused (exit 5),
    nothing written but the attempt; the operator with their own key records it."""
    signed.act("dev", "dev@vendor", "release", "import", "3.2.0", "--note", "基线")
    signed.act("dev", "dev@vendor", "deploy", "record", "3.2.0", "--env", "test", "--site",
               "总院", "--operator", "dev@vendor", "--result", "success")  # fmt: skip
    deploy = ("deploy", "record", "3.2.0", "--env", "production", "--site", "总院",
              "--operator", "reviewer@hospital", "--result", "success")  # fmt: skip
    out = signed.act("dev", "dev@vendor", *deploy, code=5)
    assert "operator reviewer@hospital is not the signer dev@vendor" in out
    assert len(signed.run.json("release", "show", "3.2.0")["deployments"]) == 1
    refused = _refusals(signed)
    assert [(r["actor"], r["event"]["rule"]) for r in refused] == [
        ("dev@vendor", "signature_required")
    ]
    assert signed.verify()["ok"] is True
    signed.act("reviewer", "reviewer@hospital", *deploy)
    assert len(signed.run.json("release", "show", "3.2.0")["deployments"]) == 2
    assert signed.verify()["ok"] is True


def test_checkpoint_without_a_usable_key_is_refused_and_recorded(signed: Signed) -> None:
    key = str(signed.keys / "missing")
    out = signed.run("audit", "checkpoint", "--as", "reviewer@hospital", "--key", key,
                     code=5).output  # fmt: skip
    assert "cannot sign as reviewer@hospital" in out and key in out
    refused = _refusals(signed)
    assert [(r["actor"], r["event"]["command"]) for r in refused] == [
        ("reviewer@hospital", "audit checkpoint")
    ]
    assert signed.verify()["ok"] is True
