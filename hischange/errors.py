"""The one exception hierarchy. Each subclass carries the exit code of DESIGN.md.

The CLI turns these into exit codes in exactly one place (``hischange.cli.main``).
Messages say what was wrong, with the offending value, and what to do.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "GateFailed",
    "HischangeError",
    "IntegrityError",
    "NotFoundError",
    "StoreError",
    "UsageError",
    "WorkflowError",
]


class HischangeError(Exception):
    """Base of every error hischange raises on purpose."""

    exit_code: int = 1
    #: A short machine-readable code, stable across releases (shown in JSON output).
    code: str = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class GateFailed(HischangeError):
    """A gate failed: custody violation, SQL error finding, missing evidence."""

    exit_code = 1
    code = "gate_failed"


class UsageError(HischangeError):
    """The caller's input is not acceptable (bad value, missing option)."""

    exit_code = 2
    code = "usage"


class NotFoundError(HischangeError):
    """A named thing (change, release, revision, file) does not exist."""

    exit_code = 3
    code = "not_found"


class IntegrityError(HischangeError):
    """The ledger or a recorded artifact does not verify."""

    exit_code = 4
    code = "integrity"


class WorkflowError(HischangeError):
    """The workflow refuses the command (separation of duties, wrong state, ...)."""

    exit_code = 5
    code = "refused"

    def __init__(self, message: str, *, hint: str | None = None, rule: str = "workflow") -> None:
        super().__init__(message, hint=hint)
        self.rule = rule


class ConfigError(HischangeError):
    """The project configuration is malformed or inconsistent."""

    exit_code = 6
    code = "config"


class StoreError(HischangeError):
    """The store cannot be opened, written, or is from a newer hischange."""

    exit_code = 6
    code = "store"
