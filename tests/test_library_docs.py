"""docs/library.md documents every public name of the services façade."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import hischange.services

DOC = Path(__file__).parents[1] / "docs" / "library.md"


def test_every_public_service_name_is_documented() -> None:
    """Each name in a services module's ``__all__`` appears in docs/library.md."""
    text = DOC.read_text("utf-8")
    missing = []
    for info in pkgutil.iter_modules(hischange.services.__path__):
        module = importlib.import_module(f"hischange.services.{info.name}")
        missing += [f"{info.name}.{n}" for n in getattr(module, "__all__", ()) if n not in text]
    assert missing == []
