"""The Alembic migrations and the Core tables cannot drift apart."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from hischange.store.schema import KNOWN_REVISIONS, SCHEMA_HEAD
from hischange.store.tables import metadata


def _scripts() -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("hischange.store") / "migrations"))
    return ScriptDirectory.from_config(cfg)


def test_known_revisions_are_the_alembic_revisions_in_order() -> None:
    """KNOWN_REVISIONS lists exactly Alembic's revisions, base first, ending at the one head."""
    scripts = _scripts()
    in_order = [rev.revision for rev in scripts.walk_revisions()][::-1]
    assert list(KNOWN_REVISIONS) == in_order
    assert scripts.get_heads() == [SCHEMA_HEAD]


def test_migrated_tables_match_core_metadata(store_root: Path) -> None:
    """Tables made by the migrations have the columns, types, keys and indexes of tables.py."""
    engine = create_engine(f"sqlite:///{store_root / '.hischange' / 'hischange.db'}")
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
            inspector = inspect(conn)
            dialect = conn.dialect
            assert diffs == []
            assert set(inspector.get_table_names()) == set(metadata.tables) | {"alembic_version"}
            for name, table in metadata.tables.items():
                reflected = {c["name"]: c for c in inspector.get_columns(name)}
                assert list(reflected) == [c.name for c in table.columns], name
                for column in table.columns:
                    got = reflected[column.name]
                    want = column.type.compile(dialect)
                    assert got["type"].compile(dialect) == want, (name, column.name)
                    assert got["nullable"] == column.nullable, (name, column.name)
                pk = inspector.get_pk_constraint(name)["constrained_columns"]
                assert pk == [c.name for c in table.primary_key.columns], name
                indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes(name)}
                want_ix = {i.name: [c.name for c in i.columns] for i in table.indexes}
                assert {k: v for k, v in indexes.items() if k in want_ix} == want_ix, name
    finally:
        engine.dispose()
