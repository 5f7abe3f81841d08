"""Store administration: which schema a store has, and upgrading it (``hischange db``)."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from hischange import __version__
from hischange.store.engine import describe_url, make_engine, store_error
from hischange.store.schema import SCHEMA_HEAD, current_revision, ensure_schema
from hischange.store.tables import ledger_head

__all__ = ["SchemaStatus", "schema_status", "upgrade_store"]


class SchemaStatus(BaseModel):
    """A store's schema revision against the one this hischange writes."""

    where: str
    backend: str
    revision: str | None
    latest: str
    up_to_date: bool
    head_seq: int | None
    #: The revision before ``upgrade_store`` ran (None for ``schema_status``).
    upgraded_from: str | None = None


def schema_status(url: str, lock_timeout: float = 30.0) -> SchemaStatus:
    """The store's schema revision and ledger head, read without changing anything."""
    where = describe_url(url)
    engine = make_engine(url, lock_timeout)
    try:
        with engine.connect() as conn, conn.begin():
            revision = current_revision(conn)
            seq = None
            if revision is not None:
                seq = conn.execute(select(ledger_head.c.seq)).scalar()
        return SchemaStatus(
            where=where,
            backend=engine.dialect.name,
            revision=revision,
            latest=SCHEMA_HEAD,
            up_to_date=revision == SCHEMA_HEAD,
            head_seq=None if revision is None else int(seq or 0),
        )
    except DBAPIError as exc:
        raise store_error(exc, where) from exc
    finally:
        engine.dispose()


def upgrade_store(url: str, lock_timeout: float = 30.0) -> SchemaStatus:
    """Upgrade an existing store to this hischange's schema (Alembic, one transaction);
    refuses a missing store or one made by a newer hischange (StoreError, exit 6)."""
    before = schema_status(url, lock_timeout).revision
    where = describe_url(url)
    engine = make_engine(url, lock_timeout)
    try:
        with engine.connect().execution_options(hischange_write=True) as conn, conn.begin():
            ensure_schema(conn, made_by=__version__, create=False, where=where)
    except DBAPIError as exc:
        raise store_error(exc, where) from exc
    finally:
        engine.dispose()
    return schema_status(url, lock_timeout).model_copy(update={"upgraded_from": before})
