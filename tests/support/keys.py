"""Real SSH keys for the tests, made by ssh-keygen in a test's folder, and an ssh-agent."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["HAVE_SSH", "make_key", "ssh_agent"]

HAVE_SSH = shutil.which("ssh-keygen") is not None and shutil.which("ssh-agent") is not None


def make_key(folder: Path, name: str, kind: str = "ed25519", passphrase: str = "") -> Path:
    """A new private key file ``folder/name`` (its public key beside it, ``name.pub``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    args = (
        ["-t", "ecdsa", "-b", kind.removeprefix("ecdsa")]
        if kind.startswith("ecdsa")
        else [
            "-t",
            kind,
        ]
    )
    subprocess.run(
        ["ssh-keygen", "-q", *args, "-N", passphrase, "-C", name, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path


@contextmanager
def ssh_agent() -> Iterator[dict[str, str]]:
    """A fresh ssh-agent for one test: yields the environment that reaches it; killed after."""
    out = subprocess.run(["ssh-agent", "-s"], check=True, capture_output=True, text=True).stdout
    env = dict(re.findall(r"(SSH_AUTH_SOCK|SSH_AGENT_PID)=([^;]+);", out))
    try:
        yield env
    finally:
        subprocess.run(["kill", env["SSH_AGENT_PID"]], check=False, capture_output=True)


def add_to_agent(key: Path, env: dict[str, str], passphrase: str) -> None:
    """Load a passphrase-protected key into the agent (the passphrase via SSH_ASKPASS)."""
    askpass = key.parent / f"{key.name}.askpass"
    askpass.write_text(f"#!/bin/sh\necho '{passphrase}'\n", encoding="utf-8")
    askpass.chmod(0o700)
    full = {
        **os.environ,
        **env,
        "SSH_ASKPASS": str(askpass),
        "SSH_ASKPASS_REQUIRE": "force",
        "DISPLAY": ":0",
    }
    subprocess.run(
        ["ssh-add", str(key)], check=True, capture_output=True, env=full, stdin=subprocess.DEVNULL
    )
