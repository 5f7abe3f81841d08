"""Schema versions: create, upgrade, and refuse a store made by a newer hischange."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, select, text

from hischange.errors import StoreError
from hischange.store.revisions import KNOWN_REVISIONS, SCHEMA_HEAD
from hischange.store.tables import store_meta

__all__ = [
    "KNOWN_REVISIONS",
    "SCHEMA_HEAD",
    "check_readable",
    "current_revision",
    "ensure_schema",
    "upgrade",
]


def current_revision(conn: Connection) -> str | None:
    """The store's Alembic revision, or None for an empty database."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


def upgrade(conn: Connection, made_by: str) -> None:
    """Run Alembic up to head on this connection (inside the caller's transaction)."""
    # Imported here: Alembic is only needed when a store is created or upgraded.
    from importlib.resources import files

    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("hischange.store") / "migrations"))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")
    _set_meta(conn, "hischange_version", made_by)


def _set_meta(conn: Connection, key: str, value: str) -> None:
    exists = conn.execute(select(store_meta.c.key).where(store_meta.c.key == key)).first()
    if exists:
        conn.execute(store_meta.update().where(store_meta.c.key == key).values(value=value))
    else:
        conn.execute(store_meta.insert().values(key=key, value=value))


#: The oldest schema a read-only reader (``audit verify/log/trace``) understands as it is:
#: every table it reads exists from this revision on (``event_changes`` came in 0002).
OLDEST_READABLE = "0002"


def check_readable(conn: Connection, *, made_by: str, where: str) -> None:
    """For a read-only reader: refuse a missing store, one made by a newer hischange, or
    one too old to read without an upgrade (which a reader never does)."""
    revision = current_revision(conn)
    if revision == SCHEMA_HEAD:
        return
    if revision is None:
        raise StoreError(
            f"no hischange store at {where}",
            hint="give the store's file or URL (--db), or run the command in the project",
        )
    if revision not in KNOWN_REVISIONS:
        _newer(conn, revision, made_by, where)
    if KNOWN_REVISIONS.index(revision) < KNOWN_REVISIONS.index(OLDEST_READABLE):
        raise StoreError(
            f"the store at {where} has schema {revision}, older than a read-only check reads",
            hint="upgrade a writable copy first (`hischange db upgrade` in a project using it)",
        )


def _newer(conn: Connection, revision: str, made_by: str, where: str) -> None:
    made = conn.execute(
        select(store_meta.c.value).where(store_meta.c.key == "hischange_version")
    ).scalar()
    raise StoreError(
        f"the store at {where} was made by a newer hischange "
        f"({made or 'unknown version'}, schema {revision}); this is hischange {made_by} "
        f"(schema {SCHEMA_HEAD})",
        hint="upgrade hischange (pip install -U hischange) before using this store",
    )


def ensure_schema(conn: Connection, *, made_by: str, create: bool, where: str) -> None:
    """Check the schema; upgrade an older one; refuse a missing (unless create) or newer one."""
    revision = current_revision(conn)
    if revision == SCHEMA_HEAD:
        return
    if conn.dialect.name == "postgresql":
        # Two commands opening an old (or no) store at once: one migrates, the other waits
        # here (until its transaction ends) and then finds the schema current.
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('hischange schema'))"))
        revision = current_revision(conn)
        if revision == SCHEMA_HEAD:
            return
    if revision is None:
        if not create:
            raise StoreError(
                f"no hischange store at {where}",
                hint="run `hischange init` in the repository first",
            )
        upgrade(conn, made_by)
        return
    if revision not in KNOWN_REVISIONS:
        _newer(conn, revision, made_by, where)
    upgrade(conn, made_by)
