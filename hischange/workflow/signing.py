"""Who may act, with which key: the trust root, people, their keys and roles. Pure.

A signed project's genesis records the hospital's root public key (``trust_root_set``).
People, their roles and their SSH public keys are ledger events the root's holder (or an
``admin`` the root registered) signs. Every act is then signed by its actor with a key
registered to them and not revoked (``act_signed``, made at the single append point).
This module holds the states, their ``apply`` functions, the rules that refuse, and the
canonical payload a signature covers (``act_payload``): the one definition of those bytes,
which the verification recipe in docs/auditor.md rebuilds with the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from pydantic import BaseModel, ConfigDict

from hischange.errors import WorkflowError
from hischange.events import (
    PersonAdded,
    PersonKeyAdded,
    PersonKeyRotated,
    PersonRevoked,
    TrustRootSet,
)
from hischange.ledger import AppendedEvent, ProjectionView, canonical
from hischange.workflow.people import person_key, same_person

__all__ = [
    "PAYLOAD_VERSION",
    "REQUIRED_ROLE",
    "ROLES",
    "SUBJECT_FIELDS",
    "ActItem",
    "KeyState",
    "PersonState",
    "TrustRoot",
    "act_item",
    "act_meaning",
    "act_payload",
    "apply_trust_event",
    "decide_passkey_act",
    "decide_people_admin",
    "decide_signer",
    "load_person",
    "load_root",
    "meaning_of",
    "people_of",
    "refuse_passkey",
    "role_holders",
    "signer_fingerprints",
    "unusable_key",
    "webauthn_payload",
]

#: Roles a person can hold in a signed project.
ROLES = ("approver", "developer", "requester", "auditor", "operator", "tester", "ci", "admin")
#: Event types that are never signed: the genesis (it records the root itself), refused
#: attempts (recorded precisely when the actor could not sign) and the signatures.
UNSIGNED_TYPES = frozenset({"trust_root_set", "command_refused", "act_signed"})
#: The role an act needs, by event type ("root" = the root's holder or an ``admin``).
REQUIRED_ROLE: dict[str, str] = {
    "change_approved": "approver",
    "change_rejected": "approver",
    "sql_approved": "approver",
    "person_added": "root",
    "person_revoked": "root",
    "person_key_rotated": "root",
    "person_key_added": "root",
}
PAYLOAD_VERSION = "hischange-act/1"
WEBAUTHN_PAYLOAD_VERSION = "hischange-webauthn/1"

_VERBS = {
    "change_registered": "register",
    "change_edited": "edit",
    "change_submitted": "submit",
    "change_approved": "approve",
    "change_rejected": "reject",
    "change_started": "start",
    "change_withdrawn": "withdraw",
    "sql_reviewed": "review SQL",
    "sql_approved": "approve SQL",
    "evidence_recorded": "record evidence",
    "release_cut": "cut release",
    "deployment_recorded": "record deployment",
    "rollback_recorded": "record rollback",
    "person_added": "register person",
    "person_revoked": "revoke person",
    "person_key_rotated": "rotate key of",
    "person_key_added": "add key of",
    "checkpoint_recorded": "checkpoint",
}
SUBJECT_FIELDS = ("change_id", "change_ids", "version", "path", "person", "evidence_id", "seq")


class TrustRoot(BaseModel):
    """The root of trust: its holder's identity and public key."""

    model_config = ConfigDict(frozen=True)

    holder: str
    key: str
    fingerprint: str
    seq: int


class KeyState(BaseModel):
    """One public key of a person: when it was registered and, if so, revoked."""

    model_config = ConfigDict(frozen=True)

    fingerprint: str
    key: str
    added_seq: int
    revoked_seq: int | None = None


class PersonState(BaseModel):
    """A registered person: identity, roles, keys; revoked from ``revoked_seq`` on."""

    model_config = ConfigDict(frozen=True)

    person: str
    roles: tuple[str, ...]
    keys: tuple[KeyState, ...]
    added_seq: int
    added_by: str
    revoked_seq: int | None = None

    def active_fingerprints(self) -> set[str]:
        """Fingerprints of the keys that sign for this person now."""
        if self.revoked_seq is not None:
            return set()
        return {k.fingerprint for k in self.keys if k.revoked_seq is None}


def load_root(view: ProjectionView) -> TrustRoot | None:
    """The trust root, or None in an unsigned project."""
    found = view.get("trust", "root")
    if found is None or isinstance(found, TrustRoot):
        return found
    return TrustRoot.model_validate(found)


def load_person(view: ProjectionView, person: str) -> PersonState | None:
    """A registered person's state, or None."""
    found = view.get("person", person_key(person))
    if found is None or isinstance(found, PersonState):
        return found
    return PersonState.model_validate(found)


