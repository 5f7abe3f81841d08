"""SSH signatures (SSHSIG, as ``ssh-keygen -Y sign`` and git's SSH signing make them).

Signing runs ``ssh-keygen -Y sign`` (so keys in files, passphrases, ssh-agent and FIDO
security keys work as the user already uses them); verification is in-process with
``cryptography`` (no subprocess per event). Supported keys: ``ssh-ed25519``,
``ecdsa-sha2-nistp256/384/521`` and the FIDO forms ``sk-ssh-ed25519@openssh.com`` and
``sk-ecdsa-sha2-nistp256@openssh.com``.

The signed blob (OpenSSH PROTOCOL.sshsig): ``"SSHSIG" || string(namespace) ||
string("") || string(hash algorithm) || string(H(message))``; the signature file holds
``"SSHSIG" || uint32(1) || string(public key) || string(namespace) || string("") ||
string(hash algorithm) || string(signature)``, base64 between armour lines.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hischange.errors import ConfigError, UsageError, clip
from hischange.files import read_regular

__all__ = [
    "NAMESPACE",
    "PublicKey",
    "SignatureError",
    "agent_keys",
    "parse_public_key",
    "public_key_of",
    "sign",
    "signer_of",
    "verify",
    "verify_many",
]

NAMESPACE = "hischange"
_MAGIC = b"SSHSIG"
_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_END = "-----END SSH SIGNATURE-----"
#: Curve name -> (cryptography's curve class, its hash) by name: cryptography is imported
#: only when a signature is verified (signing runs ssh-keygen and needs none of it).
_CURVES: dict[str, tuple[str, str]] = {
    "nistp256": ("SECP256R1", "SHA256"),
    "nistp384": ("SECP384R1", "SHA384"),
    "nistp521": ("SECP521R1", "SHA512"),
}
_SK_ED25519 = "sk-ssh-ed25519@openssh.com"
_SK_ECDSA = "sk-ecdsa-sha2-nistp256@openssh.com"
KEY_TYPES = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    _SK_ED25519,
    _SK_ECDSA,
)


class SignatureError(Exception):
    """A signature that does not verify, or bytes that are not one (the reason says which)."""


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise SignatureError("truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def uint32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def string(self) -> bytes:
        return self.take(self.uint32())

    def text(self) -> str:
        try:
            return self.string().decode("ascii")
        except UnicodeDecodeError:
            raise SignatureError("a name is not ASCII") from None

    def done(self) -> bool:
        return self.pos == len(self.data)


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


@dataclass(frozen=True)
class PublicKey:
    """An SSH public key: its type, its wire blob, and the comment of the line it came from."""

    type: str
    blob: bytes
    comment: str = ""

    @property
    def fingerprint(self) -> str:
        """``SHA256:…`` as ``ssh-keygen -l`` prints it."""
        digest = base64.b64encode(hashlib.sha256(self.blob).digest()).decode().rstrip("=")
        return f"SHA256:{digest}"

    @property
    def line(self) -> str:
        """The key as one authorized_keys line (without comment)."""
        return f"{self.type} {base64.b64encode(self.blob).decode()}"


@functools.lru_cache(maxsize=256)
def parse_public_key(text: str, *, load: bool = True) -> PublicKey:
    """One OpenSSH public-key line (``ssh-ed25519 AAAA… comment``) as a ``PublicKey``.

    ``load=False`` checks the line's shape but does not load the key into ``cryptography``
    (signing only needs its fingerprint). Raises ``UsageError`` naming what is wrong (exit 2).
    """
    parts = text.strip().split(None, 2)
    if len(parts) < 2:
        raise UsageError(
            f"not an SSH public key: {clip(text, 40)}",
            hint="give the .pub file ssh-keygen wrote, e.g. ~/.ssh/id_ed25519.pub",
        )
    kind, b64 = parts[0], parts[1]
    if kind not in KEY_TYPES:
        raise UsageError(
            f"unsupported SSH key type {clip(kind, 40)}",
            hint=f"use one of: {', '.join(KEY_TYPES)} (e.g. ssh-keygen -t ed25519)",
        )
    try:
        blob = base64.b64decode(b64, validate=True)
        key = PublicKey(kind, blob, parts[2] if len(parts) > 2 else "")
        if load:
            _load(key)
        elif _Reader(blob).text() != kind:
            raise SignatureError("the key blob names another type")
    except (binascii.Error, SignatureError, ValueError) as exc:
        raise UsageError(f"damaged SSH public key of type {kind}: {exc}") from None
    return key


@functools.lru_cache(maxsize=256)
def _load(key: PublicKey) -> tuple[str, object, bytes]:
    """(family, cryptography key, application) of a public key blob; checks its type."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    r = _Reader(key.blob)
    if r.text() != key.type:
        raise SignatureError("the key blob names another type")
    if key.type in ("ssh-ed25519", _SK_ED25519):
        raw = r.string()
        app = r.string() if key.type == _SK_ED25519 else b""
        if not r.done():
            raise SignatureError("trailing bytes in the key")
        return "ed25519", Ed25519PublicKey.from_public_bytes(raw), app
    curve_name = r.text()
    wanted = "nistp256" if key.type == _SK_ECDSA else key.type.rsplit("-", 1)[-1]
    if curve_name != wanted or curve_name not in _CURVES:
        raise SignatureError(f"unknown curve {curve_name}")
    point = r.string()
    app = r.string() if key.type == _SK_ECDSA else b""
    if not r.done():
        raise SignatureError("trailing bytes in the key")
    curve = getattr(ec, _CURVES[curve_name][0])()
    public = ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    return curve_name, public, app


