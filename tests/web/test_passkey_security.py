"""Passkey-signed approvals over HTTP with a software authenticator (P-256): replayed and
borrowed assertions, content changed after the page was loaded, and what `audit verify`
checks offline."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.testclient import TestClient

from hischange.events import ActSigned
from hischange.ledger import canonical, format_time
from hischange.project import find_project
from hischange.services.passkeys import save_pending_passkey, verify_passkey_act
from hischange.trust import SignatureError
from hischange.trust.webauthn import b64url
from hischange.workflow.signing import act_item
from tests.cli.test_trust_cli import Signed, _rewrite, _rows
from tests.support.cli import FrozenClock
from tests.support.keys import HAVE_SSH
from tests.web.support import client, csrf_of, give_account, sign_in

pytestmark = pytest.mark.skipif(not HAVE_SSH, reason="needs OpenSSH's ssh-keygen")

SQL = "DELETE FROM outpatient_visit WHERE visit_id = 7;\n"
RP = "testserver"
ORIGIN = "http://testserver"


class SoftKey:
    """A software WebAuthn authenticator: one P-256 credential."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cred = hashlib.sha256(str(id(self)).encode()).digest()[:16]
        self.counter = 0

    def spki(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, challenge_b64: str, origin: str = ORIGIN) -> dict[str, Any]:
        self.counter += 1
        client_data = json.dumps(
            {"type": "webauthn.get", "challenge": challenge_b64, "origin": origin}
        ).encode()
        auth = hashlib.sha256(RP.encode()).digest() + b"\x05" + self.counter.to_bytes(4, "big")
        sig = self.key.sign(auth + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.cred),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth),
                "signature": b64url(sig),
            },
        }


@pytest.fixture
def world(tmp_path: Path, clock: FrozenClock) -> dict[str, Any]:
    root = tmp_path / "project"
    root.mkdir()
    signed = Signed(root, tmp_path / "keys", clock)
    signed.add("dba@hospital", "ci", "approver")  # a second approver (any key will do)
    cid = signed.new_change()
    sql = root / "db" / "0008.sql"
    sql.parent.mkdir()
    sql.write_text(SQL, encoding="utf-8")
    signed.act("dev", "dev@vendor", "sql", "review", str(sql), "--change", cid)
    signed.act("dev", "dev@vendor", "change", "submit", cid)
    keys = {}
    for person in ("reviewer@hospital", "dba@hospital"):
        soft = SoftKey()
        proj = find_project(root, clock=clock)
        save_pending_passkey(proj, person, RP, soft.spki(), soft.cred)
        proj.close()
        signed.run("people", "add-key", person, "--passkey", "--as", "admin@hospital",
                   "--key", str(signed.key["admin"]))  # fmt: skip
        keys[person] = soft
    return {"signed": signed, "cid": cid, "sql": sql, "keys": keys, "root": root, "clock": clock}


def _session(w: dict[str, Any], person: str) -> tuple[TestClient, str]:
    web = client(w["root"], w["clock"])
    sign_in(web, person, give_account(w["signed"].run, person))
    return web, csrf_of(web.get("/queue").text)


def _begin(web: TestClient, csrf: str, cid: str, sha: str) -> Any:
    data = {"kind": "sql", "path": "db/0008.sql", "sha256": sha}
    return web.post(f"/changes/{cid}/sign/begin", json=data, headers={"X-CSRF-Token": csrf})


def _finish(web: TestClient, csrf: str, cid: str, body: dict[str, Any]) -> Any:
    return web.post(f"/changes/{cid}/sign/finish", json=body, headers={"X-CSRF-Token": csrf})


def _sha(w: dict[str, Any]) -> str:
    return str(w["signed"].run.json("sql", "status", w["cid"])["files"][0]["current_sha256"])


def test_plain_form_cannot_approve_in_a_signed_project(world: dict[str, Any]) -> None:
    web, csrf = _session(world, "reviewer@hospital")
    out = web.post(f"/changes/{world['cid']}/approve", data={"csrf": csrf})
    assert out.status_code == 409 and "passkey" in out.text
    assert world["signed"].run.json("change", "show", world["cid"])["state"] == "submitted"