def apply_trust_event(view: ProjectionView, appended: AppendedEvent) -> None:
    """Project ``trust_root_set`` and the people events."""
    event, seq = appended.event, appended.seq
    if isinstance(event, TrustRootSet):
        root = TrustRoot(holder=event.holder, key=event.key, fingerprint=event.fingerprint, seq=seq)
        view.put("trust", "root", root, seq)
        return
    if isinstance(event, PersonAdded):
        key = KeyState(fingerprint=event.fingerprint, key=event.key, added_seq=seq)
        person = PersonState(
            person=event.person,
            roles=tuple(event.roles),
            keys=(key,),
            added_seq=seq,
            added_by=appended.actor,
        )
        view.put("person", person_key(event.person), person, seq)
        return
    state = load_person(view, event.person)
    if state is None:  # the decide step refuses this; a replay of a forged ledger skips it
        return
    if isinstance(event, PersonRevoked):
        new = state.model_copy(update={"revoked_seq": seq})
    elif isinstance(event, PersonKeyAdded):
        added = KeyState(fingerprint=event.fingerprint, key=event.key, added_seq=seq)
        new = state.model_copy(update={"keys": (*state.keys, added)})
    else:
        assert isinstance(event, PersonKeyRotated)
        keys = tuple(
            k.model_copy(update={"revoked_seq": seq}) if k.revoked_seq is None else k
            for k in state.keys
        )
        added = KeyState(fingerprint=event.fingerprint, key=event.key, added_seq=seq)
        new = state.model_copy(update={"keys": (*keys, added)})
    view.put("person", person_key(event.person), new, seq)


def people_of(view: Any) -> list[PersonState]:
    """Every registered person (``view`` lists keys: a write transaction or a store)."""
    return [p for p in (load_person(view, k) for k in view.keys("person")) if p is not None]


def role_holders(people: Iterable[PersonState]) -> dict[str, tuple[str, ...]]:
    """Role -> identities of the unrevoked people holding it."""
    out: dict[str, list[str]] = {role: [] for role in ROLES}
    for person in people:
        if person.revoked_seq is None:
            for role in person.roles:
                out.setdefault(role, []).append(person.person)
    return {role: tuple(names) for role, names in out.items()}


def signer_fingerprints(view: ProjectionView, actor: str) -> set[str]:
    """The keys that sign for ``actor`` now: their registered keys, plus the root's key
    when they hold the root."""
    found: set[str] = set()
    root = load_root(view)
    if root is not None and same_person(actor, root.holder):
        found.add(root.fingerprint)
    person = load_person(view, actor)
    if person is not None:
        found |= person.active_fingerprints()
    return found


def decide_people_admin(view: ProjectionView, actor: str, what: str) -> None:
    """Refuse people/role/key changes by anyone but the root's holder or an ``admin``."""
    root = load_root(view)
    if root is None:
        raise WorkflowError(
            f"{what}: this project has no trust root, so people are not registered in it",
            rule="people_admin",
            hint="unsigned projects keep roles in .hischange/config.toml [roles]",
        )
    if same_person(actor, root.holder):
        return
    person = load_person(view, actor)
    if person is None or person.revoked_seq is not None or "admin" not in person.roles:
        raise WorkflowError(
            f"{what}: {actor} neither holds the trust root (信任根, held by {root.holder}) "
            "nor has the admin role",
            rule="people_admin",
            hint=f"ask {root.holder}, who holds the root key, to do it",
        )


def decide_signer(
    view: ProjectionView, actor: str, fingerprint: str | None, events: Sequence[dict[str, Any]]
) -> None:
    """Refuse an act the actor cannot sign: no key, a key not registered to them (or
    revoked), or an event naming an operator or tester other than the signer."""
    allowed = signer_fingerprints(view, actor)
    if not allowed:
        raise WorkflowError(
            f"{actor} is not a registered person with a key in this signed project, so "
            "they cannot act (nothing was recorded but this attempt)",
            rule="signature_required",
            hint="the trust root's holder registers people: `hischange people add`",
        )
    if fingerprint is None:
        raise WorkflowError(
            f"no signing key for {actor}: every act in this project is signed by its actor",
            rule="signature_required",
            hint="pass --key PATH (or set HISCHANGE_SIGNING_KEY, or load the key into "
            "ssh-agent); the key must be the one registered to you",
        )
    if fingerprint not in allowed:
        raise WorkflowError(
            f"the key {fingerprint} is not a current key of {actor}",
            rule="signature_required",
            hint="sign with your own registered key; `hischange people list` shows them",
        )
    for data in events:
        for field in ("operator", "tester"):
            named = _field(data, field)
            if named and not same_person(named, actor):
                raise WorkflowError(
                    f"{field} {named} is not the signer {actor}: the {field} signs the record",
                    rule="signature_required",
                    hint=f"let {named} record it with their own key (--as {named} --key …)",
                )


