"""What every command shares: output format, the acting identity, opening the project."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from hischange.errors import clip

if TYPE_CHECKING:
    from hischange.project import Project

__all__ = [
    "MAX_COUNT",
    "BoundedInt",
    "actor_option",
    "emit",
    "example",
    "format_option",
    "open_project",
    "resolve_actor",
]

F = TypeVar("F", bound=Callable[..., Any])

#: The largest sequence number or count an option takes: what a 64-bit database column holds.
MAX_COUNT = 2**63 - 1


if TYPE_CHECKING:  # click 8.3 made ParamType generic; older clicks cannot subscript it
    _IntParam = click.ParamType[int, Any]
else:
    _IntParam = click.ParamType


class BoundedInt(_IntParam):
    """A whole number from ``low`` to ``high``; a bad value is a usage error (exit 2) that
    names the value cut short, never an overflow deep in the store."""

    name = "integer"

    def __init__(self, low: int = 0, high: int = MAX_COUNT) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip()
            if not text.lstrip("+-").isdigit() or len(text) > 20:
                self.fail(
                    f"{clip(str(value))} is not a whole number from {self.low} to {self.high}",
                    param,
                    ctx,
                )
            number = int(text)
        if not self.low <= number <= self.high:
            self.fail(f"{number} is not from {self.low} to {self.high}", param, ctx)
        return number


def format_option(*choices: str) -> Callable[[F], F]:
    """Add ``--format`` (human|json, plus any extra choices) to a read command."""
    allowed = ("human", "json", *choices)

    def decorate(func: F) -> F:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(allowed),
            default="human",
            show_default=True,
            help="Output format: human text, or JSON with stable keys"
            + (f", or {', '.join(choices)}" if choices else "")
            + ".",
        )(func)

    return decorate


def example(*lines: str) -> str:
    """A command's help epilog: one example, shown as written (click's \\b keeps the lines)."""
    return "\b\nExample:\n" + "\n".join(f"  {line}" for line in lines)


def _remember_key(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.find_root().ensure_object(dict)["key_file"] = value


def signing_key_option(*names: str) -> Callable[[F], F]:
    """Add the option naming the SSH key that signs this act (kept for the sealer)."""
    return click.option(
        *names,
        "signing_key",
        metavar="PATH",
        expose_value=False,
        callback=_remember_key,
        help="SSH key that signs (private key file, or the .pub of a key ssh-agent holds). "
        "Default: $HISCHANGE_SIGNING_KEY, else ssh-agent's key registered to you.",
    )


def actor_option(func: F) -> F:
    """Add ``--as`` (who acts; else HISCHANGE_USER, else git user.email) and ``--key``
    (the SSH key that signs the act in a signed project)."""
    func = signing_key_option("--key")(func)
    return actor_only_option(func)


def actor_only_option(func: F) -> F:
    """Add ``--as`` alone (for commands whose ``--key`` means something else)."""
    return click.option(
        "--as",
        "actor",
        metavar="IDENTITY",
        help="Who acts (e.g. reviewer@hospital); in a signed project their key signs "
        "(--key). Default: $HISCHANGE_USER, else git user.email.",
    )(func)


def open_project() -> Project:
    """The project for this invocation (``--project`` or the nearest ``.hischange/``)."""
    from hischange.project import find_project

    ctx = click.get_current_context()
    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    project: Project | None = obj.get("project")
    if project is None:
        start = Path(obj.get("project_dir") or ".")
        project = find_project(start, clock=obj.get("clock"))
        install_sealer(project, obj)
        obj["project"] = project
        root.call_on_close(project.close)
    return project


def install_sealer(project: Project, obj: dict[str, Any]) -> None:
    """Every act this invocation appends is signed with ``--key`` (or the agent's key).

    Made when the store opens (a command that never opens it imports nothing of it)."""

    def make() -> Any:
        from hischange.services.trust import Sealer

        key = obj.get("key_file")
        return Sealer(key=Path(key).expanduser() if key else None)

    project.sealer_factory = make


def resolve_actor(explicit: str | None) -> str:
    """The acting identity."""
    from hischange.project import resolve_actor as resolve

    return resolve(explicit, open_project().root)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def emit(fmt: str, value: Any, human: Callable[[Any], Iterable[str] | str]) -> None:
    """Print ``value`` as JSON or through its human renderer."""
    if fmt == "json":
        click.echo(json.dumps(_jsonable(value), ensure_ascii=False, indent=2, sort_keys=True))
        return
    text = human(value)
    click.echo(text if isinstance(text, str) else "\n".join(text))
