"""SSHSIG: what we sign passes ``ssh-keygen -Y verify``; what ssh-keygen signs passes ours."""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from hischange.errors import UsageError
from hischange.trust import NAMESPACE, PublicKey, SignatureError, parse_public_key, sign, verify
from tests.support.keys import HAVE_SSH, add_to_agent, make_key, ssh_agent

pytestmark = pytest.mark.skipif(not HAVE_SSH, reason="needs OpenSSH's ssh-keygen")

KINDS = ["ed25519", "ecdsa256", "ecdsa384", "ecdsa521"]
MESSAGE = b"approve CR-2026-0007 fields sha256:ab12"


def _pub(key: Path) -> PublicKey:
    return parse_public_key(key.with_suffix(".pub").read_text())


def _keygen_verify(tmp_path: Path, key: Path, sig: str, message: bytes, ns: str) -> int:
    signers = tmp_path / "allowed_signers"
    signers.write_text(f"signer@example {key.with_suffix('.pub').read_text()}")
    sig_file = tmp_path / "msg.sig"
    sig_file.write_text(sig)
    return subprocess.run(
        [
            "ssh-keygen",
            "-Y",
            "verify",
            "-f",
            str(signers),
            "-I",
            "signer@example",
            "-n",
            ns,
            "-s",
            str(sig_file),
        ],
        input=message,
        capture_output=True,
        check=False,
    ).returncode


@pytest.mark.parametrize("kind", KINDS)
def test_our_signature_passes_ssh_keygen_verify(tmp_path: Path, kind: str) -> None:
    key = make_key(tmp_path, f"id_{kind}", kind)
    sig = sign(MESSAGE, key)
    assert _keygen_verify(tmp_path, key, sig, MESSAGE, NAMESPACE) == 0
    assert _keygen_verify(tmp_path, key, sig, MESSAGE + b"x", NAMESPACE) != 0
    verify(sig, MESSAGE, _pub(key))


@pytest.mark.parametrize("kind", KINDS)
def test_ssh_keygen_signature_passes_ours_and_tampering_fails(tmp_path: Path, kind: str) -> None:
    key = make_key(tmp_path, f"id_{kind}", kind)
    data = tmp_path / "msg"
    data.write_bytes(MESSAGE)
    subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-n", NAMESPACE, "-f", str(key), str(data)],
        check=True,
        capture_output=True,
    )
    sig = (tmp_path / "msg.sig").read_text()
    pub = _pub(key)
    verify(sig, MESSAGE, pub)
    with pytest.raises(SignatureError, match="does not match"):
        verify(sig, MESSAGE.replace(b"0007", b"0008"), pub)
    with pytest.raises(SignatureError, match="namespace"):
        verify(sig, MESSAGE, pub, namespace="git")
    other = _pub(make_key(tmp_path, "other", kind))
    with pytest.raises(SignatureError, match="another key"):
        verify(sig, MESSAGE, other)


def test_other_namespace_signature_is_refused(tmp_path: Path) -> None:
    key = make_key(tmp_path, "id", "ed25519")
    sig = sign(MESSAGE, key, namespace="git")
    with pytest.raises(SignatureError, match="namespace"):
        verify(sig, MESSAGE, _pub(key))


def test_damaged_signature_text_is_a_signature_error(tmp_path: Path) -> None:
    key = make_key(tmp_path, "id", "ed25519")
    sig = sign(MESSAGE, key)
    for bad in ("", "hello", sig.replace("A", "B", 3), sig[:60] + "\n-----END SSH SIGNATURE-----"):
        with pytest.raises(SignatureError):
            verify(bad, MESSAGE, _pub(key))


def test_passphrase_key_signs_through_ssh_agent(tmp_path: Path) -> None:
    key = make_key(tmp_path, "id_pw", "ed25519", passphrase="s3cret pass")
    with ssh_agent() as env:
        add_to_agent(key, env, "s3cret pass")
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            sig = sign(MESSAGE, key.with_suffix(".pub"))
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    verify(sig, MESSAGE, _pub(key))
    assert _keygen_verify(tmp_path, key, sig, MESSAGE, NAMESPACE) == 0


def test_public_key_lines_are_checked(tmp_path: Path) -> None:
    key = make_key(tmp_path, "id", "ed25519")
    pub = _pub(key)
    listed = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(key.with_suffix(".pub"))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert pub.fingerprint in listed
    for bad in ("", "ssh-rsa AAAAB3NzaC1yc2E", "ssh-ed25519 not-base64!", "ssh-ed25519 AAAA"):
        with pytest.raises(UsageError):
            parse_public_key(bad)


# FIDO security keys cannot be made without hardware: an authenticator is simulated with
# cryptography, building the signature exactly as OpenSSH's sk format lays it out.


def _s(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _sk_signature(kind: str, message: bytes, presence: int = 1) -> tuple[str, PublicKey]:
    app = b"ssh:"
    digest = hashlib.sha512(message).digest()
    blob = b"SSHSIG" + _s(NAMESPACE.encode()) + _s(b"") + _s(b"sha512") + _s(digest)
    flags_counter = bytes([presence]) + struct.pack(">I", 7)
    signed = hashlib.sha256(app).digest() + flags_counter + hashlib.sha256(blob).digest()
    if kind == "ed25519":
        ktype = "sk-ssh-ed25519@openssh.com"
        private = Ed25519PrivateKey.generate()
        raw_pub = private.public_key().public_bytes_raw()
        key_blob = _s(ktype.encode()) + _s(raw_pub) + _s(app)
        raw_sig = private.sign(signed)
    else:
        ktype = "sk-ecdsa-sha2-nistp256@openssh.com"
        ec_private = ec.generate_private_key(ec.SECP256R1())
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        point = ec_private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        key_blob = _s(ktype.encode()) + _s(b"nistp256") + _s(point) + _s(app)
        r, s = decode_dss_signature(ec_private.sign(signed, ec.ECDSA(hashes.SHA256())))
        mp = lambda n: _s(n.to_bytes((n.bit_length() + 8) // 8, "big"))  # noqa: E731
        raw_sig = mp(r) + mp(s)
    sig_blob = _s(ktype.encode()) + _s(raw_sig) + flags_counter
    whole = (
        b"SSHSIG"
        + struct.pack(">I", 1)
        + _s(key_blob)
        + _s(NAMESPACE.encode())
        + _s(b"")
        + _s(b"sha512")
        + _s(sig_blob)
    )
    armoured = (
        "-----BEGIN SSH SIGNATURE-----\n"
        + base64.b64encode(whole).decode()
        + "\n-----END SSH SIGNATURE-----\n"
    )
    pub = parse_public_key(f"{ktype} {base64.b64encode(key_blob).decode()} fido")
    return armoured, pub


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa"])
def test_fido_security_key_signatures_verify(kind: str) -> None:
    sig, pub = _sk_signature(kind, MESSAGE)
    verify(sig, MESSAGE, pub)
    with pytest.raises(SignatureError):
        verify(sig, MESSAGE + b"!", pub)
    absent, pub2 = _sk_signature(kind, MESSAGE, presence=0)
    with pytest.raises(SignatureError, match="presence"):
        verify(absent, MESSAGE, pub2)