def unusable_key(actor: str, source: str, reason: str) -> WorkflowError:
    """The refusal (``signature_required``) for a signing key that cannot be used: missing,
    unreadable, or a ``.pub`` whose key ssh-agent does not hold. Like any act without the
    actor's key, nothing of it is written and the attempt is recorded."""
    return WorkflowError(
        f"cannot sign as {actor}: {source} cannot be used: {reason}; "
        "nothing was recorded but this attempt",
        rule="signature_required",
        hint="pass --key PATH to your own private key registered to you (or the .pub of a "
        "key ssh-agent holds: `ssh-add -l` lists them, `ssh-add KEY` loads one); "
        "`hischange people list` shows the registered fingerprints",
    )


def _field(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if isinstance(value, str):
        return value
    for nested in data.values():
        if isinstance(nested, dict) and isinstance(nested.get(name), str):
            return str(nested[name])
    return None


def _subject(data: dict[str, Any]) -> str:
    for name in SUBJECT_FIELDS:
        value = data.get(name)
        if isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value[:5]) + (" …" if len(value) > 5 else "")
        if value not in (None, "", []):
            return str(value)
    return ""


def meaning_of(event_type: str, subject: str, sha256: str) -> str:
    """The act in words, e.g. ``approve CR-2026-0007 event sha256:…``."""
    verb = _VERBS.get(event_type, event_type.replace("_", " "))
    return " ".join(part for part in (verb, subject, f"event sha256:{sha256}") if part)


ActItem = tuple[int, str, str, str]


def act_item(seq: int, event_type: str, data: dict[str, Any], sha256: str) -> ActItem:
    """One event of an act as its signature covers it: seq, type, subject, content hash."""
    return (seq, event_type, _subject(data), sha256)


def act_meaning(items: Sequence[ActItem]) -> str:
    """The act in words, one phrase per event (cut at 2000 characters for huge acts)."""
    text = "; ".join(meaning_of(t, subject, d) for _, t, subject, d in items)
    return text if len(text) <= 2000 else text[:1990] + " …"


def act_payload(
    *, actor: str, at: str, nonce: str, last_hash: str, meaning: str, items: Sequence[ActItem]
) -> bytes:
    """The bytes an act's signature covers: canonical JSON (sorted keys, no whitespace,
    UTF-8) of the actor, the time, a fresh nonce, the hash of the act's last event (which
    chains every event before it), the act's meaning in words (``act_meaning``) and, per
    event, its sequence number, type and the SHA-256 of its canonical event JSON."""
    return canonical(
        {
            "v": PAYLOAD_VERSION,
            "actor": actor,
            "at": at,
            "nonce": nonce,
            "last_hash": last_hash,
            "meaning": meaning,
            "events": [[seq, type_, digest] for seq, type_, _, digest in items],
        }
    )


def webauthn_payload(*, actor: str, issued: str, nonce: str, items: Sequence[ActItem]) -> bytes:
    """The bytes a passkey signs in the browser (the WebAuthn challenge is their SHA-256):
    what ``act_payload`` holds for the events the act will append — the act's meaning in
    words and, per event, its type and the SHA-256 of its canonical event JSON — with the
    actor, the time the page asked and a fresh nonce. Sequence numbers and the chain hash
    are not known when the reviewer signs, so they are left out; the content hashes bind the
    exact events (a changed SQL file, a changed request, another reviewer or another change
    give other bytes)."""
    return canonical(
        {
            "v": WEBAUTHN_PAYLOAD_VERSION,
            "actor": actor,
            "issued": issued,
            "nonce": nonce,
            "meaning": act_meaning(items),
            "events": [[type_, digest] for _seq, type_, _, digest in items],
        }
    )


def refuse_passkey(reason: str, hint: str | None = None) -> NoReturn:
    """Refuse an act whose passkey signature cannot stand (``signature_required``)."""
    raise WorkflowError(
        reason, rule="signature_required", hint=hint or "reload the page and sign again"
    )


def decide_passkey_act(
    signer: str,
    signed: Sequence[tuple[str, str, str]],
    actors: set[str],
    appended: Sequence[tuple[str, str, str]],
) -> None:
    """Refuse to record a passkey-signed act unless the events it appends are exactly the
    ones the reviewer signed (type, subject, content hash), all by the signer."""
    if len({person_key(a) for a in actors}) != 1 or not same_person(next(iter(actors)), signer):
        refuse_passkey("a passkey signs one person's act: its own")
    if list(appended) != list(signed):
        refuse_passkey(
            "what would be recorded is no longer what you signed (the change or the file "
            "changed after the page was loaded); nothing was recorded",
            hint="reload the page, read it again and sign again",
        )
