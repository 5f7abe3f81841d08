"""Passkeys (WebAuthn security keys) as signing keys of the trust registry, and acts signed
with them in the browser.

Registering: the web page makes the credential and keeps it as a *pending* registration in
the web folder; the trust root's holder (or an admin) adds it to the ledger with
``hischange people add-key PERSON --passkey`` — a ``person_key_added`` event they sign with
their SSH key, as every people event. Only then does the passkey sign for its person.

Signing: the page asks for an act (approve a change, approve an SQL file, reject); the
service runs it once as a dry run that writes nothing (``prepare_act``), capturing the exact
events it would append; their items (type, subject, SHA-256 of the canonical event JSON,
meaning) with the actor, the time and a fresh nonce are ``webauthn_payload``; its SHA-256 is
the WebAuthn challenge the reviewer's authenticator signs. ``complete_act`` runs the act
again: the events it appends must have exactly the signed items (else nothing is written),
and the assertion is recorded as the act's ``act_signed`` event, which ``audit verify``
checks offline (``verify_passkey_act``) like any SSH signature.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from hischange import trust
from hischange.errors import NotFoundError, UsageError, clip
from hischange.events import ActSigned, PersonKeyAdded
from hischange.ledger import format_time
from hischange.project import Project
from hischange.services.accounts import accounts_dir, read_json
from hischange.store import WriteTx
from hischange.workflow.people import person_key
from hischange.workflow.signing import (
    ActItem,
    PersonState,
    act_item,
    act_meaning,
    decide_passkey_act,
    decide_signer,
    load_root,
    meaning_of,
    refuse_passkey,
    webauthn_payload,
)

parse_time = datetime.fromisoformat

__all__ = [
    "ISSUED_WINDOW",
    "PasskeyIntent",
    "PendingPasskey",
    "add_passkey",
    "complete_act",
    "passkey_fingerprint",
    "passkeys_of",
    "pending_passkey",
    "prepare_act",
    "save_pending_passkey",
    "verify_passkey_act",
]

#: How long a signed challenge stays good: the act must be recorded within this time.
ISSUED_WINDOW = timedelta(minutes=15)


class PendingPasskey(BaseModel):
    """A passkey made in the browser, waiting for the root's holder to register it."""

    model_config = ConfigDict(frozen=True)

    person: str
    key: str
    fingerprint: str
    credential_id: str
    made_at: str


def _pending_file(proj: Project, person: str) -> Path:
    digest = hashlib.sha256(person_key(person).encode()).hexdigest()[:24]
    return accounts_dir(proj) / "passkeys" / f"{digest}.json"


def save_pending_passkey(
    proj: Project, person: str, rp_id: str, spki_der: bytes, credential_id: bytes
) -> PendingPasskey:
    """Keep a passkey made in the browser until the root's holder adds it."""
    pending = PendingPasskey(
        person=person,
        key=trust.webauthn.key_line(rp_id, spki_der),
        fingerprint=trust.webauthn.fingerprint(spki_der),
        credential_id=trust.webauthn.b64url(credential_id),
        made_at=format_time(proj.store.clock()),
    )
    path = _pending_file(proj, person)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_text(pending.model_dump_json(), encoding="utf-8")
    _remember_credential(proj, pending.fingerprint, pending.credential_id)
    return pending


def pending_passkey(proj: Project, person: str) -> PendingPasskey | None:
    """The passkey waiting for registration for ``person``, if any."""
    path = _pending_file(proj, person)
    try:
        data = read_json(path)
        return None if data is None else PendingPasskey.model_validate(data)
    except (UsageError, ValueError):
        return None


def _credentials_file(proj: Project) -> Path:
    return accounts_dir(proj) / "passkeys" / "credentials.json"


def _remember_credential(proj: Project, fingerprint: str, credential_id: str) -> None:
    path = _credentials_file(proj)
    known = read_json(path) or {}
    known[fingerprint] = credential_id
    path.write_text(json.dumps(known, sort_keys=True), encoding="utf-8")


