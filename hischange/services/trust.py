"""Trust: the root of trust, people and their keys, signing every act, checking signatures.

``Sealer`` is installed on the store (``Store.sealer``) and runs at the one append point,
``Store.write``: every transaction's acts are signed there by their actor's key, whichever
service appended them, or the transaction is refused (exit 5) and the attempt recorded.
``TrustCheck`` is fed every event by ``audit verify``'s replay and checks who: each
signature, that its key belonged to the actor then, and that the actor held the role.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from hischange.store import WriteTx

from hischange import trust
from hischange.config import RolesConfig
from hischange.errors import ConfigError, HischangeError, UsageError, WorkflowError, clip
from hischange.events import (
    UNSIGNED_TYPES,
    ActSigned,
    AnyEvent,
    CheckpointRecorded,
    CommandRefused,
    PersonAdded,
    PersonKeyRotated,
    PersonRevoked,
    TrustRootSet,
)
from hischange.files import read_regular
from hischange.ledger import ProjectionView, canonical, format_time
from hischange.project import Project
from hischange.workflow.people import same_person
from hischange.workflow.projector import project
from hischange.workflow.signing import (
    REQUIRED_ROLE,
    ROLES,
    SUBJECT_FIELDS,
    ActItem,
    PersonState,
    TrustRoot,
    act_item,
    act_meaning,
    act_payload,
    decide_people_admin,
    decide_signer,
    load_person,
    load_root,
    role_holders,
    signer_fingerprints,
    unusable_key,
)

__all__ = [
    "Checkpoint",
    "Person",
    "Sealer",
    "TrustCheck",
    "TrustSummary",
    "add_person",
    "check_checkpoints",
    "effective_roles",
    "list_people",
    "make_checkpoint",
    "revoke_person",
    "rotate_key",
    "set_trust_root",
    "trust_root",
]

SIGNING_KEY_ENV = "HISCHANGE_SIGNING_KEY"


def personal_keys_file() -> Path:
    """The per-person setting: ``$XDG_CONFIG_HOME/hischange/keys.toml`` (default
    ``~/.config/hischange/keys.toml``), identity = key path, e.g.
    ``"reviewer@hospital" = "~/.ssh/id_ed25519"``. It lives in the person's home, never in
    the project (whose config the vendor edits)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "hischange" / "keys.toml"


def personal_key(actor: str) -> Path | None:
    """The key ``keys.toml`` names for ``actor`` (identities compared as everywhere)."""
    path = personal_keys_file()
    if not actor or not path.is_file():
        return None
    import tomllib

    try:
        table = tomllib.loads(read_regular(path, "keys file", max_bytes=64 * 1024).decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not a TOML table of identity = key path ({exc})") from None
    for who, key in table.items():
        if same_person(who, actor) and isinstance(key, str):
            return Path(key).expanduser()
    return None


def _read_key(path: Path) -> trust.PublicKey:
    data = read_regular(path, "public key file", max_bytes=64 * 1024)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(
            f"cannot read the public key {path}: not UTF-8 text",
            hint="give the .pub file ssh-keygen wrote, e.g. id_ed25519.pub",
        ) from None
    try:
        return trust.parse_public_key(text)
    except UsageError as exc:
        raise UsageError(f"{path}: {exc.message}", hint=exc.hint) from None


@contextmanager
def _people_write(proj: Project, actor: str, what: str) -> Iterator[WriteTx]:
    """A write transaction for a people event; a refusal (not the root, not an admin) is
    recorded as an attempt, then raised."""
    refusal: WorkflowError | None = None
    with proj.store.write(project) as tx:
        try:
            decide_people_admin(tx, actor, what)
        except WorkflowError as exc:
            refusal = exc
            event = CommandRefused(command=what, target=actor, rule=exc.rule, reason=exc.message)
            tx.append(actor, [event])
        if refusal is None:
            yield tx
    if refusal is not None:
        raise refusal


def trust_root(proj: Project) -> TrustRoot | None:
    """The project's trust root, or None when it is unsigned."""
    data = proj.store.aggregate("trust", "root")
    return None if data is None else TrustRoot.model_validate(data)


def set_trust_root(proj: Project, holder: str, key_file: Path) -> TrustRoot:
    """Record the hospital's root public key (``init --trust-root``): once per ledger."""
    key = _read_key(key_file)
    with proj.store.write(project) as tx:
        if load_root(tx) is not None:
            raise UsageError(
                "this ledger already has a trust root; it is recorded once and never replaced",
                hint="`hischange audit verify` shows its fingerprint",
            )
        event = TrustRootSet(holder=holder, key=key.line, fingerprint=key.fingerprint)
        tx.append(holder, [event])
        root = load_root(tx)
    assert root is not None
    return root


def effective_roles(proj: Project) -> RolesConfig:
    """Who holds which role: the ledger's people in a signed project, else config.toml."""
    if trust_root(proj) is None:
        return proj.config.roles
    people = [PersonState.model_validate(d) for d in proj.store.aggregates_of("person")]
    holders = role_holders(people)
    return RolesConfig(
        approvers=holders["approver"],
        developers=holders["developer"],
        auditors=holders["auditor"],
        requesters=holders["requester"],
    )


class Person(BaseModel):
    """A registered person as ``people list`` shows them."""

    model_config = ConfigDict(frozen=True)

    person: str
    roles: tuple[str, ...]
    fingerprints: tuple[str, ...]
    revoked: bool
    added_seq: int
    added_by: str


def _as_person(state: PersonState) -> Person:
    return Person(
        person=state.person,
        roles=state.roles,
        fingerprints=tuple(sorted(state.active_fingerprints())),
        revoked=state.revoked_seq is not None,
        added_seq=state.added_seq,
        added_by=state.added_by,
    )


def _check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(r.strip().lower() for r in roles))
    unknown = [r for r in out if r not in ROLES]
    if unknown or not out:
        raise UsageError(
            f"unknown role {clip(', '.join(unknown) or '(none)')}",
            hint=f"give --role one or more of: {', '.join(ROLES)}",
        )
    return out


