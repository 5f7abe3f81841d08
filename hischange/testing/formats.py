"""The evidence format registry: the built-in formats plus those installed through the
``hischange.evidence_formats`` entry-point group.

The built-ins are listed here in code, imported like any other module and checked by mypy;
the entry-point group is for third-party packages only, so hischange never loads its own
modules by name. A plugin package declares its format in its own packaging metadata::

    [project.entry-points."hischange.evidence_formats"]
    nunit = "acme_evidence.nunit:NUNIT"

A plugin that cannot be loaded, is not a usable format, or clashes with another format (by
name or by root element) is a ConfigError (exit 6) that names it: a broken installation is
reported, never silently skipped. docs/evidence-formats.md explains how to add a format.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import cast

from hischange.errors import ConfigError, UsageError
from hischange.testing.handler import EvidenceFormat
from hischange.testing.junit import JUNIT
from hischange.testing.models import TOOL_PATTERN
from hischange.testing.trx import TRX

__all__ = [
    "BUILTIN_FORMATS",
    "ENTRY_POINT_GROUP",
    "FormatRegistry",
    "RegisteredFormat",
    "installed_formats",
    "load_formats",
    "show_tag",
]

ENTRY_POINT_GROUP = "hischange.evidence_formats"

#: Tried in this order; a new built-in format is added here (docs/evidence-formats.md).
BUILTIN_FORMATS: tuple[EvidenceFormat, ...] = (JUNIT, TRX)

_BUILTIN = "built-in"
_GUIDE = "see docs/evidence-formats.md"


def show_tag(tag: str) -> str:
    """A root tag as people read it: ``<uri local>`` for a namespaced one, bounded."""
    return "<" + tag.replace("}", " ")[:120] + ">"


@dataclass(frozen=True)
class RegisteredFormat:
    """A format in the registry, with where it came from (for messages)."""

    format: EvidenceFormat
    #: "built-in", or the entry point and its distribution: "nunit = acme:NUNIT (acme 1.0)".
    origin: str

    @property
    def name(self) -> str:
        """The format's name."""
        return self.format.name

    @property
    def plugin(self) -> bool:
        """True for a format installed through the entry-point group."""
        return self.origin != _BUILTIN

    def describe(self) -> str:
        """Name, title and roots, e.g. ``trx (Visual Studio TRX: <... TestRun>)``."""
        roots = ", ".join(show_tag(root) for root in sorted(self.format.roots))
        return f"{self.name} ({self.format.title}: {roots})"

    def __str__(self) -> str:
        if not self.plugin:
            return f"the built-in format {self.name!r}"
        return f"the evidence format plugin {self.origin}"


class FormatRegistry:
    """Formats by name and by root element; refuses a second format with either."""

    def __init__(self, entries: Iterable[RegisteredFormat]) -> None:
        self._by_name: dict[str, RegisteredFormat] = {}
        self._by_root: dict[str, RegisteredFormat] = {}
        for entry in entries:
            self._add(entry)

    def _add(self, entry: RegisteredFormat) -> None:
        other = self._by_name.get(entry.name)
        if other is not None:
            raise ConfigError(
                f"{entry} is named {entry.name!r}, a name {other} already has",
                hint="rename the plugin's format or uninstall one of the packages; "
                "a plugin cannot replace another format",
            )
        for root in sorted(entry.format.roots):
            other = self._by_root.get(root)
            if other is not None:
                raise ConfigError(
                    f"{entry} claims the root element {show_tag(root)}, "
                    f"which {other} already claims",
                    hint="a file must identify exactly one format; uninstall one of them",
                )
        self._by_name[entry.name] = entry
        self._by_root.update(dict.fromkeys(entry.format.roots, entry))

    def __iter__(self) -> Iterator[RegisteredFormat]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def names(self) -> tuple[str, ...]:
        """The names of every format, built-ins first."""
        return tuple(self._by_name)

    def known(self) -> str:
        """Every format described, for messages: ``junit (JUnit XML: ...); trx (...)``."""
        return "; ".join(entry.describe() for entry in self)

    def for_root(self, root: str) -> RegisteredFormat | None:
        """The format whose root element is ``root`` (``local`` or ``<uri>}<local>``)."""
        return self._by_root.get(root)

    def get(self, name: str) -> RegisteredFormat:
        """The format called ``name``; a UsageError listing the known formats otherwise."""
        entry = self._by_name.get(name.strip().lower())
        if entry is None:
            raise UsageError(
                f"unknown evidence format {name!r}; known formats: {', '.join(self.names())}",
                hint=f"install the package that registers it in {ENTRY_POINT_GROUP}; {_GUIDE}",
            )
        return entry


