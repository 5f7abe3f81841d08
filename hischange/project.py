"""A hischange project: the ``.hischange/`` folder next to a repository, its config and store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hischange.config import (
    CONFIG_NAME,
    STATE_DIR,
    Config,
    env_db_url,
    env_lock_timeout,
    env_user,
    load_config,
)
from hischange.errors import NotFoundError, StoreError, UsageError, clip
from hischange.files import read_regular

# SQLAlchemy takes a quarter of a second to import: only what opens the store pays for it
# (`sql review FILE` reads the config and never does).
if TYPE_CHECKING:
    from hischange.store import Store
    from hischange.store.lite import ProjectionReader

__all__ = ["CONFIG_TEMPLATE", "Project", "find_project", "init_project", "resolve_actor"]

DB_NAME = "hischange.db"

#: What ``init`` writes: every setting with its default (docs/configuration.md shows it too).
CONFIG_TEMPLATE = """\
# hischange project configuration (TOML); docs/configuration.md explains every key.
# Every setting is shown with its default, commented out: to change one, remove the "#" in
# front of its [section] line and of the key (lines of "# " and words are explanations).

# A team store on PostgreSQL instead of the SQLite file .hischange/hischange.db
# (HISCHANGE_DB_URL wins over this), e.g.
# db_url = "postgresql+psycopg://hischange@db.hospital.local/hischange"
# Keys outside a [section] must stay above the first [section].

# Signing (信任根): a project made with `init --trust-root KEY.pub` signs every act with its
# actor's SSH key, and people and roles are ledger events (`hischange people`), not the
# [roles] below. trust = "none" is the explicit UNSIGNED local mode, for trying the tool:
# anyone can act as anyone and `audit verify` says so ("auto": signed once the ledger has
# a trust root; `init --unsigned` writes trust = "none").
#trust = "auto"

# Hours from registration to due time, per urgency (紧急/高/普通/低).
#[due_hours]
#emergency = 4
#high = 24
#normal = 120
#low = 360

# Who may do what; identities are compared case-insensitively. An approval (审批) needs an
# identity in approvers who neither registered nor requested the change nor authored its
# commits (separation of duties, 职责分离). Fill these in, e.g.
# approvers = ["reviewer@hospital"], developers = ["dev@vendor"]
[roles]
approvers = []
developers = []
auditors = []
requesters = []

# Code custody (程序保管): how commits name their changes, which refs are protected.
#[custody]
#trailer_keys = ["HIS-Change"]
# legacy history: regexes whose first group is the change id, or {pattern, template} tables
#subject_patterns = []
#merge_policy = "parents"                   # parents | self | both
#protected_refs = ["refs/tags/*", "refs/heads/main", "refs/heads/master"]
# commits that need no change (reverts of linked commits, fixup!/squash!, author e-mail
# globs, subject regexes); custody check still lists each one it lets through
#ignore = { reverts = false, autosquash = false, authors = [], subjects = [], adoption = true }
# external ids in trailers and subjects, per system: a regex with a named group "id", e.g.
# { jira = '(?P<id>HIS-[0-9]+)' }; they name the change carrying jira:<id> (change new --ref)
#external_ids = {}

# SQL review (SQL 审核); the rules and their codes are in docs/sql-rules.md.
#[sqlreview]
#dialect = "oracle"                         # oracle (DM), tsql, mysql, postgres (KingbaseES)
#disabled = []                              # rule codes to skip, e.g. ["HC120"]
#severity = {}                              # e.g. { HC111 = "error" }
#protected_tables = []
# personal-information column names (HC130); a list here replaces the default one
#pii_columns = [
#  "id_card", "idcard", "id_no", "id_number", "sfzh", "sfzhm", "shenfenzheng", "zjhm",
#  "身份证号", "身份证号码", "身份证", "证件号码",
#  "mobile", "mobile_phone", "patient_phone", "contact_phone", "lxdh", "sjhm",
#  "联系电话", "手机号", "手机号码",
#  "patient_name", "brxm", "hzxm", "姓名", "患者姓名", "病人姓名",
#  "home_address", "patient_address", "jtzz", "xzz", "家庭住址", "现住址", "住址",
#  "insurance_no", "medical_insurance_no", "ybkh", "yibao_no", "sbkh",
#  "医保卡号", "医保号", "社保卡号",
#]
#allowed_schemas = []                       # HC120; empty means do not check
#forward_pattern = '(?i)\\.sql$'             # HC116: a forward script needs …
#rollback_replacement = ".rollback.sql"     # … this sibling
#rollback_pattern = '(?i)(\\.rollback\\.sql|_rollback\\.sql|\\.down\\.sql)$'
#max_statement_preview = 200
# house standards the DBA sets (HC2xx), each off until given; see docs/sql-rules.md
#table_name_pattern = ""                    # HC201, e.g. "(his|lis)_[a-z0-9_]+"
#index_name_pattern = ""                    # HC202, e.g. "(idx|uk)_[a-z0-9_]+"
#constraint_name_pattern = ""               # HC203, e.g. "(pk|fk|uk|ck)_[a-z0-9_]+"
#required_columns = []                      # HC204, e.g. ["创建时间", "修改时间"]
#denied_types = []                          # HC205, e.g. ["CLOB", "FLOAT"]
#require_comments = false                   # HC206: COMMENT ON / COMMENT '' / MS_Description
#max_varchar_length = 0                     # HC207; 0 does not check