def add_person(
    proj: Project, actor: str, person: str, roles: Iterable[str], key_file: Path
) -> Person:
    """Register a person with roles and a public key (signed by the root or an admin)."""
    role_list, key = _check_roles(roles), _read_key(key_file)
    with _people_write(proj, actor, f"people add {person}") as tx:
        if load_person(tx, person) is not None:
            raise UsageError(
                f"{person} is already registered",
                hint="`people rotate` replaces a key; `people revoke` ends a registration",
            )
        event = PersonAdded(
            person=person, roles=role_list, key=key.line, fingerprint=key.fingerprint
        )
        tx.append(actor, [event])
        state = load_person(tx, person)
    assert state is not None
    return _as_person(state)


def _existing(tx: WriteTx, person: str) -> PersonState:
    state = load_person(tx, person)
    if state is None or state.revoked_seq is not None:
        raise UsageError(
            f"{person} is not a registered, unrevoked person",
            hint="`hischange people list` shows who is registered",
        )
    return state


def revoke_person(proj: Project, actor: str, person: str, reason: str = "") -> Person:
    """Revoke a person: from now on nothing they sign counts."""
    with _people_write(proj, actor, f"people revoke {person}") as tx:
        _existing(tx, person)
        tx.append(actor, [PersonRevoked(person=person, reason=reason)])
        state = load_person(tx, person)
    assert state is not None
    return _as_person(state)


def rotate_key(proj: Project, actor: str, person: str, key_file: Path) -> Person:
    """Replace a person's key with a new one."""
    key = _read_key(key_file)
    with _people_write(proj, actor, f"people rotate {person}") as tx:
        old = _existing(tx, person)
        event = PersonKeyRotated(
            person=person,
            key=key.line,
            fingerprint=key.fingerprint,
            old_fingerprint=",".join(sorted(old.active_fingerprints())),
        )
        tx.append(actor, [event])
        state = load_person(tx, person)
    assert state is not None
    return _as_person(state)


def list_people(proj: Project) -> list[Person]:
    """Every registered person, by identity."""
    people = [PersonState.model_validate(d) for d in proj.store.aggregates_of("person")]
    return sorted((_as_person(p) for p in people), key=lambda p: p.person.casefold())


# --- signing at the append point ---------------------------------------------------------


