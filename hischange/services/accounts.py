"""Web sign-in accounts: a password (argon2id) and a TOTP second factor per registered
person, lockout after repeated failures, and a log of every sign-in and failure.

Accounts are the people of the trust registry (a signed project) or the identities in
``[roles]`` (the unsigned local mode): nobody else can have one. The secrets are kept OUT
of the ledger, in ``.hischange/web/accounts.json`` (mode 0600, ignored by git): a password
hash or a TOTP secret in an append-only, exported, hash-chained record could never be
erased or changed, and every auditor holding an export would hold them. Sign-ins are
logged to ``.hischange/web/signin.log`` (one JSON object a line) for the same reason: they
are security events, not acts on a change. Approvals made in the browser are still signed by
the reviewer's own key (a passkey registered in the ledger): the account only opens the page.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from hischange.errors import HischangeError, UsageError, clip
from hischange.files import read_regular
from hischange.project import Project
from hischange.workflow.people import person_key

__all__ = [
    "LOCK_AFTER",
    "LOCK_MINUTES",
    "Account",
    "SignInFailed",
    "accounts_dir",
    "check_sign_in",
    "known_identity",
    "read_json",
    "set_credentials",
]

#: Failed sign-ins in a row that lock an account, and for how long.
LOCK_AFTER = 5
LOCK_MINUTES = 15
_MIN_PASSWORD = 12
_LOCK = threading.Lock()


class SignInFailed(HischangeError):
    """A sign-in was refused (wrong password or code, locked, unknown person)."""

    exit_code = 5
    code = "sign_in_failed"


class Account(BaseModel):
    """What ``people credentials`` returns: the person and their new TOTP secret."""

    model_config = ConfigDict(frozen=True)

    person: str
    totp_secret: str
    totp_uri: str
    accounts_file: str


def accounts_dir(proj: Project) -> Path:
    """Where accounts and the sign-in log live: ``$HISCHANGE_WEB_DIR`` or .hischange/web/."""
    given = os.environ.get("HISCHANGE_WEB_DIR")
    return Path(given) if given else proj.state_dir / "web"


def _file(proj: Project) -> Path:
    return accounts_dir(proj) / "accounts.json"


def read_json(path: Path) -> Any:
    """A JSON file of the web folder, or None when there is none (``UsageError`` when it is
    not JSON)."""
    if not path.exists():
        return None
    try:
        return json.loads(read_regular(path, "web data file", max_bytes=16 * 1024 * 1024))
    except ValueError as exc:
        raise UsageError(f"cannot read {path}: {exc}", hint="restore it from a backup") from None


def _load(proj: Project) -> dict[str, dict[str, Any]]:
    data = read_json(_file(proj))
    return data if isinstance(data, dict) else {}


def _save(proj: Project, data: dict[str, dict[str, Any]]) -> None:
    path = _file(proj)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(tmp, path)


def known_identity(proj: Project, person: str) -> str | None:
    """The registered spelling of ``person`` (trust registry, or [roles] when unsigned)."""
    from hischange.services.trust import effective_roles, list_people, trust_root

    if trust_root(proj) is not None:
        for p in list_people(proj):
            if not p.revoked and person_key(p.person) == person_key(person):
                return p.person
        return None
    roles = effective_roles(proj)
    for name in (*roles.approvers, *roles.developers, *roles.auditors, *roles.requesters):
        if person_key(name) == person_key(person):
            return name
    return None


def set_credentials(proj: Project, person: str, password: str) -> Account:
    """Set ``person``'s password and a fresh TOTP secret (returned once, for their
    authenticator app). The person must be registered; the password at least 12
    characters."""
    import pyotp
    from argon2 import PasswordHasher

    name = known_identity(proj, person)
    if name is None:
        raise UsageError(
            f"{clip(person)} is not a registered person of this project",
            hint="`hischange people list` shows who is registered",
        )
    if len(password) < _MIN_PASSWORD:
        raise UsageError(f"the password must have at least {_MIN_PASSWORD} characters")
    secret = pyotp.random_base32()
    with _LOCK:
        data = _load(proj)
        data[person_key(name)] = {
            "person": name,
            "password": PasswordHasher().hash(password),
            "totp": secret,
            "failures": 0,
            "locked_until": None,
            "last_step": None,
        }
        _save(proj, data)
    uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name="hischange")
    return Account(person=name, totp_secret=secret, totp_uri=uri, accounts_file=str(_file(proj)))


def _log(proj: Project, person: str, outcome: str, client: str, now: datetime) -> None:
    path = accounts_dir(proj) / "signin.log"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    line = {"at": now.isoformat(), "person": person[:200], "outcome": outcome, "client": client}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")


def check_sign_in(
    proj: Project,
    person: str,
    password: str,
    code: str,
    client: str = "",
    now: datetime | None = None,
) -> str:
    """The person's identity when the password and the TOTP code are right; else
    ``SignInFailed`` (the same message for every cause but a lock). Every attempt is logged;
    ``LOCK_AFTER`` failures in a row lock the account for ``LOCK_MINUTES``; a TOTP code is
    accepted once."""
    import pyotp
    from argon2 import PasswordHasher
    from argon2.exceptions import VerificationError, VerifyMismatchError

    when = now or datetime.now(UTC)
    refused = SignInFailed("wrong person, password or code", hint="check all three and try again")
    with _LOCK:
        data = _load(proj)
        entry = data.get(person_key(person))
        if entry is None:
            _log(proj, person, "unknown", client, when)
            raise refused
        locked = entry.get("locked_until")
        if locked and datetime.fromisoformat(locked) > when:
            _log(proj, entry["person"], "locked", client, when)
            raise SignInFailed(
                f"this account is locked after {LOCK_AFTER} failed sign-ins",
                hint=f"wait {LOCK_MINUTES} minutes, or ask the administrator to reset it",
            )
        ok = True
        try:
            PasswordHasher().verify(entry["password"], password)
        except (VerifyMismatchError, VerificationError):
            ok = False
        totp = pyotp.TOTP(entry["totp"])
        step = totp.timecode(when)
        good_step = None
        for k in (step - 1, step, step + 1):
            if code.strip() and totp.generate_otp(k) == code.strip():
                good_step = k
        if good_step is None or (entry.get("last_step") or -1) >= good_step:
            ok = False
        identity = str(entry["person"])
        if not ok:
            entry["failures"] = int(entry.get("failures") or 0) + 1
            outcome = "failed"
            if entry["failures"] >= LOCK_AFTER:
                entry["locked_until"] = (when + timedelta(minutes=LOCK_MINUTES)).isoformat()
                entry["failures"] = 0
                outcome = "failed, locked"
            _save(proj, data)
            _log(proj, identity, outcome, client, when)
            raise refused
        entry.update(failures=0, locked_until=None, last_step=good_step)
        _save(proj, data)
        _log(proj, identity, "signed in", client, when)
    return identity
