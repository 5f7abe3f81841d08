"""A hischange project: the ``.hischange/`` folder next to a repository, its config and store."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from pathlib import Path

from hischange.config import (
    CONFIG_NAME,
    STATE_DIR,
    Config,
    env_db_url,
    env_lock_timeout,
    load_config,
)
from hischange.errors import NotFoundError, StoreError, UsageError
from hischange.store import Store
from hischange.store.location import remember_store

__all__ = ["CONFIG_TEMPLATE", "Project", "find_project", "init_project", "resolve_actor"]

DB_NAME = "hischange.db"

CONFIG_TEMPLATE = """\
# hischange project configuration (TOML). Every key has a default; see docs/configuration.md.

# Hours from registration to due time, per urgency (紧急/高/普通/低).
# [due_hours]
# emergency = 4
# high = 24
# normal = 120
# low = 360

# Who may do what. Identities are compared case-insensitively.
# An approval (审批) needs an identity in approvers who neither registered nor requested
# the change nor authored its commits (separation of duties, 职责分离).
[roles]
# approvers = ["reviewer@hospital"]
# developers = ["dev@vendor"]
# auditors = ["auditor@hospital"]
approvers = []
developers = []
auditors = []

# A team store on PostgreSQL instead of the default SQLite file (or set HISCHANGE_DB_URL):
# db_url = "postgresql+psycopg://hischange@db.hospital.local/hischange"

# [custody]
# trailer_keys = ["HIS-Change"]
# subject_patterns = ['\\[(CR-\\d{4}-\\d{4})\\]']
# merge_policy = "parents"     # parents | self | both
# protected_refs = ["refs/tags/*", "refs/heads/main", "refs/heads/master"]
"""

_GITIGNORE = (
    "# the local store and its journal; config.toml is shared\nhischange.db*\nattachments/\n"
)


class Project:
    """The state folder, the configuration and (lazily) the store."""

    def __init__(self, root: Path, *, clock: Callable[[], datetime] | None = None) -> None:
        self.root = root
        self.state_dir = root / STATE_DIR
        self.config: Config = load_config(self.state_dir / CONFIG_NAME)
        self._clock = clock

    @property
    def db_url(self) -> str:
        """The store URL: HISCHANGE_DB_URL, else config, else the SQLite file."""
        return env_db_url() or self.config.db_url or f"sqlite:///{self.state_dir / DB_NAME}"

    @cached_property
    def store(self) -> Store:
        """The store, opened (and upgraded if older) on first use."""
        return Store(self.db_url, clock=self._clock, lock_timeout=env_lock_timeout())

    def close(self) -> None:
        """Close the store if it was opened."""
        if "store" in self.__dict__:
            self.store.close()


def find_project(start: Path, *, clock: Callable[[], datetime] | None = None) -> Project:
    """The project whose ``.hischange/`` is at or above ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / STATE_DIR).is_dir():
            return Project(folder, clock=clock)
    raise NotFoundError(
        f"no hischange project at or above {start} (no {STATE_DIR}/ folder)",
        hint="run `hischange init` at the top of the repository",
    )


def init_project(
    root: Path, *, clock: Callable[[], datetime] | None = None
) -> tuple[Project, bool]:
    """Create ``.hischange/`` with a commented config and an empty store; idempotent."""
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder")
    state = root / STATE_DIR
    created = not state.exists()
    try:
        state.mkdir(exist_ok=True)
        config = state / CONFIG_NAME
        if not config.exists():
            config.write_text(CONFIG_TEMPLATE, encoding="utf-8")
        ignore = state / ".gitignore"
        if not ignore.exists():
            ignore.write_text(_GITIGNORE, encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot create {state}: {exc.strerror}") from exc
    project = Project(root, clock=clock)
    project.__dict__["store"] = Store(
        project.db_url, clock=clock, lock_timeout=env_lock_timeout(), create=True
    )
    remember_store(state, project.db_url)
    return project, created


def resolve_actor(explicit: str | None, cwd: Path) -> str:
    """Who acts: ``--as``, else HISCHANGE_USER, else git's user.email."""
    for candidate in (explicit, os.environ.get("HISCHANGE_USER")):
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
    if len(value) > 320 or any(c in value for c in "\r\n\t\x00"):
        raise UsageError(f"invalid identity {value[:40]!r}: one line, at most 320 characters")
    return value