@dataclass
class Sealer:
    """Signs each transaction's acts with the actor's key (``Store.sealer``).

    The key: ``key`` (``--key``), else ``$HISCHANGE_SIGNING_KEY``, else a key ssh-agent
    holds that is registered to the actor. ``sign`` is the signing function (tests and
    benchmarks may count calls); it defaults to ``ssh-keygen -Y sign``.
    """

    key: Path | None = None
    sign: Callable[[bytes, Path], str] = field(default=trust.sign)

    def __call__(self, tx: WriteTx) -> None:
        if not tx.pending or load_root(tx) is None:
            return
        runs: list[list[Any]] = []
        for item in tx.pending:
            if runs and runs[-1][0][1] == item[1]:
                runs[-1].append(item)
            else:
                runs.append([item])
        tx.pending.clear()
        for run in runs:
            self._seal(tx, run)

    def _seal(self, tx: WriteTx, run: list[Any]) -> None:
        actor = run[0][1]
        allowed = signer_fingerprints(tx, actor)
        key_path, fingerprint = self._key_for(allowed, actor)
        decide_signer(tx, actor, fingerprint, [item[3] for item in run])
        assert key_path is not None
        items = [act_item(seq, type_, data, sha) for seq, _, type_, data, sha, _ in run]
        nonce = secrets.token_hex(16)
        last_hash = run[-1][5]
        meaning = act_meaning(items)
        payload = act_payload(
            actor=actor,
            at=format_time(tx.now),
            nonce=nonce,
            last_hash=last_hash,
            meaning=meaning,
            items=items,
        )
        try:
            signature = self.sign(payload, key_path)
        except WorkflowError:
            raise
        except HischangeError as exc:
            raise self._unusable(actor, key_path, exc) from None
        finally:
            if key_path.parent.name.startswith("hischange-agent-"):
                shutil.rmtree(key_path.parent, ignore_errors=True)
        signed = ActSigned(
            fingerprint=str(fingerprint),
            first_seq=run[0][0],
            last_seq=run[-1][0],
            last_hash=last_hash,
            nonce=nonce,
            meaning=meaning,
            signature=signature,
        )
        tx.append(actor, [signed])

    def _key_for(self, allowed: set[str], actor: str = "") -> tuple[Path | None, str | None]:
        from_env = os.environ.get(SIGNING_KEY_ENV)
        env_path = Path(from_env).expanduser() if from_env else None
        explicit = self.key or env_path or personal_key(actor)
        if explicit is not None:
            try:
                return explicit, trust.public_key_of(explicit.expanduser()).fingerprint
            except WorkflowError:
                raise
            except HischangeError as exc:
                raise self._unusable(actor, explicit, exc) from None
        for key in trust.agent_keys():
            if key.fingerprint in allowed:
                folder = Path(tempfile.mkdtemp(prefix="hischange-agent-"))
                pub = folder / "agent_key.pub"
                pub.write_text(key.line + "\n", encoding="ascii")
                return pub, key.fingerprint
        return None, None

    def _unusable(self, actor: str, path: Path, exc: HischangeError) -> WorkflowError:
        """The refusal for a key that cannot sign (missing, unreadable, not in the agent):
        exit 5 and the attempt recorded, like any act without the actor's key."""
        from_env = os.environ.get(SIGNING_KEY_ENV)
        if path.parent.name.startswith("hischange-agent-"):
            source = "the key ssh-agent offered"
        elif self.key is not None and not (from_env and Path(from_env).expanduser() == self.key):
            source = f"the signing key {path} (given by --key)"
        elif from_env and Path(from_env).expanduser() == path:
            source = f"the signing key {path} (from ${SIGNING_KEY_ENV})"
        else:
            source = f"the signing key {path} (named for you in {personal_keys_file()})"
        return unusable_key(actor, source, exc.message)


# --- verification ------------------------------------------------------------------------


class TrustSummary(BaseModel):
    """What ``audit verify`` says about signatures."""

    model_config = ConfigDict(frozen=True)

    mode: str
    root_fingerprint: str | None
    root_holder: str | None
    signed_events: int
    signers: int
    unsigned_before_root: int
    #: Checkpoints (``--checkpoint`` files, release tags) the ledger was found to hold.
    checkpoints: int = 0


#: Signatures checked per batch; from the second full batch on, batches go to a pool of
#: worker processes (the machine's other cores) while the replay goes on.
VERIFY_BATCH = 2048


@dataclass(frozen=True)
class _Deferred:
    """An act whose signature is being checked: where its outcome goes among the problems."""

    index: int
    first: int
    last: int
    actor: str
    role: tuple[int, str] | None
    count: int