def passkeys_of(proj: Project, person: str) -> list[tuple[str, str]]:
    """(fingerprint, credential id) of the passkeys registered in the ledger for ``person``
    (the credential id, which the browser needs to find the key, is kept in the web folder)."""
    from hischange.services.trust import list_people

    known = read_json(_credentials_file(proj)) or {}
    for p in list_people(proj):
        if person_key(p.person) == person_key(person) and not p.revoked:
            return [
                (fp, str(known.get(fp, "")))
                for fp in p.fingerprints
                if fp.startswith(trust.webauthn.PREFIX)
            ]
    return []


def passkey_fingerprint(proj: Project, person: str, credential_id: str) -> str:
    """The fingerprint of ``person``'s registered passkey with this credential id (a
    refusal when it is not theirs)."""
    found = {cred: fp for fp, cred in passkeys_of(proj, person) if cred}
    if credential_id not in found:
        refuse_passkey("this passkey is not registered to you in the ledger")
    return found[credential_id]


def add_passkey(proj: Project, actor: str, person: str) -> PendingPasskey:
    """Register the passkey ``person`` made in the web page (signed by ``actor``, who holds
    the root or the admin role); the pending registration is then removed."""
    from hischange.services.trust import _existing, _people_write

    pending = pending_passkey(proj, person)
    if pending is None:
        raise NotFoundError(
            f"no passkey of {clip(person)} waits for registration",
            hint="the person registers one first on the web page's 安全密钥 Passkeys page",
        )
    with _people_write(proj, actor, f"people add-key {person}") as tx:
        _existing(tx, pending.person)
        tx.append(
            actor,
            [
                PersonKeyAdded(
                    person=pending.person, key=pending.key, fingerprint=pending.fingerprint
                )
            ],
        )
    _pending_file(proj, person).unlink(missing_ok=True)
    return pending


# --- signing an act in the browser -------------------------------------------------------


class PasskeyIntent(BaseModel):
    """An act waiting for the reviewer's passkey: what it will append and the challenge."""

    model_config = ConfigDict(frozen=True)

    actor: str
    issued: str
    nonce: str
    #: (type, subject, SHA-256 of the canonical event JSON) of each event of the act.
    items: tuple[tuple[str, str, str], ...]

    def payload(self) -> bytes:
        """The bytes signed (see ``workflow.signing.webauthn_payload``)."""
        items = [(0, t, s, d) for t, s, d in self.items]
        return webauthn_payload(actor=self.actor, issued=self.issued, nonce=self.nonce, items=items)

    def challenge(self) -> bytes:
        """The WebAuthn challenge: the SHA-256 of the payload."""
        return hashlib.sha256(self.payload()).digest()

    def meanings(self) -> list[str]:
        """The act in words, as the reviewer is asked to confirm it."""
        return [meaning_of(t, s, d) for t, s, d in self.items]


class _DryRun(Exception):
    def __init__(self, items: list[tuple[str, str, str]]) -> None:
        super().__init__("dry run")
        self.items = items


def _items(tx: WriteTx) -> list[ActItem]:
    return [act_item(seq, type_, data, sha) for seq, _, type_, data, sha, _ in tx.pending]


def prepare_act(proj: Project, actor: str, run: Callable[[Project], Any]) -> PasskeyIntent:
    """Run the act ``run`` (a service call) without writing it, and return what the reviewer
    signs. A refusal is recorded and raised as from the CLI."""

    def capture(tx: WriteTx) -> None:
        if not tx.pending:
            return  # a refusal (unsigned by design) is written
        raise _DryRun([(t, s, d) for _, t, s, d in _items(tx)])

    proj.sealer = capture
    try:
        run(proj)
    except _DryRun as done:
        return PasskeyIntent(
            actor=actor,
            issued=format_time(proj.store.clock()),
            nonce=secrets.token_hex(16),
            items=tuple(done.items),
        )
    raise UsageError("this act appends nothing to sign")