def _signed_blob(namespace: str, hash_alg: str, message: bytes) -> bytes:
    digest = (hashlib.sha512 if hash_alg == "sha512" else hashlib.sha256)(message).digest()
    return (
        _MAGIC
        + _string(namespace.encode())
        + _string(b"")
        + _string(hash_alg.encode())
        + _string(digest)
    )


def _unarmour(armoured: str) -> bytes:
    text = armoured.strip()
    if not (text.startswith(_BEGIN) and text.endswith(_END)):
        raise SignatureError("not an SSH signature (armour lines missing)")
    body = "".join(text[len(_BEGIN) : -len(_END)].split())
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        raise SignatureError("not an SSH signature (bad base64)") from None


@functools.lru_cache(maxsize=256)
def _ed25519_prefixes(key: PublicKey, namespace: str) -> tuple[tuple[bytes, str], ...]:
    """For a plain Ed25519 key: the exact bytes a well-formed SSHSIG of it starts with, per
    hash algorithm, up to and including the signature's length and type (the 64 signature
    bytes follow). Lets ``verify`` skip parsing field by field; anything else is parsed."""
    if key.type != "ssh-ed25519":
        return ()
    head = _MAGIC + struct.pack(">I", 1) + _string(key.blob) + _string(namespace.encode())
    tail = _string(b"ssh-ed25519") + struct.pack(">I", 64)
    return tuple(
        (head + _string(b"") + _string(alg.encode()) + struct.pack(">I", len(tail) + 64) + tail,
         alg)
        for alg in ("sha512", "sha256")
    )  # fmt: skip


def verify(armoured: str, message: bytes, key: PublicKey, namespace: str = NAMESPACE) -> None:
    """Check that ``armoured`` is ``key``'s SSHSIG over ``message`` in ``namespace``.

    Returns nothing when it is; raises ``SignatureError`` with the reason otherwise."""
    data = _unarmour(armoured)
    for prefix, hash_alg in _ed25519_prefixes(key, namespace):
        # the common case (an Ed25519 key, as ssh-keygen writes it): the bytes are exactly
        # what the full parse below would accept, so it checks the same thing
        if len(data) == len(prefix) + 64 and data.startswith(prefix):
            _, public, _ = _load(key)
            from cryptography.exceptions import InvalidSignature

            try:
                public.verify(data[len(prefix) :], _signed_blob(namespace, hash_alg, message))  # type: ignore[attr-defined]
            except InvalidSignature:
                raise SignatureError("the signature does not match the signed data") from None
            return
    r = _Reader(data)
    if r.take(6) != _MAGIC or r.uint32() != 1:
        raise SignatureError("not an SSHSIG version 1 signature")
    signer_blob = r.string()
    if signer_blob != key.blob:
        raise SignatureError("signed by another key")
    if r.text() != namespace:
        raise SignatureError(f"not signed in namespace {namespace!r}")
    r.string()  # reserved
    hash_alg = r.text()
    if hash_alg not in ("sha256", "sha512"):
        raise SignatureError(f"unknown hash algorithm {hash_alg}")
    sig = _Reader(r.string())
    if not r.done():
        raise SignatureError("trailing bytes in the signature")
    signed = _signed_blob(namespace, hash_alg, message)
    family, public, app = _load(key)
    sig_type = sig.text()
    if sig_type != key.type:
        raise SignatureError(f"signature type {sig_type} does not match key type {key.type}")
    raw = sig.string()
    if key.type in (_SK_ED25519, _SK_ECDSA):
        # FIDO: the authenticator signs SHA256(application) || flags || counter || SHA256(data)
        flags_counter = sig.take(5)
        if not flags_counter[0] & 0x01:
            raise SignatureError("the security key did not report user presence")
        signed = hashlib.sha256(app).digest() + flags_counter + hashlib.sha256(signed).digest()
    if not sig.done():
        raise SignatureError("trailing bytes in the signature")
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    try:
        if family == "ed25519":
            assert isinstance(public, Ed25519PublicKey)
            public.verify(raw, signed)
        else:
            assert isinstance(public, ec.EllipticCurvePublicKey)
            rs = _Reader(raw)
            der = encode_dss_signature(_mpint(rs.string()), _mpint(rs.string()))
            public.verify(der, signed, ec.ECDSA(getattr(hashes, _CURVES[family][1])()))
    except (InvalidSignature, ValueError):
        raise SignatureError("the signature does not match the signed data") from None


