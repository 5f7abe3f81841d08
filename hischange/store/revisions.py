"""The schema revisions this hischange knows (a leaf of the store: no SQLAlchemy)."""

from __future__ import annotations

__all__ = ["KNOWN_REVISIONS", "SCHEMA_HEAD"]

#: Every revision this hischange knows, oldest first. A test checks this against Alembic.
KNOWN_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005")
SCHEMA_HEAD = KNOWN_REVISIONS[-1]
