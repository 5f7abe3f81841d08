"""Project configuration: ``.hischange/config.toml`` and the ``HISCHANGE_*`` environment
variables (``HISCHANGE_DB_URL``, ``HISCHANGE_LOCK_TIMEOUT``, ``HISCHANGE_USER``), each read and
checked here and nowhere else (``HISCHANGE_PROJECT`` is the CLI's ``--project`` option).

Everything here has a default, so an empty file (or none) is a working configuration.
A malformed file is a ``ConfigError`` naming the file and line (exit 6).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from hischange.errors import ConfigError, HischangeError, UsageError, clip
from hischange.files import read_regular

__all__ = [
    "CONFIG_NAME",
    "STATE_DIR",
    "ApprovalConfig",
    "Config",
    "CustodyConfig",
    "CustodyIgnore",
    "EvidenceConfig",
    "FaultsConfig",
    "NotifyConfig",
    "ReleaseConfig",
    "RolesConfig",
    "SiteConfig",
    "load_config",
    "parse_site_date",
    "parse_site_time",
    "unknown_key_problem",
]

STATE_DIR = ".hischange"
CONFIG_NAME = "config.toml"


EvidenceKind = Literal["automated", "onsite"]

#: The largest config.toml read (1 MiB): a config is a few hundred lines.
MAX_CONFIG_BYTES = 1024 * 1024
#: Bounds of every numeric setting (docs/configuration.md lists them).
MAX_HOURS = 24 * 366 * 10  # ten years
MAX_ATTACHMENT_BYTES = 10 * 1024**3  # 10 GiB
MAX_MESSAGE_CHARS = 1_000_000
Hours = Annotated[int, Field(ge=1, le=MAX_HOURS, strict=True)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RolesConfig(_Section):
    """Who may do what. Identities are compared case-insensitively."""

    approvers: tuple[str, ...] = ()
    developers: tuple[str, ...] = ()
    auditors: tuple[str, ...] = ()
    requesters: tuple[str, ...] = ()


class CustodyIgnore(_Section):
    """Commits that need no change of their own (``[custody.ignore]``). An ignored commit
    is still listed, with the rule that ignored it, in the gate's JSON and SARIF."""

    #: a revert ("This reverts commit <id>.") of a commit linked to a change
    reverts: bool = False
    #: ``fixup!`` / ``squash!`` / ``amend!`` commits, while no protected ref holds them
    autosquash: bool = False
    #: author e-mail globs (case-insensitive), e.g. ``"*[bot]@users.noreply.github.com"``
    authors: tuple[str, ...] = ()
    #: subject regexes (``re.search``), e.g. ``'^Bump \S+ from '``
    subjects: tuple[str, ...] = ()
    #: the adoption commit: it adds ``.hischange/config.toml`` and changes nothing outside
    #: ``.hischange/`` (the first commit of a project cannot name a change yet)
    adoption: bool = True

    @field_validator("subjects")
    @classmethod
    def _compiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"subject regex {pattern!r} does not compile: {exc}") from exc
        return value


class CustodyConfig(_Section):
    """How commits name their changes, and which refs are protected."""

    trailer_keys: tuple[str, ...] = ("HIS-Change",)
    #: Legacy subject patterns: a regex whose first group is the change id, or a mapping
    #: ``{pattern = '...', template = 'CR-2025-{0:0>4}'}`` for a hospital's old ticket ids.
    subject_patterns: tuple[str | dict[str, str], ...] = ()
    merge_policy: Literal["parents", "self", "both"] = "parents"
    protected_refs: tuple[str, ...] = ("refs/tags/*", "refs/heads/main", "refs/heads/master")
    ignore: CustodyIgnore = CustodyIgnore()
    #: External id shapes per system, each a regex with a named group ``id``, e.g.
    #: ``{ jira = '(?P<id>HIS-\d+)' }``: a trailer value or a subject matching one names the
    #: change carrying ``jira:<id>`` (``change new/edit --ref``).
    external_ids: dict[str, str] = Field(default_factory=dict)

    @field_validator("external_ids")
    @classmethod
    def _shapes(cls, value: dict[str, str]) -> dict[str, str]:
        for system, pattern in value.items():
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"external_ids.{system}: {pattern!r}: {exc}") from exc
            if "id" not in compiled.groupindex:
                raise ValueError(f"external_ids.{system}: {pattern!r} has no named group (?P<id>…)")
        return {system.lower(): pattern for system, pattern in value.items()}

    @field_validator("subject_patterns")
    @classmethod
    def _patterns_compile(
        cls, value: tuple[str | dict[str, str], ...]
    ) -> tuple[str | dict[str, str], ...]:
        for item in value:
            pattern = item if isinstance(item, str) else item.get("pattern", "")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {clip(pattern)} is not a valid regex: {exc}") from None
        return value