class _Batches:
    """Signatures to check, ``(signature, payload, key line)``, in batches: the first full
    batch and the rest are checked in-process unless there is another core, then in a
    process pool (``cryptography``'s verify holds the GIL, so threads would not help)."""

    def __init__(self) -> None:
        self.current: list[tuple[str, bytes, str]] = []
        self.done: list[list[str | None] | Any] = []
        self.count = 0
        self._pool: Any = None

    def add(self, signature: str, payload: bytes, key: str) -> int:
        self.current.append((signature, payload, key))
        self.count += 1
        if len(self.current) >= VERIFY_BATCH:
            self._submit()
        return self.count - 1

    def _submit(self) -> None:
        batch, self.current = self.current, []
        pool = self._get_pool()
        self.done.append(
            trust.verify_many(batch) if pool is None else pool.submit(trust.verify_many, batch)
        )

    def _get_pool(self) -> Any:
        if self._pool is None:
            workers = min(4, (os.cpu_count() or 1) - 1)
            if workers < 1 or not self.done:  # the first batch runs here (small ledgers)
                return None
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self._pool = ProcessPoolExecutor(workers, mp_context=context)
        return self._pool

    def results(self) -> list[str | None]:
        """Every outcome, in the order added (waits for the pool; then closes it)."""
        if self.current:
            batch, self.current = self.current, []
            self.done.append(trust.verify_many(batch))
        out: list[str | None] = []
        try:
            for part in self.done:
                out.extend(part if isinstance(part, list) else part.result())
        finally:
            self.close()
        self.done = []
        return out

    def close(self) -> None:
        """Stop the worker processes (idempotent)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


@dataclass
class TrustCheck:
    """Checks who, fed every event in order by ``audit verify``'s replay (which keeps the
    people's states as of each event in ``view``)."""

    view: ProjectionView
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    pending: list[tuple[int, str, str, dict[str, Any], str, str]] = field(default_factory=list)
    signed: int = 0
    signers: set[str] = field(default_factory=set)
    before_root: int = 0
    #: Nonces of passkey-signed acts seen so far (a replayed assertion repeats one).
    nonces: set[str] = field(default_factory=set)
    _root: TrustRoot | None = None
    #: Problems in the order they are met, and acts whose signature is still being checked
    #: (``finish`` resolves them, in place, into ``problems``).
    _log: list[tuple[int, str, str] | _Deferred] = field(default_factory=list)
    _batches: _Batches = field(default_factory=lambda: _Batches())

    def feed(
        self, seq: int, actor: str, at: str, digest: str, event: AnyEvent, raw: bytes | None
    ) -> None:
        """One event, after the replay projected it."""
        type_ = event.type
        if self._root is None:
            if isinstance(event, TrustRootSet):
                self._root = load_root(self.view)
            elif type_ not in UNSIGNED_TYPES:
                self.before_root += 1
            return
        if isinstance(event, ActSigned):
            self._check_act(seq, actor, at, event)
            return
        if type_ in UNSIGNED_TYPES:
            return
        if raw is None:
            raw = canonical(event.model_dump(mode="json"))
        fields = event.__dict__
        data = {f: fields[f] for f in SUBJECT_FIELDS if f in fields}
        sha = hashlib.sha256(raw).hexdigest()
        self.pending.append((seq, actor, type_, data, sha, digest))

    def _problem(self, seq: int, detail: str) -> None:
        self._log.append((seq, "signature", detail))

    def _check_act(self, seq: int, actor: str, at: str, act: ActSigned) -> None:
        pending, self.pending = self.pending, []
        covered = [p for p in pending if act.first_seq <= p[0] <= act.last_seq]
        for p in pending:
            if p[0] < act.first_seq:
                self._problem(p[0], f"{p[2]} by {p[1]} is not signed (signature stripped?)")
        first = covered[0][0] if covered else seq
        if (
            not covered
            or act.last_seq != seq - 1
            or covered[-1][0] != act.last_seq
            or covered[-1][5] != act.last_hash
            or len(covered) != act.last_seq - act.first_seq + 1
        ):
            self._problem(
                first,
                f"the signature at {seq} does not belong here: it names events "
                f"{act.first_seq}..{act.last_seq} (copied from another record?)",
            )
            return
        for p in covered:
            if not same_person(p[1], actor):
                self._problem(p[0], f"{p[2]} claims actor {p[1]} but was signed by {actor}")
                return
        allowed = signer_fingerprints(self.view, actor)
        if act.fingerprint not in allowed:
            person = load_person(self.view, actor)
            who = (
                "a key revoked before this act (unregistered or revoked key)"
                if person is not None
                else "an unregistered or revoked key: no registered person of that name"
            )
            self._problem(first, f"signed by {actor} with {act.fingerprint}: {who}")
            return
        key = self._key_line(actor, act.fingerprint)
        items: list[ActItem] = [act_item(p[0], p[2], p[3], p[4]) for p in covered]
        if act.meaning != act_meaning(items):
            self._problem(first, f"the signed meaning at {seq} does not describe its events")
            return
        if act.fingerprint.startswith(trust.webauthn.PREFIX):
            from hischange.services.passkeys import verify_passkey_act

            try:
                verify_passkey_act(key, actor, at, act, items, self.nonces)
            except (trust.SignatureError, UsageError) as exc:
                self._problem(first, self._bad_signature(first, act.last_seq, actor, str(exc)))
                return
            self._settle(self._role_check(actor, covered), actor, len(covered))
            return
        payload = act_payload(
            actor=actor,
            at=at,
            nonce=act.nonce,
            last_hash=act.last_hash,
            meaning=act.meaning,
            items=items,
        )
        # The role check uses the people as of this event; its outcome counts only if the
        # signature verifies, which is checked in batches (``_Batches``), possibly on
        # another core; the outcome takes this act's place among the problems.
        role = self._role_check(actor, covered)
        self._log.append(
            _Deferred(self._batches.add(act.signature, payload, key), first, act.last_seq,
                      actor, role, len(covered))
        )  # fmt: skip

    @staticmethod
    def _bad_signature(first: int, last: int, actor: str, reason: str) -> str:
        return f"the signature of events {first}..{last} by {actor} does not verify: {reason}"

    def _role_check(
        self, actor: str, covered: list[tuple[int, str, str, dict[str, Any], str, str]]
    ) -> tuple[int, str] | None:
        """The first covered event whose act needs a role ``actor`` does not hold."""
        for p in covered:
            need = REQUIRED_ROLE.get(p[2])
            if need == "root":
                if not self._may_admin(actor, p[0]):
                    return (p[0], f"{p[2]} by {actor}, who neither holds the root nor is an admin")
            elif need is not None:
                person = load_person(self.view, actor)
                if person is None or need not in person.roles:
                    return (p[0], f"{p[2]} by {actor}, who does not hold the {need} role")
        return None

    def _settle(self, role: tuple[int, str] | None, actor: str, count: int) -> None:
        """An act whose signature verified: its role problem, or it counts as signed."""
        if role is not None:
            self._problem(*role)
            return
        self.signed += count
        self.signers.add(actor.strip().casefold())

    def _may_admin(self, actor: str, seq: int) -> bool:
        root = self._root
        if root is not None and same_person(actor, root.holder):
            return True
        person = load_person(self.view, actor)
        return person is not None and person.revoked_seq is None and "admin" in person.roles

    def _key_line(self, actor: str, fingerprint: str) -> str:
        root = self._root
        if root is not None and root.fingerprint == fingerprint:
            return root.key
        person = load_person(self.view, actor)
        for k in person.keys if person else ():
            if k.fingerprint == fingerprint:
                return k.key
        return ""

    def close(self) -> None:
        """Stop any worker processes (``finish`` does it too)."""
        self._batches.close()

    def finish(self) -> TrustSummary:
        """After the last event: any act left unsigned is a problem."""
        for p in self.pending:
            self._problem(p[0], f"{p[2]} by {p[1]} is not signed (signature stripped?)")
        self.pending = []
        results = self._batches.results()
        log, self._log = self._log, []
        for entry in log:
            if not isinstance(entry, _Deferred):
                self._log.append(entry)
                continue
            reason = results[entry.index]
            if reason is not None:
                self._problem(
                    entry.first, self._bad_signature(entry.first, entry.last, entry.actor, reason)
                )
            else:
                self._settle(entry.role, entry.actor, entry.count)
        self.problems = [e for e in self._log if not isinstance(e, _Deferred)]
        root = self._root
        return TrustSummary(
            mode="signed" if root else "unsigned",
            root_fingerprint=root.fingerprint if root else None,
            root_holder=root.holder if root else None,
            signed_events=self.signed,
            signers=len(self.signers),
            unsigned_before_root=self.before_root,
        )