def verify_many(
    items: list[tuple[str, bytes, str]], namespace: str = NAMESPACE
) -> list[str | None]:
    """``verify`` each ``(armoured signature, message, public key line)``: per item None when
    it verifies, else the reason. A module-level function, so a process pool can run it."""
    out: list[str | None] = []
    for armoured, message, line in items:
        try:
            verify(armoured, message, parse_public_key(line), namespace)
        except (SignatureError, UsageError) as exc:
            out.append(str(exc))
        else:
            out.append(None)
    return out


def _mpint(data: bytes) -> int:
    return int.from_bytes(data, "big", signed=True)


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise ConfigError(
            "ssh-keygen is not installed: signing needs it",
            hint="install OpenSSH's client tools (Debian: apt-get install openssh-client)",
        )
    return found


def sign(message: bytes, key_path: Path, namespace: str = NAMESPACE) -> str:
    """``key_path``'s SSHSIG over ``message`` (armoured text), made by ``ssh-keygen -Y sign``.

    ``key_path`` is a private key file, or a ``.pub`` file whose key ssh-agent holds
    (ssh-keygen then asks the agent, so passphrases and security keys work as usual).
    Raises ``ConfigError`` (exit 6) naming the key when ssh-keygen cannot sign."""
    with tempfile.TemporaryDirectory(prefix="hischange-sign-") as tmp:
        data = Path(tmp) / "payload"
        data.write_bytes(message)
        try:
            done = subprocess.run(
                [
                    _ssh_keygen(),
                    "-q",
                    "-Y",
                    "sign",
                    "-n",
                    namespace,
                    "-f",
                    str(key_path),
                    str(data),
                ],
                capture_output=True,
                text=True,
                timeout=300,
                env={**os.environ, "LC_ALL": "C"},
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(f"cannot run ssh-keygen to sign with {key_path}: {exc}") from None
        out = Path(tmp) / "payload.sig"
        if done.returncode != 0 or not out.exists():
            reason = " ".join(done.stderr.split())[:200] or f"exit {done.returncode}"
            raise ConfigError(
                f"ssh-keygen could not sign with {key_path}: {reason}",
                hint="check the key file (or that ssh-agent holds the key of this .pub file)",
            )
        return read_regular(out, "signature", max_bytes=64 * 1024).decode("ascii")


def signer_of(armoured: str) -> PublicKey:
    """The public key an SSHSIG names as its signer (not yet verified)."""
    r = _Reader(_unarmour(armoured))
    if r.take(6) != _MAGIC or r.uint32() != 1:
        raise SignatureError("not an SSHSIG version 1 signature")
    blob = r.string()
    kind = _Reader(blob).text()
    return PublicKey(kind, blob)


def public_key_of(path: Path) -> PublicKey:
    """The public key of a key file: a ``.pub`` file itself, the ``.pub`` beside a private
    key, else what ``ssh-keygen -y`` derives (it may ask for the passphrase)."""
    candidates = [path] if path.suffix == ".pub" else [path.with_name(path.name + ".pub")]
    for candidate in candidates:
        if candidate.is_file():
            data = read_regular(candidate, "public key file", max_bytes=64 * 1024)
            try:
                return parse_public_key(data.decode("utf-8"), load=False)
            except UnicodeDecodeError:
                raise ConfigError(f"cannot read the public key {candidate}: not UTF-8") from None
    if not path.is_file():
        raise ConfigError(
            f"no key file {path}", hint="pass --key PATH to your private key (or its .pub)"
        )
    done = subprocess.run(
        [_ssh_keygen(), "-y", "-f", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise ConfigError(f"ssh-keygen cannot read the key {path}: {done.stderr.strip()[:200]}")
    return parse_public_key(done.stdout)


def agent_keys() -> list[PublicKey]:
    """The keys ssh-agent holds (none when no agent is reachable)."""
    if not os.environ.get("SSH_AUTH_SOCK") or shutil.which("ssh-add") is None:
        return []
    done = subprocess.run(
        ["ssh-add", "-L"], capture_output=True, text=True, check=False, timeout=30
    )
    found = []
    for line in done.stdout.splitlines() if done.returncode == 0 else []:
        try:
            found.append(parse_public_key(line))
        except UsageError:
            continue  # a key type hischange does not verify (e.g. RSA)
    return found
