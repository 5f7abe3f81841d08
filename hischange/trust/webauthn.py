"""WebAuthn assertions (passkeys, security keys) checked offline with ``cryptography``.

A passkey registered in the ledger is kept as one line, ``webauthn RP_ID SPKI`` (the relying
party's id, i.e. the site's host name, and the credential's public key as base64url DER
SubjectPublicKeyInfo), so that ``audit verify`` needs no WebAuthn library: it checks that
the browser's client data is a ``webauthn.get`` over the expected challenge, that the
authenticator data names the relying party and saw the user present, and the signature over
``authenticatorData || SHA-256(clientDataJSON)`` (ES256, EdDSA or RS256).
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from hischange.trust.sshsig import SignatureError

__all__ = ["PREFIX", "b64url", "fingerprint", "key_line", "parse_key_line", "unb64url", "verify"]

#: How a passkey's fingerprint starts, beside SSH keys' ``SHA256:``.
PREFIX = "webauthn:"


def b64url(data: bytes) -> str:
    """Unpadded base64url, as WebAuthn writes it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Decode unpadded base64url (``SignatureError`` when it is not)."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"not base64url: {exc}") from None


def key_line(rp_id: str, spki_der: bytes) -> str:
    """The registered form of a passkey."""
    return f"webauthn {rp_id} {b64url(spki_der)}"


def fingerprint(spki_der: bytes) -> str:
    """``webauthn:SHA256:<base64 of the SHA-256 of the SPKI>``, like ssh-keygen's form."""
    digest = base64.b64encode(hashlib.sha256(spki_der).digest()).rstrip(b"=").decode()
    return f"{PREFIX}SHA256:{digest}"


def parse_key_line(line: str) -> tuple[str, bytes]:
    """(relying party id, SPKI DER) of a ``webauthn RP_ID SPKI`` line."""
    parts = line.split()
    if len(parts) != 3 or parts[0] != "webauthn":
        raise SignatureError("not a registered passkey (webauthn RP_ID KEY)")
    return parts[1], unb64url(parts[2])


def verify(
    key: str,
    challenge: bytes,
    authenticator_data: bytes,
    client_data_json: bytes,
    signature: bytes,
) -> None:
    """Check one WebAuthn assertion made with the passkey ``key`` over ``challenge``;
    ``SignatureError`` says what is wrong."""
    rp_id, spki = parse_key_line(key)
    try:
        client = json.loads(client_data_json)
    except ValueError:
        raise SignatureError("the client data is not JSON") from None
    if not isinstance(client, dict) or client.get("type") != "webauthn.get":
        raise SignatureError("the client data is not a WebAuthn assertion (webauthn.get)")
    if client.get("challenge") != b64url(challenge):
        raise SignatureError("the assertion signs another challenge than this act's payload")
    if len(authenticator_data) < 37:
        raise SignatureError("the authenticator data is too short")
    if authenticator_data[:32] != hashlib.sha256(rp_id.encode()).digest():
        raise SignatureError(f"the assertion was made for another site than {rp_id}")
    if not authenticator_data[32] & 0x01:
        raise SignatureError("the authenticator did not see the user present")
    signed = authenticator_data + hashlib.sha256(client_data_json).digest()
    try:
        public = serialization.load_der_public_key(spki)
        if isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, signed, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, signed)
        elif isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise SignatureError("unsupported passkey algorithm")
    except InvalidSignature:
        raise SignatureError("the passkey signature does not verify") from None
    except ValueError as exc:
        raise SignatureError(f"the passkey is not a public key: {exc}") from None
