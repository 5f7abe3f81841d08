"""``hischange init``."""

from __future__ import annotations

from pathlib import Path

import click

from hischange.cli.output import actor_option, emit, example, format_option
from hischange.config import STATE_DIR
from hischange.errors import UsageError


def _choose() -> UsageError:
    return UsageError(
        "say how this project is trusted: --trust-root KEY.pub (signed) or --unsigned",
        hint="the hospital's administrator gives the root public key: "
        "hischange init --trust-root admin_ed25519.pub --as admin@hospital",
    )


@click.command(epilog=example("hischange init --trust-root admin_ed25519.pub --as admin@hospital"))
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--trust-root",
    "trust_root",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="KEY.pub",
    help="The hospital's root public key (信任根): its holder (--as) registers people.",
)
@click.option(
    "--unsigned",
    is_flag=True,
    help='Unsigned local mode (trust = "none"): roles in config.toml, acts not signed.',
)
@actor_option
@format_option()
@click.pass_context
def init(
    ctx: click.Context,
    folder: Path | None,
    trust_root: Path | None,
    unsigned: bool,
    actor: str | None,
    fmt: str,
) -> None:
    """Create .hischange/ with a config and an empty store.

    In FOLDER (default: --project or the current folder). config.toml shows every setting
    with its default, commented out. Give --trust-root KEY.pub (a signed project: every act
    is signed by its actor's SSH key) or --unsigned (for trying the tool). Running it again
    changes nothing."""
    from hischange.project import init_project, resolve_actor
    from hischange.services.trust import Sealer, set_trust_root
    from hischange.services.trust import trust_root as root_of

    if trust_root is not None and unsigned:
        raise UsageError("--trust-root and --unsigned exclude each other", hint="give one")
    obj = ctx.find_root().obj
    root = (folder or Path(obj.get("project_dir") or ".")).resolve()
    if trust_root is None and not unsigned and not (root / STATE_DIR).is_dir():
        raise _choose()  # before anything is created
    project, created = init_project(root, clock=obj.get("clock"), unsigned=unsigned)
    try:
        key = obj.get("key_file")
        project.sealer = Sealer(key=Path(key).expanduser() if key else None)
        existing = root_of(project)
        if trust_root is not None and existing is None:
            existing = set_trust_root(project, resolve_actor(actor, root), trust_root)
        elif existing is None and project.config.trust != "none":
            raise _choose()
        result = {
            "project": str(project.state_dir),
            "created": created,
            "store": project.store.where,
            "trust_root": existing.fingerprint if existing else None,
            "root_holder": existing.holder if existing else None,
        }
    finally:
        project.close()

    def human(r: dict[str, object]) -> str:
        head = f"{'initialised' if r['created'] else 'already initialised'}: {r['project']}"
        if r["trust_root"]:
            return (
                f"{head}\ntrust root 信任根: {r['trust_root']} held by {r['root_holder']}\n"
                "next: register people: hischange people add reviewer@hospital "
                "--role approver --key reviewer.pub --as <root holder> --signing-key <root key>"
            )
        return (
            f'{head}\nUNSIGNED local mode (trust = "none"): acts are not signed\n'
            "next: list approvers under [roles] in .hischange/config.toml"
        )

    emit(fmt, result, human)
