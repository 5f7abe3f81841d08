"""The one exception hierarchy. Each subclass carries its exit code (docs/architecture.md).

The CLI turns these into exit codes in exactly one place (``hischange.cli.main``).
Messages say what was wrong, with the offending value, and what to do.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "ConfigError",
    "GateFailed",
    "HischangeError",
    "IntegrityError",
    "NotFoundError",
    "RefusalRule",
    "StoreError",
    "UsageError",
    "WorkflowError",
    "clip",
    "visible",
]

#: How much of an offending value a message repeats (a 120 KB title is not echoed whole).
CLIP_CHARS = 80


def clip(value: object, limit: int = CLIP_CHARS) -> str:
    """``repr`` of a value for a message, cut to ``limit`` characters with the length said:
    ``'aaaa…' (120000 characters)``. Control characters and invalid UTF-8 show escaped."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text)} characters)"


def _escape(code: int) -> str:
    named = {9: "\\t", 10: "\\n", 13: "\\r"}
    if code in named:
        return named[code]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


#: What ``visible`` shows escaped: C0 and C1 control characters and DEL (terminal escape
#: sequences start with ESC 0x1b or CSI 0x9b), the line and paragraph separators, and the
#: bidirectional controls that reorder text on screen ("Trojan Source").
_UNSAFE = [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F)]
_UNSAFE += [*range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
_ONE_LINE = {code: _escape(code) for code in _UNSAFE}
_MULTI_LINE = {code: v for code, v in _ONE_LINE.items() if code not in (9, 10)}


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """Text as a terminal should show it: control characters and escape sequences written
    out visibly (``\\x1b``, ``\\r``, ``\\n``, ``\\u202e``), so stored text can neither
    drive the terminal (clear the screen, hide or overwrite a line) nor forge a line.
    ``keep_newlines``: the text's own line breaks (and tabs) stay: a whole rendered page,
    or a line of a file shown as it is indented (SQL under review).

    The one function every human output goes through (``cli.output.emit``); backslashes
    are left as they are, so a Windows path reads as typed."""
    if text.isprintable():
        return text
    return text.translate(_MULTI_LINE if keep_newlines else _ONE_LINE)


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

    def __init__(self, message: str, *, hint: str | None = None, reported: bool = False) -> None:
        super().__init__(message, hint=hint)
        #: The command already printed the gate's report (its verdict included), so the CLI
        #: only sets the exit code instead of repeating the verdict as an error line.
        self.reported = reported


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


#: The name of every rule the workflow refuses by: the one list. docs/architecture.md has a
#: catalogue line for each (a test keeps the two equal); refusals are recorded in the ledger
#: under these names (``command_refused.rule``), so a name is never reused for another rule.
RefusalRule = Literal[
    "approval_steps",
    "approver_role",
    "deployment_gate",
    "dirty_tree",
    "emergency_close",
    "evidence_required",
    "external_ref_taken",
    "people_admin",
    "release_gate",
    "report_signer",
    "rollback_plan",
    "rollback_target",
    "separation_of_duties",
    "signature_required",
    "sql_approval_required",
    "sql_error_findings",
    "sql_review_first",
    "sql_stale_review",
    "stale_approval",
    "state_machine",
    "verifier_role",
]


class WorkflowError(HischangeError):
    """The workflow refuses the command (separation of duties, wrong state, ...): raised only
    by the rules in ``hischange.workflow``, with the rule's name."""

    exit_code = 5
    code = "refused"

    def __init__(
        self,
        message: str,
        *,
        rule: RefusalRule,
        hint: str | None = None,
        target: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.rule: RefusalRule = rule
        #: The change the refusal concerns, where it is not the command's own target.
        self.target = target


class ConfigError(HischangeError):
    """The project configuration is malformed or inconsistent."""

    exit_code = 6
    code = "config"


class StoreError(HischangeError):
    """The store cannot be opened, written, or is from a newer hischange."""

    exit_code = 6
    code = "store"