class EvidenceConfig(_Section):
    """Which evidence a change needs before it is ready, and attachment limits."""

    #: Per change kind: any of "automated", "onsite". A kind not listed needs what the
    #: kinds table (``hischange.workflow.kinds``) says for it.
    required: dict[str, tuple[EvidenceKind, ...]] = Field(default_factory=dict)
    environments: tuple[str, ...] = ("onsite-test", "test", "staging", "production")
    max_attachment_bytes: int = Field(50 * 1024 * 1024, ge=1, le=MAX_ATTACHMENT_BYTES, strict=True)
    max_message_chars: int = Field(2000, ge=1, le=MAX_MESSAGE_CHARS, strict=True)


class ReleaseConfig(_Section):
    """Release tags, deployment environments and their rules."""

    tag_prefix: str = "v"
    signing_key: str | None = None
    environments: tuple[str, ...] = ("test", "staging", "production")
    production_environments: tuple[str, ...] = ("production",)
    test_environments: tuple[str, ...] = ("test", "staging")
    require_test_before_production: bool = True
    operator_not_sole_developer: bool = True
    retro_approval_hours: Hours = 24


def _zone(name: str) -> ZoneInfo:
    """The zone of an IANA name; the system's zoneinfo database or the ``tzdata`` package."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {clip(name)} (an IANA name such as Asia/Shanghai)"
        ) from None


class SiteConfig(_Section):
    """The site (院方) the contract serves: the names on every report, and the time zone in
    which every time is typed and shown (the ledger stores UTC)."""

    hospital: str = ""
    vendor: str = ""
    contract_number: str = ""
    #: The contract period, ``YYYY-MM-DD`` each (empty when not set).
    contract_start: str = ""
    contract_end: str = ""
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        _zone(value)
        return value

    @field_validator("contract_start", "contract_end")
    @classmethod
    def _a_day(cls, value: str) -> str:
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{clip(value)} is not a date (YYYY-MM-DD)") from None
        return value

    @model_validator(mode="after")
    def _period(self) -> SiteConfig:
        if self.contract_start and self.contract_end and self.contract_end < self.contract_start:
            raise ValueError(
                f"the contract ends ({self.contract_end}) before it starts ({self.contract_start})"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The site's time zone."""
        return _zone(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """A stored (UTC) time in the site's time zone."""
        return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(self.zone)

    def show(self, moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """A stored time as people at the site read it, with the zone's abbreviation."""
        if moment is None:
            return "-"
        local = self.local(moment)
        return f"{local.strftime(fmt)} {local.tzname() or self.timezone}"


def parse_site_time(text: str, zone: ZoneInfo, what: str) -> datetime:
    """A time typed by a user (ISO 8601: ``2026-11-20 22:00``, ``2026-11-20T22:00+08:00``):
    without an offset it is the site's local time. Returned in UTC; a usage error naming
    the value and the option otherwise."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{what} {clip(text)} is not a time",
            hint=f"give e.g. 2026-11-20 22:00 (site time, {zone.key}) or 2026-11-20T14:00Z",
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def parse_site_date(text: str, what: str) -> date:
    """A day typed by a user (``YYYY-MM-DD``); a usage error naming the value otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{what} {clip(text)} is not a date", hint="give the day as YYYY-MM-DD, e.g. 2026-11-02"
        ) from None


FaultSeverity = Literal["major", "normal", "minor"]


class FaultsConfig(_Section):
    """The fault register's response targets (应急响应) and recurring-fault grouping."""

    #: Minutes from the report to the first response (remote, through the bastion host).
    remote_response_minutes: int = Field(30, ge=1, le=MAX_HOURS * 60, strict=True)
    #: Hours from the report to an engineer on site, for the severities listed below.
    onsite_hours: Hours = 4
    onsite_severities: tuple[FaultSeverity, ...] = ("major",)
    #: Faults of one system with the same symptom signature within this many days recur.
    recurring_days: int = Field(30, ge=1, le=3660, strict=True)


class ApprovalConfig(_Section):
    """Multi-step approval (多级审批): ``groups`` names who belongs to each group of
    approvers; ``change`` lists the groups that must each approve, per change kind
    (``default`` for the others); ``sql`` lists them per finding-code prefix of an SQL
    file's error findings (``HC1 = ["dba", "it_head"]``). Nothing configured: one approver."""

    groups: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    change: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    sql: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_groups(self) -> ApprovalConfig:
        for section, rules in (("change", self.change), ("sql", self.sql)):
            for key, groups in rules.items():
                unknown = [g for g in groups if g not in self.groups]
                if unknown:
                    raise ValueError(
                        f"[approval.{section}] {key}: group {unknown[0]!r} is not in "
                        "[approval.groups]"
                    )
        return self


class NotifyConfig(_Section):
    """Outgoing webhook (通知): events of interest POSTed to ``url`` as generic JSON or as a
    企业微信 (``wecom``), 钉钉 (``dingtalk``) or 飞书 (``feishu``) robot message, retried
    with backoff by `hischange serve`'s notifier, never by the command that wrote them."""

    url: str = ""
    format: Literal["json", "wecom", "dingtalk", "feishu"] = "json"
    events: tuple[str, ...] = (
        "change_submitted",
        "change_approved",
        "change_rejected",
        "approval_step_recorded",
        "sql_reviewed",
        "sql_approved",
        "release_cut",
        "deployment_recorded",
        "rollback_recorded",
        "command_refused",
    )
    retries: int = Field(default=5, ge=0, le=20)
    backoff_seconds: float = Field(default=2.0, ge=0, le=3600)
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)