@dataclass
class _PasskeySealer:
    intent: PasskeyIntent
    fingerprint: str
    assertion: dict[str, str]
    used: list[bool] = field(default_factory=list)

    def __call__(self, tx: WriteTx) -> None:
        if not tx.pending or load_root(tx) is None:
            return
        run = list(tx.pending)
        actor = run[0][1]
        items = _items(tx)
        decide_passkey_act(
            self.intent.actor,
            self.intent.items,
            {p[1] for p in run},
            [(t, s, d) for _, t, s, d in items],
        )
        decide_signer(tx, actor, self.fingerprint, [p[3] for p in run])
        tx.pending.clear()
        signed = ActSigned(
            fingerprint=self.fingerprint,
            first_seq=run[0][0],
            last_seq=run[-1][0],
            last_hash=run[-1][5],
            nonce=self.intent.nonce,
            meaning=act_meaning(items),
            signature=json.dumps(
                {"webauthn": 1, "issued": self.intent.issued, **self.assertion},
                sort_keys=True,
                separators=(",", ":"),
            ),
        )
        tx.append(actor, [signed])
        self.used.append(True)


def complete_act(
    proj: Project,
    intent: PasskeyIntent,
    fingerprint: str,
    assertion: dict[str, str],
    expected_origin: str,
    run: Callable[[Project], Any],
) -> Any:
    """Check the browser's assertion (``authenticator_data``, ``client_data_json``,
    ``signature``, base64url) over the intent's challenge with the person's registered
    passkey, then run the act for real with that assertion as its signature."""
    key = _registered_key(proj, intent.actor, fingerprint)
    try:
        client = trust.webauthn.unb64url(assertion["client_data_json"])
        origin = json.loads(client).get("origin")
        trust.webauthn.verify(
            key,
            intent.challenge(),
            trust.webauthn.unb64url(assertion["authenticator_data"]),
            client,
            trust.webauthn.unb64url(assertion["signature"]),
        )
    except (KeyError, ValueError, AttributeError, trust.SignatureError) as exc:
        refuse_passkey(f"the passkey assertion does not verify: {exc}")
    if origin != expected_origin:
        refuse_passkey(
            f"the passkey was used on {clip(origin)}, not on this site ({expected_origin})"
        )
    if parse_time(intent.issued) + ISSUED_WINDOW < proj.store.clock():
        refuse_passkey("the signed request is too old; sign again")
    proj.sealer = _PasskeySealer(
        intent,
        fingerprint,
        {k: assertion[k] for k in ("authenticator_data", "client_data_json", "signature")},
    )
    return run(proj)


def _registered_key(proj: Project, actor: str, fingerprint: str) -> str:
    data = proj.store.aggregate("person", person_key(actor))
    person = PersonState.model_validate(data) if data is not None else None
    if person is None or fingerprint not in person.active_fingerprints():
        refuse_passkey(f"{fingerprint} is not a registered passkey of {actor}")
    return next(k.key for k in person.keys if k.fingerprint == fingerprint)


# --- verification (audit verify) ---------------------------------------------------------


def verify_passkey_act(
    key: str, actor: str, at: str, act: ActSigned, items: list[ActItem], nonces: set[str]
) -> None:
    """Check a passkey-signed act offline: the assertion signs ``webauthn_payload`` of the
    covered events (rebuilt from the ledger), within ``ISSUED_WINDOW`` before the act, with a
    nonce used once. ``SignatureError`` says what is wrong."""
    try:
        sig = json.loads(act.signature)
        issued = str(sig["issued"])
        authenticator_data = trust.webauthn.unb64url(str(sig["authenticator_data"]))
        client = trust.webauthn.unb64url(str(sig["client_data_json"]))
        signature = trust.webauthn.unb64url(str(sig["signature"]))
    except (ValueError, KeyError, TypeError):
        raise trust.SignatureError("not a recorded passkey assertion") from None
    if act.nonce in nonces:
        raise trust.SignatureError(f"nonce {act.nonce} was used before: a replayed assertion")
    nonces.add(act.nonce)
    try:
        issued_at, act_at = parse_time(issued), parse_time(at)
    except ValueError:
        raise trust.SignatureError("the assertion's time is not a time") from None
    if not issued_at <= act_at <= issued_at + ISSUED_WINDOW:
        raise trust.SignatureError(f"signed at {issued}, recorded at {at}: outside the window")
    payload = webauthn_payload(actor=actor, issued=issued, nonce=act.nonce, items=items)
    trust.webauthn.verify(
        key, hashlib.sha256(payload).digest(), authenticator_data, client, signature
    )
