"""Signatures and keys: the trust adapter (SSHSIG; imports nothing of hischange but errors).

``sshsig`` signs through ``ssh-keygen -Y sign`` and verifies in-process with
``cryptography``; ``payload`` builds the canonical bytes an act's signature covers.
"""

from hischange.trust import webauthn
from hischange.trust.sshsig import (
    NAMESPACE,
    PublicKey,
    SignatureError,
    agent_keys,
    parse_public_key,
    public_key_of,
    sign,
    signer_of,
    verify,
    verify_many,
)

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
    "webauthn",
]
