"""Alembic migrations for the hischange store."""
