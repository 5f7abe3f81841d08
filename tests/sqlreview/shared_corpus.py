"""The shared corpus of sqlfluff dialect fixtures, kept next to the repository (``../shared``).

Tests that read it skip when it is not there, naming where it was looked for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["CORPUS", "corpus_files"]

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "sqlfluff-dialects"


def corpus_files() -> Iterator[tuple[str, str, str]]:
    """``(key, dialect, text)`` for every file the corpus index lists; skips when absent."""
    index = CORPUS / "expected_statements.json"
    if not index.exists():
        pytest.skip(f"corpus not found at {CORPUS}")
    for key in json.loads(index.read_text(encoding="utf-8")):
        yield key, key.split("/")[0], (CORPUS / key).read_text(encoding="utf-8")
