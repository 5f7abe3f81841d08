"""Project configuration: ``.hischange/config.toml``.

Everything here has a default, so an empty file (or none) is a working configuration.
A malformed file is a ``ConfigError`` naming the file and line (exit 6).
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hischange.errors import ConfigError

__all__ = [
    "CONFIG_NAME",
    "STATE_DIR",
    "Config",
    "CustodyConfig",
    "EvidenceConfig",
    "ReleaseConfig",
    "RolesConfig",
    "load_config",
]

STATE_DIR = ".hischange"
CONFIG_NAME = "config.toml"


EvidenceKind = Literal["automated", "onsite"]
_DEFAULT_REQUIRED: dict[str, tuple[EvidenceKind, ...]] = {
    "customization": ("automated", "onsite"),
    "interface": ("automated", "onsite"),
    "bugfix": ("automated",),
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RolesConfig(_Section):
    """Who may do what. Identities are compared case-insensitively."""

    approvers: tuple[str, ...] = ()
    developers: tuple[str, ...] = ()
    auditors: tuple[str, ...] = ()
    requesters: tuple[str, ...] = ()


class CustodyConfig(_Section):
    """How commits name their changes, and which refs are protected."""

    trailer_keys: tuple[str, ...] = ("HIS-Change",)
    #: Legacy subject patterns: a regex whose first group is the change id, or a mapping
    #: ``{pattern = '...', template = 'CR-2025-{0:0>4}'}`` for a hospital's old ticket ids.
    subject_patterns: tuple[str | dict[str, str], ...] = ()
    merge_policy: Literal["parents", "self", "both"] = "parents"
    protected_refs: tuple[str, ...] = ("refs/tags/*", "refs/heads/main", "refs/heads/master")


class EvidenceConfig(_Section):
    """Which evidence a change needs before it is ready, and attachment limits."""

    #: Per change kind: any of "automated", "onsite".
    required: dict[str, tuple[EvidenceKind, ...]] = Field(
        default_factory=lambda: dict(_DEFAULT_REQUIRED)
    )
    environments: tuple[str, ...] = ("onsite-test", "test", "staging", "production")
    max_attachment_bytes: int = 50 * 1024 * 1024
    max_message_chars: int = 2000


class ReleaseConfig(_Section):
    """Release tags, deployment environments and their rules."""

    tag_prefix: str = "v"
    signing_key: str | None = None
    environments: tuple[str, ...] = ("test", "staging", "production")
    production_environments: tuple[str, ...] = ("production",)
    test_environments: tuple[str, ...] = ("test", "staging")
    require_test_before_production: bool = True
    operator_not_sole_developer: bool = True
    retro_approval_hours: int = 24


class Config(BaseModel):
    """The whole project configuration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Hours from registration to due time, per urgency.
    due_hours: dict[str, int] = Field(
        default_factory=lambda: {"emergency": 4, "high": 24, "normal": 120, "low": 360}
    )
    db_url: str | None = None
    roles: RolesConfig = RolesConfig()
    custody: CustodyConfig = CustodyConfig()
    sqlreview: dict[str, Any] = Field(default_factory=dict)
    evidence: EvidenceConfig = EvidenceConfig()
    release: ReleaseConfig = ReleaseConfig()

    def due_delta(self, urgency: str) -> timedelta:
        """The time allowed for a change of this urgency."""
        return timedelta(hours=self.due_hours[urgency])


def _toml_error(path: Path, raw: str, exc: tomllib.TOMLDecodeError) -> ConfigError:
    # tomllib says "(at line L, column C)" or "(at end of document)"; always name a line.
    text = str(exc)
    found = re.search(r"\(at line (\d+), column (\d+)\)", text)
    if found:
        where = f"line {found.group(1)}, column {found.group(2)}"
    else:
        where = f"line {raw.count(chr(10)) + 1} (end of file)"
    message = re.sub(r"\s*\(at [^)]*\)", "", text)
    return ConfigError(
        f"{path}: {where}: malformed TOML: {message}",
        hint="fix the file (it is TOML: key = value, [section]) and run the command again",
    )


def load_config(path: Path) -> Config:
    """Read a config file; a missing file is the default configuration."""
    if not path.exists():
        return Config()
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 (byte {exc.start})", hint="save the file as UTF-8"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, raw, exc) from exc
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(
            f"{path}: invalid configuration: {problems}",
            hint="see docs/configuration.md for the keys each section takes",
        ) from exc
    missing = {"emergency", "high", "normal", "low"} - set(config.due_hours)
    if missing:
        raise ConfigError(f"{path}: due_hours lacks {', '.join(sorted(missing))}")
    return config


def env_db_url() -> str | None:
    """The store URL from ``HISCHANGE_DB_URL``, if set."""
    return os.environ.get("HISCHANGE_DB_URL") or None


def env_lock_timeout() -> float:
    """Seconds a store command waits for the ledger lock: ``HISCHANGE_LOCK_TIMEOUT``, else 30."""
    raw = os.environ.get("HISCHANGE_LOCK_TIMEOUT", "").strip()
    if not raw:
        return 30.0
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < 86400:
        raise ConfigError(
            f"HISCHANGE_LOCK_TIMEOUT={raw!r} is not a number of seconds between 0 and 86400",
            hint="set it to e.g. 30 (seconds), or unset it for the default of 30",
        )
    return value