# Test evidence (测试记录). required: per change kind, any of "automated", "onsite"; a kind
# not listed needs what the kinds table says (docs/concepts.md), e.g. report = ["onsite"].
#[evidence]
#required = {}
#environments = ["onsite-test", "test", "staging", "production"]
#max_attachment_bytes = 52428800
#max_message_chars = 2000

# Releases (版本) and deployments (部署). signing_key is unset by default (release tags are
# annotated, not signed); to sign them with git tag -u KEY, set e.g.
# signing_key = "ABCD1234"
#[release]
#tag_prefix = "v"
#environments = ["test", "staging", "production"]
#production_environments = ["production"]
#test_environments = ["test", "staging"]
#require_test_before_production = true
#operator_not_sole_developer = true
#retro_approval_hours = 24                  # emergency changes: retroactive approval due

# The site (院方) on reports, and the time zone every time is typed and shown in (the ledger
# stores UTC), e.g. hospital = "某某市人民医院", contract_start = "2026-01-01"
#[site]
#hospital = ""
#vendor = ""
#contract_number = ""
#contract_start = ""
#contract_end = ""
#timezone = "Asia/Shanghai"

# The fault register (故障登记): response targets (应急响应) and recurring faults.
#[faults]
#remote_response_minutes = 30               # first response after the report
#onsite_hours = 4                           # on site after the report, for …
#onsite_severities = ["major"]              # … these severities
#recurring_days = 30                        # same system + symptom within this: recurring
# Multi-step approval (多级审批): one approver from each listed group, per change kind and
# per SQL error-finding prefix (docs/configuration.md). Unset: one approver suffices.
# e.g. groups = { dba = ["dba@ops-company.example"], it_head = ["head@hospital"] },
# then change = { database = ["dba", "it_head"] }, sql = { HC1 = ["dba", "it_head"] }
#[approval]
#groups = {}
#change = {}
#sql = {}

