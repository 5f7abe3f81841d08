"""Store backends for the tests: SQLite always, PostgreSQL when HISCHANGE_TEST_PG_URL is set.

``HISCHANGE_TEST_PG_URL`` names a PostgreSQL database the tests may create schemas in
(``postgresql+psycopg://postgres@127.0.0.1:PORT/postgres``; ``.ci/pg.sh`` starts a throwaway
server and sets it). Each test gets its own fresh schema, dropped afterwards, through the
URL's ``options=-csearch_path=...``: the store's tables, triggers and functions all land in
it, so tests never see each other's ledgers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

__all__ = ["BACKENDS", "PG_URL", "fresh_url", "pg_schema", "raw_pg"]

PG_URL = os.environ.get("HISCHANGE_TEST_PG_URL") or None

#: Parameters for a test that runs on every backend; PostgreSQL is skipped, saying why,
#: when no server was given.
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(
            PG_URL is None, reason="PostgreSQL: set HISCHANGE_TEST_PG_URL (see .ci/pg.sh)"
        ),
    ),
]


def raw_pg(url: str) -> str:
    """The libpq form of a ``postgresql+psycopg://`` URL (for psycopg itself)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def pg_schema(admin_url: str) -> Iterator[str]:
    """A store URL whose tables live in a fresh schema of ``admin_url``'s database."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(raw_pg(admin_url), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in admin_url else "?"
    try:
        yield f"{admin_url}{sep}options={quote(f'-csearch_path={name}')}"
    finally:
        with psycopg.connect(raw_pg(admin_url), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


@contextmanager
def fresh_url(backend: str, folder: Path) -> Iterator[str]:
    """A URL where no store is yet: a SQLite file in ``folder``, or a fresh PG schema."""
    if backend == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / 'hischange.db'}"
        return
    assert PG_URL is not None
    with pg_schema(PG_URL) as url:
        yield url