def load_formats() -> FormatRegistry:
    """The built-in formats and every installed plugin, freshly discovered and checked."""
    entries = [RegisteredFormat(fmt, _BUILTIN) for fmt in BUILTIN_FORMATS]
    plugins = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    for ep in sorted(plugins, key=lambda ep: (ep.name, ep.value)):
        entries.append(_load_plugin(ep))
    return FormatRegistry(entries)


#: Discovery reads every installed distribution's metadata (milliseconds per report), so its
#: result is kept while the lookup function and sys.path stay the same (tests change them).
_INSTALLED: dict[tuple[object, tuple[str, ...]], FormatRegistry] = {}


def installed_formats() -> FormatRegistry:
    """``load_formats()``, remembered for the process; what ``import_report`` uses."""
    key = (importlib.metadata.entry_points, tuple(sys.path))
    registry = _INSTALLED.get(key)
    if registry is None:
        registry = load_formats()
        _INSTALLED.clear()
        _INSTALLED[key] = registry
    return registry


def _load_plugin(ep: importlib.metadata.EntryPoint) -> RegisteredFormat:
    origin = f"{ep.name} = {ep.value}"
    if ep.dist is not None:
        origin += f" (from {ep.dist.name} {ep.dist.version})"
    try:
        loaded = ep.load()
        # The entry point may name the format object or its class (made without arguments).
        obj = loaded() if isinstance(loaded, type) else loaded
    except Exception as exc:  # whatever the plugin's import raises is a broken installation
        raise ConfigError(
            f"evidence format plugin {origin} could not be loaded: {type(exc).__name__}: {exc}",
            hint=f"fix or uninstall the package that registers it in {ENTRY_POINT_GROUP}",
        ) from exc
    problems = _problems(obj, ep.name)
    if problems:
        raise ConfigError(
            f"evidence format plugin {origin} is not a usable evidence format: "
            + "; ".join(problems),
            hint=f"fix the plugin or uninstall its package; {_GUIDE}",
        )
    return RegisteredFormat(cast(EvidenceFormat, obj), origin)


def _attribute(obj: object, name: str) -> object:
    try:
        return getattr(obj, name, None)
    except Exception:  # a property that raises is as good as missing
        return None


def _problems(obj: object, entry_name: str) -> list[str]:
    problems = []
    name = _attribute(obj, "name")
    if not isinstance(name, str) or not re.fullmatch(TOOL_PATTERN, name):
        problems.append(f"name {name!r} is not a short lowercase name like 'nunit'")
    elif name != entry_name:
        problems.append(f"it is named {name!r} but its entry point is named {entry_name!r}")
    title = _attribute(obj, "title")
    if not isinstance(title, str) or not title.strip():
        problems.append("title is missing")
    roots = _attribute(obj, "roots")
    if not (
        isinstance(roots, frozenset)
        and roots
        and all(isinstance(root, str) and root for root in roots)
    ):
        problems.append(f"roots {roots!r} is not a non-empty frozenset of root element tags")
    if not callable(_attribute(obj, "handler")):
        problems.append("handler(root, attrs, max_message_chars) is missing")
    return problems