# Notifications (通知): `hischange serve` POSTs events of interest to url, as generic JSON
# or as a 企业微信 / 钉钉 / 飞书 robot message (format = "wecom" / "dingtalk" / "feishu"),
# retried with backoff; a write never waits for it. Empty url: no notifications.
#[notify]
#url = ""
#format = "json"
#events = [
#  "change_submitted", "change_approved", "change_rejected", "approval_step_recorded",
#  "sql_reviewed", "sql_approved", "release_cut", "deployment_recorded", "rollback_recorded",
#  "command_refused",
#]
#retries = 5
#backoff_seconds = 2.0
#timeout_seconds = 10.0
"""

_GITIGNORE = (
    "# the local store and its journal; config.toml is shared\nhischange.db*\nattachments/\n"
    "# the web page's accounts (password hashes, TOTP secrets) and sign-in log\nweb/\n"
)


class Project:
    """The state folder, the configuration and (lazily) the store."""

    def __init__(
        self,
        root: Path,
        *,
        clock: Callable[[], datetime] | None = None,
        read_only: bool = False,
        db_url: str | None = None,
        config: Config | None = None,
    ) -> None:
        self.root = root
        self.state_dir = root / STATE_DIR
        self.config: Config = config or load_config(self.state_dir / CONFIG_NAME)
        self._clock = clock
        #: Open the store for reading only (the auditor's commands): no schema upgrade, no
        #: write lock, a read-only copy or medium works (``Store(read_only=True)``).
        self.read_only = read_only
        self._db_url = db_url
        #: Signs each write transaction's acts (``Store.sealer``); the CLI installs one.
        self._sealer: Any = None
        #: Makes the sealer when the store is first opened (the CLI sets it).
        self.sealer_factory: Callable[[], Any] | None = None

    @classmethod
    def of_store(cls, db_url: str, *, read_only: bool = True) -> Project:
        """A store without a project folder (an auditor's copy of the database): the
        default configuration, the current folder as root, the store opened read-only."""
        return cls(Path.cwd(), read_only=read_only, db_url=db_url, config=Config())

    @property
    def sealer(self) -> Any:
        """What signs acts in a signed project (``hischange.services.trust.Sealer``)."""
        return self._sealer

    @sealer.setter
    def sealer(self, value: Any) -> None:
        self._sealer = value
        if "store" in self.__dict__:
            self.store.sealer = value

    @property
    def db_url(self) -> str:
        """The store URL: the one given, else HISCHANGE_DB_URL, else config, else the
        SQLite file."""
        return (
            self._db_url
            or env_db_url()
            or self.config.db_url
            or f"sqlite:///{self.state_dir / DB_NAME}"
        )

    @cached_property
    def store(self) -> Store:
        """The store, opened (and upgraded if older, unless read-only) on first use."""
        from hischange.store import Store

        store = Store(
            self.db_url,
            clock=self._clock,
            lock_timeout=env_lock_timeout(),
            read_only=self.read_only,
        )
        if self._sealer is None and self.sealer_factory is not None:
            self._sealer = self.sealer_factory()
        store.sealer = self._sealer
        return store

    @cached_property
    def reader(self) -> ProjectionReader:
        """What reads committed projections (aggregates): the store if it is open, else a
        reader over the standard ``sqlite3`` module when the store is a current local SQLite
        file (no SQLAlchemy import: the commit-msg hook, ``change list``), else the store."""
        if "store" in self.__dict__:
            return self.store
        from hischange.store.lite import open_reader

        lite = open_reader(self.db_url, clock=self._clock, lock_timeout=env_lock_timeout())
        return self.store if lite is None else lite

    def close(self) -> None:
        """Close the store and the reader if they were opened."""
        reader = self.__dict__.get("reader")
        if reader is not None and reader is not self.__dict__.get("store"):
            reader.close()
        if "store" in self.__dict__:
            self.store.close()


def find_project(
    start: Path, *, clock: Callable[[], datetime] | None = None, read_only: bool = False
) -> Project:
    """The project whose ``.hischange/`` is at or above ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / STATE_DIR).is_dir():
            return Project(folder, clock=clock, read_only=read_only)
    raise NotFoundError(
        f"no hischange project at or above {start} (no {STATE_DIR}/ folder)",
        hint="run `hischange init` at the top of the repository",
    )


def init_project(
    root: Path, *, clock: Callable[[], datetime] | None = None, unsigned: bool = False
) -> tuple[Project, bool]:
    """Create ``.hischange/`` with a commented config and an empty store; idempotent.

    ``unsigned``: write ``trust = "none"`` into a new config (the unsigned local mode)."""
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder")
    state = root / STATE_DIR
    created = not state.exists()
    try:
        state.mkdir(exist_ok=True)
        config = state / CONFIG_NAME
        if not config.exists():
            text = CONFIG_TEMPLATE
            if unsigned:
                text = text.replace('#trust = "auto"\n', 'trust = "none"\n', 1)
            config.write_text(text, encoding="utf-8")
        elif unsigned and load_config(config).trust != "none":
            old = read_regular(config, "configuration file").decode("utf-8-sig")
            config.write_text('trust = "none"\n' + old, encoding="utf-8")
        ignore = state / ".gitignore"
        if not ignore.exists():
            ignore.write_text(_GITIGNORE, encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot create {state}: {exc.strerror}") from exc
    from hischange.store import Store
    from hischange.store.location import remember_store

    project = Project(root, clock=clock)
    project.__dict__["store"] = Store(
        project.db_url, clock=clock, lock_timeout=env_lock_timeout(), create=True
    )
    remember_store(state, project.db_url)
    return project, created


def resolve_actor(explicit: str | None, cwd: Path) -> str:
    """Who acts: ``--as``, else HISCHANGE_USER, else git's user.email."""
    for candidate in (explicit, env_user()):
        if candidate and candidate.strip():
            return _check_actor(candidate)
    # Imported here: the git adapter (and GitPython) loads only when git must be asked.
    from hischange.vcs.identity import git_user_email

    out = git_user_email(cwd)
    if out:
        return _check_actor(out)
    raise UsageError(
        "who is acting is unknown",
        hint="pass --as you@example, set HISCHANGE_USER, or set git config user.email",
    )


def _check_actor(value: str) -> str:
    value = value.strip()
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 reach Python as lone surrogates
        raise UsageError(
            f"invalid identity {clip(value, 40)}: not valid UTF-8 text",
            hint="pass the identity as UTF-8 (check the terminal's encoding, e.g. LANG=C.UTF-8)",
        ) from None
    if len(value) > 320 or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise UsageError(
            f"invalid identity {clip(value, 40)}: one line of at most 320 characters, "
            "no control characters",
            hint="pass e.g. --as reviewer@hospital",
        )
    return value
