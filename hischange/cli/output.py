"""What every command shares: output format, the acting identity, opening the project."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import orjson

from hischange.errors import clip, visible

if TYPE_CHECKING:
    from hischange.project import Project

__all__ = [
    "MAX_COUNT",
    "BoundedInt",
    "actor_option",
    "db_option",
    "emit",
    "emit_stream",
    "example",
    "format_option",
    "open_project",
    "open_reader",
    "resolve_actor",
    "site_day",
    "site_time",
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
        from hischange.cli.render import use_site

        use_site(project.config.site)
        root.call_on_close(project.close)
    return project


def db_option(func: F) -> F:
    """Add ``--db`` (a store without a project folder: an auditor's copy of the database)."""
    return click.option(
        "--db",
        "db_url",
        metavar="URL|FILE",
        help="The store to read: a database URL (sqlite:///FILE, postgresql+psycopg://…) or "
        "a SQLite file; no project folder is needed. Default: the project's store, else "
        "$HISCHANGE_DB_URL.",
    )(func)


def store_url(value: str) -> str:
    """``--db``'s value as a store URL: a URL as given, anything else a SQLite file's path."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def open_reader(db_url: str | None = None) -> Project:
    """The project to read, opened read-only (``audit verify/log/trace``): ``--db`` when
    given, else the nearest project, else ``HISCHANGE_DB_URL`` without a project folder."""
    from hischange.config import env_db_url
    from hischange.errors import NotFoundError
    from hischange.project import Project, find_project

    ctx = click.get_current_context()
    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    if db_url is not None:
        project = Project.of_store(store_url(db_url))
    else:
        try:
            project = find_project(
                Path(obj.get("project_dir") or "."), clock=obj.get("clock"), read_only=True
            )
        except NotFoundError:
            env = env_db_url()
            if not env:
                raise
            project = Project.of_store(env)
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


def site_time(text: str | None, option: str) -> datetime | None:
    """A time the user typed (``--at``, ``--window-start``): without an offset it is the
    site's time zone (``[site] timezone``, default Asia/Shanghai); returned in UTC."""
    if text is None:
        return None
    from hischange.config import parse_site_time

    return parse_site_time(text, open_project().config.site.zone, option)


def site_day(text: str | None, option: str) -> date | None:
    """A day the user typed (``--date``, ``--since``, ``--until``): ``YYYY-MM-DD``."""
    if text is None:
        return None
    from hischange.config import parse_site_date

    return parse_site_date(text, option)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def emit(fmt: str, value: Any, human: Callable[[Any], Iterable[str] | str]) -> None:
    """Print ``value`` as JSON or through its human renderer (control characters and
    escape sequences in it shown visibly, ``visible``; its own line breaks kept)."""
    if fmt == "json":
        click.echo(json_text(_jsonable(value)))
        return
    text = human(value)
    click.echo(visible(text if isinstance(text, str) else "\n".join(text), keep_newlines=True))


def emit_stream(
    fmt: str, items: Iterable[Any], human: Callable[[Any], str], empty: str = ""
) -> None:
    """Print items as they come (constant memory however many): one human line each, or
    a JSON array written element by element — the same text ``emit`` prints for the list.
    Each human line is shown through ``visible`` (one line: its own newlines escaped).
    Should the items end in an error (damage met on the way), what came before it is
    printed first."""
    lines: list[str] = []
    try:
        count = 0
        if fmt == "json":
            for item in items:
                text = json_text(_jsonable(item))
                click.echo(("[\n" if not count else ",\n") + _indent(text), nl=False)
                count += 1
            click.echo("\n]" if count else "[]")
            return
        for item in items:
            lines.append(visible(human(item)))
            count += 1
            if len(lines) >= _LINES_AT_ONCE:
                click.echo("\n".join(lines))
                lines.clear()
        if not count and empty:
            lines.append(empty)
    finally:
        if lines:
            click.echo("\n".join(lines))
        close = getattr(items, "close", None)  # a stream's read transaction ends here
        if close is not None:
            close()


#: Human lines written at once by ``emit_stream`` (one write per line was a fifth of a
#: long listing's time; memory stays bounded by this many lines).
_LINES_AT_ONCE = 500


def json_text(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)``, the same text,
    through orjson where it can (the stdlib's indenting encoder is pure Python: it was half
    the time of a long ``audit log --format json``)."""
    try:
        return orjson.dumps(value, option=_ORJSON).decode("utf-8")
    except TypeError:  # e.g. an int beyond 64 bits: the stdlib decides
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


_ORJSON = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.split("\n"))
