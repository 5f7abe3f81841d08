"""The table of hostile inputs: every command, every option that takes a path, a number, an
id, a pattern or free text, with the exit code docs/cli.md documents for it.

Placeholders (``{fifo}``, ``{zero}``, ``{dir}``, ``{dangling}``, ``{missing}``, ``{file}``,
``{msg}``, ``{root}``) are replaced by the fixture's paths. ``via="process"`` runs the case
in a subprocess with a time-out (the cases that could hang or read forever); the others run
in-process. ``fast`` cases run by default; the rest only with HISCHANGE_RUN_SLOW=1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["BAD_UTF8", "CASES", "HUGE", "Case"]

#: 120 KB of text: echoed back whole it would flood a terminal.
HUGE = "长" * 40_000 + "x" * 80_000
#: Bytes that are not UTF-8, as Python receives them in ``sys.argv`` (lone surrogates).
BAD_UTF8 = b"\xff\xfeCR\xc3".decode("utf-8", "surrogateescape")
CR = "CR-2026-0001"
INJECT = "CR-2026-0001; DROP TABLE events; --"


@dataclass(frozen=True)
class Case:
    """One hostile input: the arguments, the documented exit code, what the message names."""

    name: str
    args: tuple[str, ...]
    code: int
    #: A fragment the error message must contain (the offending value or its file name).
    names: str = ""
    via: Literal["in", "process"] = "in"
    #: TOML added to the test config, or "fifo" / "zero" / "dir" / "bom" for config.toml.
    config: str = ""
    env: dict[str, str] = field(default_factory=dict)
    fast: bool = False


def _paths(
    cmd: tuple[str, ...], after: tuple[str, ...] = (), *, hangs: bool = True, fast: str = ""
) -> list[Case]:
    """A path argument given a FIFO, /dev/zero, a folder, a dangling link, a missing file."""
    via: Literal["in", "process"] = "process" if hangs else "in"
    label = " ".join([*cmd[:2], *cmd[-1:]] if cmd[-1].startswith("--") else cmd[:2])
    return [
        Case(f"{label} FIFO", (*cmd, "{fifo}", *after), 2, "fifo.sql", via, fast="fifo" in fast),
        Case(
            f"{label} /dev/zero", (*cmd, "{zero}", *after), 2, "/dev/zero", via, fast="zero" in fast
        ),
        Case(f"{label} folder", (*cmd, "{dir}", *after), 2, "folder.sql", fast="dir" in fast),
        Case(f"{label} dangling link", (*cmd, "{dangling}", *after), 2, "dangling.sql"),
        Case(f"{label} missing file", (*cmd, "{missing}", *after), 3, "missing.sql"),
    ]


def _ids(
    cmd: tuple[str, ...], after: tuple[str, ...] = (), *, fast: bool = False, huge: int = 3
) -> list[Case]:
    """A change-id argument given an injection, control characters, a huge id (a well-formed
    id of no change: not found, or no events for a filter), bad UTF-8."""
    label = " ".join(cmd)
    return [
        Case(f"{label} injected id", (*cmd, INJECT, *after), 2, "DROP TABLE", fast=fast),
        Case(f"{label} control chars", (*cmd, "CR-2026-0001\x1b[2J", *after), 2, "CR-2026-0001"),
        Case(f"{label} huge id", (*cmd, "CR-2026-" + "9" * 100_000, *after), huge, "CR-2026-999"),
        Case(f"{label} invalid UTF-8", (*cmd, BAD_UTF8, *after), 2, "UTF-8"),
    ]


_W = ("--as", "reviewer@hospital")

CASES: list[Case] = [
    # Files the CLI reads: FIFO and /dev/zero in a subprocess (a hang fails by time-out).
    *_paths(("sql", "review"), fast="fifo zero dir"),
    *_paths(("sql", "approve", CR), ("--as", "dba@hospital")),
    *_paths(("hook", "check-msg"), fast="fifo zero"),
    *_paths(("release", "attach", "1.0.0"), fast="fifo zero dir"),
    *_paths(("artifact", "verify"), fast="fifo zero dir"),
    *_paths(("release", "import", "0.9.0", "--artifact"), fast="dir"),
    *_paths(("evidence", "add", CR, "--env", "test", "--commit", "a" * 40, "--junit")),
    *_paths(
        (
            "evidence",
            "record",
            CR,
            "--result",
            "pass",
            "--expected",
            "e",
            "--actual",
            "a",
            "--version",
            "1.0.0",
            "--steps",
        ),
        fast="dir zero",
    ),
    *_paths(
        (
            "evidence",
            "record",
            CR,
            "--result",
            "pass",
            "--expected",
            "e",
            "--actual",
            "a",
            "--version",
            "1.0.0",
            "--steps",
            "s",
            "--attach",
        ),
    ),
    # --db: an auditor's store without a project; what is not a store is a store error (6),
    # and nothing is created or read endlessly
    Case(
        "audit verify --db FIFO",
        ("audit", "verify", "--db", "{fifo}"),
        6,
        "fifo.sql",
        "process",
        fast=True,
    ),
    Case(
        "audit verify --db /dev/zero",
        ("audit", "verify", "--db", "{zero}"),
        6,
        "/dev/zero",
        "process",
    ),
    Case("audit log --db folder", ("audit", "log", "--db", "{dir}"), 6, "folder.sql", fast=True),
    Case("audit trace --db missing", ("audit", "trace", CR, "--db", "{missing}"), 6, "missing.sql"),
    Case(
        "audit verify --db not a database",
        ("audit", "verify", "--db", "{file}"),
        6,
        "ok.sql",
        fast=True,
    ),
    Case(
        "audit verify --db bad URL",
        ("audit", "verify", "--db", "mysql://x/y"),
        6,
        "mysql",
        fast=True,
    ),
    Case("init into a FIFO", ("init", "{fifo}", "--unsigned"), 2, "fifo.sql"),
    Case("--project is a file", ("--project", "{file}", "change", "list"), 2, "ok.sql"),
    # config.toml that is not a regular, sane file.
    Case("config FIFO", ("change", "list"), 6, "config.toml", "process", config="fifo", fast=True),
    Case("config /dev/zero", ("change", "list"), 6, "config.toml", "process", config="zero"),
    Case("config folder", ("change", "list"), 6, "config.toml", config="dir"),
    Case("config with BOM", ("change", "list"), 0, config="bom", fast=True),
    Case(
        "due_hours huge",
        ("change", "list"),
        6,
        "99999999999999",
        config="[due_hours]\nlow = 99999999999999\n",
        fast=True,
    ),
    Case("due_hours negative", ("change", "list"), 6, "-5", config="[due_hours]\nhigh = -5\n"),
    Case(
        "due_hours zero",
        ("change", "list"),
        6,
        "due_hours.normal",
        config="[due_hours]\nnormal = 0\n",
    ),
    Case(
        "retro_approval_hours negative",
        ("change", "list"),
        6,
        "-1",
        config="[release]\nretro_approval_hours = -1\n",
    ),
    Case(
        "max_attachment_bytes -1",
        ("change", "list"),
        6,
        "-1",
        config="[evidence]\nmax_attachment_bytes = -1\n",
        fast=True,
    ),
    Case(
        "max_message_chars huge",
        ("change", "list"),
        6,
        "max_message_chars",
        config="[evidence]\nmax_message_chars = 99999999999999999\n",
    ),
    Case(
        "max_statement_preview negative",
        ("sql", "review", "{file}"),
        6,
        "-3",
        config="[sqlreview]\nmax_statement_preview = -3\n",
    ),
    Case(
        "forward_pattern bad regex",
        ("sql", "review", "{file}"),
        6,
        "forward_pattern",
        config="[sqlreview]\nforward_pattern = '(unclosed'\n",
    ),
    Case(
        "subject pattern bad regex",
        ("custody", "verify"),
        6,
        "(unclosed",
        config="[custody]\nsubject_patterns = ['(unclosed']\n",
        fast=True,
    ),
    # Ids.
    *_ids(("change", "show"), fast=True),
    *_ids(("audit", "trace"), fast=True),
    *_ids(("audit", "log", "--change"), fast=True, huge=0),
    *_ids(("change", "submit")),
    *_ids(("change", "approve"), _W),
    *_ids(("change", "reject"), (*_W, "--reason", "r")),
    *_ids(("change", "start")),
    *_ids(("change", "withdraw"), ("--reason", "r")),
    *_ids(("change", "edit"), ("--title", "t")),
    *_ids(("change", "ready")),
    *_ids(("change", "verify")),
    *_ids(("change", "review"), ("--pir", "p")),
    *_ids(("change", "close")),
    *_ids(("sql", "status")),
    *_ids(("sql", "approve"), ("{file}", "--as", "dba@hospital")),
    *_ids(("evidence", "list")),
    Case("evidence cases injected id", ("evidence", "cases", "EV-2026-0001; --"), 2, "EV-2026"),
    Case("evidence cases control chars", ("evidence", "cases", "EV-2026-0001\x1b[2J"), 2, "EV-"),
    Case(
        "evidence cases huge id", ("evidence", "cases", "EV-2026-" + "9" * 100_000), 3, "EV-2026-9"
    ),
    Case("evidence cases invalid UTF-8", ("evidence", "cases", BAD_UTF8), 2, "UTF-8"),
    *_ids(
        ("evidence", "record"),
        (
            "--result",
            "pass",
            "--steps",
            "s",
            "--expected",
            "e",
            "--actual",
            "a",
            "--version",
            "1.0.0",
        ),
    ),
    # --expect-head, --since, --limit: bounded, a bad value is usage (2).
    Case(
        "expect-head garbage",
        ("audit", "verify", "--expect-head", "garbage"),
        2,
        "garbage",
        fast=True,
    ),
    Case(
        "expect-head huge seq",
        ("audit", "verify", "--expect-head", "9" * 40 + ":" + "0" * 64),
        2,
        "9999",
    ),
    Case(
        "since overflow",
        ("audit", "log", "--since", "99999999999999999999999"),
        2,
        "99999999999999999999999",
        fast=True,
    ),
    Case("since negative", ("audit", "log", "--since", "-1"), 2, "-1"),
    Case("since huge text", ("audit", "log", "--since", "9" * 100_000), 2, "999"),
    Case("limit zero", ("audit", "log", "--limit", "0"), 2, "0"),
    # Free text.
    Case(
        "title of spaces",
        ("change", "new", "--kind", "bugfix", "--title", "   "),
        2,
        "'   '",
        fast=True,
    ),
    Case(
        "title 120 KB",
        ("change", "new", "--kind", "bugfix", "--title", HUGE),
        2,
        "长长长",
        fast=True,
    ),
    Case(
        "title with newline", ("change", "new", "--kind", "bugfix", "--title", "a\nb"), 2, "a\\nb"
    ),
    Case(
        "title invalid UTF-8",
        ("change", "new", "--kind", "bugfix", "--title", BAD_UTF8),
        2,
        "UTF-8",
    ),
    Case("--as invalid UTF-8", ("change", "submit", CR, "--as", BAD_UTF8), 2, "UTF-8", fast=True),
    Case(
        "--as invalid UTF-8 bytes in argv",
        ("change", "submit", CR, "--as", BAD_UTF8),
        2,
        "UTF-8",
        "process",
        fast=True,
    ),
    Case(
        "--as control chars", ("change", "submit", CR, "--as", "dev@vendor\x1b[2J"), 2, "dev@vendor"
    ),
    Case("--as 120 KB", ("change", "submit", CR, "--as", HUGE), 2, "长长长"),
    Case(
        "HISCHANGE_USER invalid",
        ("change", "submit", CR),
        2,
        "identity",
        env={"HISCHANGE_USER": "dev\x1b[2J@vendor"},
    ),
    Case(
        "description with control chars",
        ("change", "edit", CR, "--description", "a\x1b[2Jb\x00"),
        0,
    ),
    Case(
        "effort huge",
        (
            "change",
            "new",
            "--kind",
            "bugfix",
            "--title",
            "t",
            "--billing",
            "negotiated",
            "--effort",
            "9" * 5000,
        ),
        2,
        "effort",
    ),
    Case(
        "effort negative",
        (
            "change",
            "new",
            "--kind",
            "bugfix",
            "--title",
            "t",
            "--billing",
            "negotiated",
            "--effort",
            "-3",
        ),
        2,
        "-3",
    ),
    Case(
        "date far future",
        (
            "evidence",
            "record",
            CR,
            "--result",
            "pass",
            "--steps",
            "s",
            "--expected",
            "e",
            "--actual",
            "a",
            "--version",
            "1.0.0",
            "--date",
            "9999-12-31",
        ),
        2,
        "9999-12-31",
        fast=True,
    ),
    Case(
        "date garbage",
        (
            "evidence",
            "record",
            CR,
            "--result",
            "pass",
            "--steps",
            "s",
            "--expected",
            "e",
            "--actual",
            "a",
            "--version",
            "1.0.0",
            "--date",
            "31/12/2026",
        ),
        2,
        "31/12/2026",
    ),
    Case(
        "env unknown",
        (
            "evidence",
            "record",
            CR,
            "--result",
            "pass",
            "--steps",
            "s",
            "--expected",
            "e",
            "--actual",
            "a",
            "--version",
            "1.0.0",
            "--env",
            "moon",
        ),
        2,
        "moon",
    ),
    # Versions, ranges, environments.
    Case("release show injected", ("release", "show", "1.0.0; rm -rf /"), 3, "rm -rf"),
    Case("release show huge", ("release", "show", "1." + "9" * 100_000), 3, "1.999"),
    Case("release notes bad lang", ("release", "notes", "1.0.0", "--lang", "xx"), 2, "xx"),
    Case("release import bad version", ("release", "import", "not-a-version"), 2, "not-a-version"),
    Case("release cut outside git", ("release", "cut", "--from", "v1.0.0"), 3, "git"),
    Case("custody scan outside git", ("custody", "scan", "v1..HEAD"), 3, "git"),
    Case("custody check outside git", ("custody", "check", "--", "-x..HEAD"), 3, "git"),
    Case("hook install outside git", ("hook", "install"), 3, "git"),
    Case("sql review --range outside git", ("sql", "review", "--range", "a..b"), 3, "git"),
    Case(
        "deploy record unknown env",
        (
            "deploy",
            "record",
            "1.0.0",
            "--env",
            "moon",
            "--site",
            "总院",
            "--operator",
            "ops@hospital",
            "--result",
            "success",
        ),
        2,
        "moon",
    ),
    Case(
        "deploy record bad window",
        (
            "deploy",
            "record",
            "1.0.0",
            "--env",
            "test",
            "--site",
            "总院",
            "--operator",
            "ops@hospital",
            "--result",
            "success",
            "--window-start",
            "yesterday",
        ),
        2,
        "yesterday",
    ),
    Case(
        "deploy rollback unknown release",
        ("deploy", "rollback", "9.9.9", "--env", "test", "--to", "1.0.0", "--reason", "r"),
        3,
        "9.9.9",
    ),
    Case("deploy where huge env", ("deploy", "where", "--env", HUGE), 0),
    Case("change list bad state", ("change", "list", "--state", "nope"), 2, "nope"),
    Case("release list json", ("release", "list", "--format", "json"), 0),
    Case(
        "db status lock timeout soon",
        ("db", "status"),
        6,
        "soon",
        env={"HISCHANGE_LOCK_TIMEOUT": "soon"},
        fast=True,
    ),
    Case("db upgrade bad format", ("db", "upgrade", "--format", "xml"), 2, "xml"),
    Case(
        "fault new huge symptom",
        (
            "fault",
            "new",
            "--system",
            "门诊",
            "--symptom",
            HUGE,
            "--severity",
            "major",
            "--reporter",
            "r",
            "--reported-at",
            "2099-01-01 00:00",
            *_W,
        ),
        2,
        "in the future",
    ),
    Case(
        "fault new bad time",
        (
            "fault",
            "new",
            "--system",
            "s",
            "--symptom",
            "x",
            "--severity",
            "minor",
            "--reporter",
            "r",
            "--reported-at",
            HUGE,
            *_W,
        ),
        2,
        "长长长",
    ),
    Case(
        "fault respond injected id",
        ("fault", "respond", INJECT, "--mode", "remote", "--responder", "e", *_W),
        2,
        "DROP TABLE",
        fast=True,
    ),
    Case(
        "fault resolve unknown",
        ("fault", "resolve", "FT-2026-9999", "--cause", "c", "--action", "a", *_W),
        3,
        "FT-2026-9999",
    ),
    Case("fault show invalid UTF-8", ("fault", "show", BAD_UTF8), 2, "UTF-8"),
    Case("fault list bad day", ("fault", "list", "--since", "2026-13-01"), 2, "2026-13-01"),
    *_paths(
        (
            "training",
            "record",
            "--topic",
            "t",
            "--date",
            "2026-01-01",
            "--trainer",
            "t",
            "--attendee",
            "a",
            *_W,
            "--attach",
        ),
        hangs=False,
    ),
    Case("training list bad day", ("training", "list", "--until", HUGE), 2, "长长长"),
    Case("report monthly huge month", ("report", "monthly", "--month", HUGE), 2, "长长长"),
    Case("report monthly month 13", ("report", "monthly", "--month", "2026-13"), 2, "2026-13"),
    Case(
        "report monthly pdf to a terminal",
        ("report", "monthly", "--month", "2026-11", "--format", "pdf"),
        2,
        "--out",
    ),
    Case("report assessment bad half", ("report", "assessment", "--half", "2026H3"), 2, "2026H3"),
    Case("report sign huge period", ("report", "sign", HUGE, *_W), 2, "长长长", fast=True),
    Case("report sign unfinished month", ("report", "sign", "2099-01", *_W), 2, "2099-01"),
    Case("report list json", ("report", "list", "--format", "json"), 0),
    Case("change list xlsx to a terminal", ("change", "list", "--format", "xlsx"), 2, "--out"),
    Case(
        "fault list xlsx into a folder",
        ("fault", "list", "--format", "xlsx", "--out", "{dir}"),
        2,
        "folder",
    ),
    *_paths(("audit", "verify", "--bundle"), hangs=True),
    Case("audit export bundle a folder", ("audit", "export", "--bundle", "{dir}"), 2, "folder"),
    Case(
        "audit export bad since",
        ("audit", "export", "--bundle", "{missing}", "--since", HUGE),
        2,
        "长长长",
    ),
    Case("evidence show injected id", ("evidence", "show", INJECT), 2, "DROP TABLE"),
    Case("evidence show unknown", ("evidence", "show", "EV-2026-9999"), 3, "EV-2026-9999"),
    Case(
        "evidence extract into a file",
        ("evidence", "extract", "EV-2026-" + "9" * 100_000, "--to", "{file}"),
        3,
        "EV-2026-999",
    ),
    Case("change list huge since", ("change", "list", "--since", HUGE), 2, "长长长"),
    Case(
        "custody supersede injected id",
        ("custody", "supersede", "x'; DROP TABLE events", "--by", "HEAD", "--reason", "r"),
        3,
        "not inside a git repository",  # the hostile project has no git: refused first
        fast=True,
    ),
    *_paths(("people", "add", "x@hospital", "--role", "approver", "--key"), fast="fifo"),
    Case(
        "people add unknown role",
        ("people", "add", "x@hospital", "--role", "nope", "--key", "{file}"),
        2,
        "nope",
        fast=True,
    ),
    Case(
        "people revoke bad format",
        ("people", "revoke", "x@hospital", "--as", "admin@hospital", "--format", "xml"),
        2,
        "xml",
        fast=True,
    ),
    Case(
        "people rotate key not a public key",
        ("people", "rotate", "x@hospital", "--key", "{file}", "--as", "admin@hospital"),
        2,
        "ok.sql: unsupported SSH key type",
    ),
    Case("people list json", ("people", "list", "--format", "json"), 0),
    Case(
        "audit checkpoint in an unsigned project",
        ("audit", "checkpoint", "--as", "reviewer@hospital", "--out", "{file}"),
        2,
        "unsigned",
        fast=True,
    ),
    *_paths(("audit", "verify", "--checkpoint"), fast="dir"),
    Case(
        "people add-key no passkey waiting",
        ("people", "add-key", "x@hospital\x1b[2J", "--passkey", "--as", "admin@hospital"),
        3,
        "x@hospital",
        fast=True,
    ),
    Case(
        "people credentials unregistered person",
        ("people", "credentials", "mallory@vendor\x1b[2J", "--password-stdin"),
        2,
        "mallory@vendor",
        fast=True,
    ),
    Case("serve bad port", ("serve", "--port", "70000"), 2, "70000", fast=True),
]