class Config(BaseModel):
    """The whole project configuration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Hours from registration to due time, per urgency.
    due_hours: dict[str, Hours] = Field(
        default_factory=lambda: {"emergency": 4, "high": 24, "normal": 120, "low": 360}
    )
    db_url: str | None = None
    #: "none": the explicit unsigned local mode (roles from [roles], acts unsigned; `audit
    #: verify` says so loudly). "auto": the ledger decides (signed once it has a trust root).
    trust: Literal["auto", "none"] = "auto"
    roles: RolesConfig = RolesConfig()
    custody: CustodyConfig = CustodyConfig()
    sqlreview: dict[str, Any] = Field(default_factory=dict)
    evidence: EvidenceConfig = EvidenceConfig()
    release: ReleaseConfig = ReleaseConfig()
    site: SiteConfig = SiteConfig()
    faults: FaultsConfig = FaultsConfig()
    approval: ApprovalConfig = ApprovalConfig()
    notify: NotifyConfig = NotifyConfig()

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


def unknown_key_problem(key: str, section: str, valid: Iterable[str]) -> str:
    """``unknown key 'x' in [section] (did you mean 'y'?)``: a typo must not pass silently
    (``protected_table`` for ``protected_tables`` would leave a table unprotected)."""
    where = f"in [{section}]" if section else "at the top level"
    near = difflib.get_close_matches(key, sorted(valid), n=1, cutoff=0.6)
    guess = f" (did you mean {near[0]!r}?)" if near else f" (valid: {', '.join(sorted(valid))})"
    return f"unknown key {key!r} {where}{guess}"


def _problem(loc: tuple[int | str, ...], kind: str, msg: str, value: object = None) -> str:
    if kind == "extra_forbidden":
        model: type[BaseModel] = Config
        for part in loc[:-1]:
            annotation = model.model_fields[str(part)].annotation
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                break
            model = annotation
        section = ".".join(str(p) for p in loc[:-1])
        dotted = ".".join(str(p) for p in loc)
        return f"{dotted}: {unknown_key_problem(str(loc[-1]), section, model.model_fields)}"
    msg = msg.removeprefix("Value error, ")
    got = f" (got {clip(value)})" if isinstance(value, int | float | str) else ""
    return f"{'.'.join(str(p) for p in loc)}: {msg}{got}"


def load_config(path: Path) -> Config:
    """Read a config file; a missing file is the default configuration."""
    if not os.path.lexists(path):
        return Config()
    try:
        data_bytes = read_regular(path, "configuration file", max_bytes=MAX_CONFIG_BYTES)
    except HischangeError as exc:
        raise ConfigError(exc.message, hint=exc.hint) from None
    try:
        # utf-8-sig: Windows Notepad saves UTF-8 with a byte-order mark by default.
        raw = data_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 (byte {exc.start})", hint="save the file as UTF-8"
        ) from exc
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, raw, exc) from exc
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            _problem(err["loc"], err["type"], err["msg"], err.get("input")) for err in exc.errors()
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


#: Seconds a writer waits for the ledger lock unless ``HISCHANGE_LOCK_TIMEOUT`` says otherwise.
DEFAULT_LOCK_TIMEOUT = 30.0
MAX_LOCK_TIMEOUT = 86_400.0


def env_lock_timeout() -> float:
    """Seconds a writer waits for the ledger lock: ``HISCHANGE_LOCK_TIMEOUT`` (more than 0, at
    most a day), else 30. Anything else is a configuration error (exit 6) naming the value.
    0 is refused: PostgreSQL reads a lock timeout of 0 as "wait for ever"."""
    raw = os.environ.get("HISCHANGE_LOCK_TIMEOUT")
    if raw is None or not raw.strip():
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 < value <= MAX_LOCK_TIMEOUT:  # also false for nan
        raise ConfigError(
            f"HISCHANGE_LOCK_TIMEOUT={raw[:40]!r} is not a number of seconds "
            f"above 0 and at most {MAX_LOCK_TIMEOUT:.0f}",
            hint="set e.g. HISCHANGE_LOCK_TIMEOUT=30, or unset it for the default of 30 s",
        )
    return value


def env_user() -> str | None:
    """Who acts by default: ``HISCHANGE_USER``, if set and not blank."""
    value = os.environ.get("HISCHANGE_USER")
    return value if value and value.strip() else None