def test_passkey_approval_verifies_and_replays_are_refused(world: dict[str, Any]) -> None:
    cid, sha = world["cid"], _sha(world)
    web, csrf = _session(world, "reviewer@hospital")
    begun = _begin(web, csrf, cid, sha)
    assert begun.status_code == 200, begun.text
    assert any("approve SQL " + cid in m for m in begun.json()["meanings"])
    body = world["keys"]["reviewer@hospital"].sign(begun.json()["challenge"])
    # another approver replays the reviewer's assertion in their own session: refused
    other, other_csrf = _session(world, "dba@hospital")
    assert _begin(other, other_csrf, cid, sha).status_code == 200
    stolen = _finish(other, other_csrf, cid, body)
    assert stolen.status_code == 409 and "not registered to you" in stolen.text
    # an assertion made on another site is refused
    phish = world["keys"]["reviewer@hospital"].sign(begun.json()["challenge"], "http://evil")
    assert _finish(web, csrf, cid, phish).status_code == 409
    # (the failed finish consumed the request) begin again, sign, finish: recorded
    begun = _begin(web, csrf, cid, sha)
    body = world["keys"]["reviewer@hospital"].sign(begun.json()["challenge"])
    done = _finish(web, csrf, cid, body)
    assert done.status_code == 200 and done.json()["ok"] is True, done.text
    # the same assertion again: nothing pending, refused
    assert _finish(web, csrf, cid, body).status_code == 400
    status = world["signed"].run.json("sql", "status", cid)["files"][0]
    assert status["approved_by"] == "reviewer@hospital"
    report = world["signed"].verify()
    assert report["ok"] is True, report


def test_content_changed_after_signing_is_refused(world: dict[str, Any]) -> None:
    cid, sha = world["cid"], _sha(world)
    web, csrf = _session(world, "reviewer@hospital")
    begun = _begin(web, csrf, cid, sha)
    body = world["keys"]["reviewer@hospital"].sign(begun.json()["challenge"])
    # the vendor edits and re-reviews the file between the page and the signature
    world["sql"].write_text(SQL + "DELETE FROM outpatient_visit;\n", encoding="utf-8")
    world["signed"].act("dev", "dev@vendor", "sql", "review", str(world["sql"]),
                        "--change", cid, code=1)  # fmt: skip
    refused = _finish(web, csrf, cid, body)
    assert refused.status_code == 409 and "changed" in refused.text
    assert world["signed"].run.json("sql", "status", cid)["files"][0]["status"] == "reviewed"
    # a page loaded before the edit cannot even ask: the hash it shows is not the file's
    again = _begin(web, csrf, cid, sha)
    assert again.status_code == 409 and "changed after the page was loaded" in again.text
    assert world["signed"].verify()["ok"] is True


def test_verify_catches_an_edited_passkey_approval(world: dict[str, Any]) -> None:
    cid, sha = world["cid"], _sha(world)
    web, csrf = _session(world, "reviewer@hospital")
    begun = _begin(web, csrf, cid, sha)
    body = world["keys"]["reviewer@hospital"].sign(begun.json()["challenge"])
    assert _finish(web, csrf, cid, body).status_code == 200
    # offline, as audit verify does: the recorded assertion covers exactly these items
    log = world["signed"].run.json("audit", "log")
    act_doc, approved = log[-1], log[-2]
    act = ActSigned.model_validate(act_doc["event"])
    people = {p["person"]: p for p in world["signed"].run.json("people", "list")}
    assert act.fingerprint in people["reviewer@hospital"]["fingerprints"]
    proj = find_project(world["root"], clock=world["clock"])
    state = proj.store.aggregate("person", "reviewer@hospital")
    proj.close()
    assert state is not None
    key = next(k["key"] for k in state["keys"] if k["fingerprint"] == act.fingerprint)
    raw = canonical(approved["event"])
    items = [act_item(approved["seq"], "sql_approved", approved["event"],
                      hashlib.sha256(raw).hexdigest())]  # fmt: skip
    at = act_doc["at"].replace("+00:00", "Z")
    at = format_time(datetime.fromisoformat(at))
    verify_passkey_act(key, "reviewer@hospital", at, act, items, set())
    forged = {**approved["event"], "accept_risk": "forged reason"}
    bad = [act_item(approved["seq"], "sql_approved", forged,
                    hashlib.sha256(canonical(forged)).hexdigest())]  # fmt: skip
    with pytest.raises(SignatureError, match="another challenge"):
        verify_passkey_act(key, "reviewer@hospital", at, act, bad, set())
    with pytest.raises(SignatureError, match="used before"):
        verify_passkey_act(key, "reviewer@hospital", at, act, items, {act.nonce})
    with pytest.raises(SignatureError, match="another challenge"):
        verify_passkey_act(key, "dba@hospital", at, act, items, set())
    # in the stored ledger: the edited approval, chain rehashed, is caught at its sequence
    db = world["root"] / ".hischange" / "hischange.db"
    docs = [d for _, d in _rows(db)]
    seq = len(docs) - 1
    event = docs[seq - 1]["event"]
    assert isinstance(event, dict) and event["type"] == "sql_approved"
    event["accept_risk"] = "forged reason"
    _rewrite(db, docs)
    report = world["signed"].verify(code=4)
    problems = [p for p in report["problems"] if p["damage"] == "signature"]  # type: ignore[union-attr]
    assert problems and problems[0]["seq"] == seq, report