# --- checkpoints -------------------------------------------------------------------------

CHECKPOINT_VERSION = "hischange-checkpoint/1"


class Checkpoint(BaseModel):
    """A signed checkpoint: the ledger's head (sequence and hash) at a time, signed by a
    hospital person; the hospital keeps the file (Certificate Transparency's signed tree
    head is the model)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: str = CHECKPOINT_VERSION
    seq: int
    head_hash: str
    at: str
    signer: str
    key: str
    signature: str

    def payload(self) -> bytes:
        """The bytes the signature covers."""
        return canonical(
            {"v": self.v, "seq": self.seq, "head_hash": self.head_hash, "at": self.at,
             "signer": self.signer}
        )  # fmt: skip


def make_checkpoint(proj: Project, actor: str) -> Checkpoint:
    """Sign the current head as ``actor`` and record it (``checkpoint_recorded``, itself a
    signed act). The caller writes the returned checkpoint to a file the hospital keeps."""
    store = proj.store  # opening it makes the sealer the caller asked for
    sealer = proj.sealer if isinstance(proj.sealer, Sealer) else Sealer()
    try:
        return _checkpoint(store, sealer, actor)
    except WorkflowError as exc:  # no usable key: nothing written but the attempt
        refused = CommandRefused(
            command="audit checkpoint", target=actor, rule=exc.rule, reason=exc.message
        )
        with store.write(project) as tx:
            tx.append(actor, [refused])
        raise


def _checkpoint(store: Any, sealer: Sealer, actor: str) -> Checkpoint:
    with store.write(project) as tx:
        if load_root(tx) is None:
            raise UsageError(
                "checkpoints are signed by a registered person: this project is unsigned",
                hint="`release cut` tags and `audit verify --expect-head` keep heads too",
            )
        key_path, fingerprint = sealer._key_for(signer_fingerprints(tx, actor), actor)
        decide_signer(tx, actor, fingerprint, [])
        assert key_path is not None
        try:
            public = trust.public_key_of(key_path.expanduser())
            draft = Checkpoint(seq=tx.head_seq, head_hash=tx.head_hash, at=format_time(tx.now),
                               signer=actor, key=public.line, signature="")  # fmt: skip
            signature = sealer.sign(draft.payload(), key_path)
        except WorkflowError:
            raise
        except HischangeError as exc:
            raise sealer._unusable(actor, key_path, exc) from None
        finally:
            if key_path.parent.name.startswith("hischange-agent-"):
                shutil.rmtree(key_path.parent, ignore_errors=True)
        point = draft.model_copy(update={"signature": signature})
        event = CheckpointRecorded(
            seq=point.seq, head_hash=point.head_hash, fingerprint=public.fingerprint,
            signature=point.signature,
        )  # fmt: skip
        tx.append(actor, [event])
    return point


def read_checkpoint(path: Path) -> Checkpoint:
    """A checkpoint file; anything else is a usage error naming the file (exit 2)."""
    data = read_regular(path, "checkpoint file", max_bytes=64 * 1024)
    try:
        return Checkpoint.model_validate_json(data)
    except ValueError:
        raise UsageError(
            f"{path} is not a hischange checkpoint file",
            hint="give the file `hischange audit checkpoint` wrote",
        ) from None


def check_checkpoints(
    heads: dict[int, str], last_seq: int, points: Iterable[tuple[str, int, str, str | None]]
) -> list[tuple[int, str, str]]:
    """Problems for checkpoints ``(name, seq, hash, signature problem)`` the ledger's
    ``heads`` (seq -> stored hash, read during verification) do not hold."""
    problems = []
    for name, seq, digest, bad in points:
        if bad:
            problems.append((seq, "checkpoint", f"{name}: {bad}"))
        elif seq > last_seq:
            problems.append((last_seq + 1, "truncated",
                             f"{name} holds sequence {seq} but the ledger ends at {last_seq}: "
                             "events were deleted after it"))  # fmt: skip
        elif heads.get(seq) != digest:
            problems.append((seq, "checkpoint",
                             f"{name}: event {seq} no longer has the hash {digest[:16]}… "
                             "the checkpoint holds: the chain was rewritten"))  # fmt: skip
    return problems


def checkpoint_points(
    proj: Project, files: Iterable[Path]
) -> list[tuple[str, int, str, str | None]]:
    """Each ``--checkpoint`` file (signature checked) and each release tag's ledger head."""
    points: list[tuple[str, int, str, str | None]] = []
    for path in files:
        point = read_checkpoint(path)
        bad = None
        try:
            trust.verify(point.signature, point.payload(), trust.parse_public_key(point.key))
        except (trust.SignatureError, UsageError) as exc:
            bad = f"its signature does not verify ({exc})"
        points.append((f"checkpoint {path.name}", point.seq, point.head_hash, bad))
    from hischange import vcs

    try:
        repo = vcs.open_repo(proj.root)
    except HischangeError:
        return points
    try:
        tags = vcs.tag_ledger_heads(repo, proj.config.release.tag_prefix)
    except HischangeError:
        tags = []
    points += [(f"release tag {name}", seq, digest, None) for name, seq, digest in tags]
    return points
