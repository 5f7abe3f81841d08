"""``hischange people …``: who may act, with which key and role (signed projects)."""

from __future__ import annotations

from pathlib import Path

import click

from hischange.cli.output import (
    actor_only_option,
    actor_option,
    emit,
    example,
    format_option,
    open_project,
    resolve_actor,
    signing_key_option,
)

_ROLES = ("approver", "developer", "requester", "auditor", "operator", "tester", "ci", "admin")


def _line(p: object) -> str:
    from hischange.services.trust import Person

    assert isinstance(p, Person)
    state = "REVOKED" if p.revoked else ", ".join(p.roles)
    keys = " ".join(p.fingerprints) or "-"
    return f"{p.person}  [{state}]  {keys}  (seq {p.added_seq}, by {p.added_by})"


@click.group(
    epilog=example(
        "hischange people add reviewer@hospital --role approver --key reviewer.pub "
        "--as admin@hospital"
    )
)
def people() -> None:
    """Register people, their roles and SSH keys (信任根; signed projects only).

    Each registration is a ledger event signed by the trust root's holder or by someone
    the root gave the admin role."""


@people.command(
    "add",
    epilog=example(
        "hischange people add reviewer@hospital --role approver --key reviewer.pub "
        "--as admin@hospital --signing-key admin_ed25519"
    ),
)
@click.argument("person")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(_ROLES),
    help="A role (repeat for several): approver, developer, requester, auditor, operator, "
    "tester, ci, admin.",
)
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="KEY.pub",
    help="The person's SSH public key (e.g. id_ed25519.pub).",
)
@actor_only_option
@signing_key_option("--signing-key")
@format_option()
def add(person: str, roles: tuple[str, ...], key_file: Path, actor: str | None, fmt: str) -> None:
    """Register PERSON with roles and a public key."""
    from hischange.services.trust import add_person

    result = add_person(open_project(), resolve_actor(actor), person, roles, key_file)
    emit(fmt, result, lambda p: f"registered {_line(p)}")


@people.command(
    "revoke",
    epilog=example(
        "hischange people revoke dev2@vendor --reason left the project --as admin@hospital"
    ),
)
@click.argument("person")
@click.option("--reason", default="", help="Why (kept in the ledger).")
@actor_option
@format_option()
def revoke(person: str, reason: str, actor: str | None, fmt: str) -> None:
    """Revoke PERSON: nothing they sign from now on counts."""
    from hischange.services.trust import revoke_person

    result = revoke_person(open_project(), resolve_actor(actor), person, reason)
    emit(fmt, result, lambda p: f"revoked {_line(p)}")


@people.command(
    "rotate",
    epilog=example("hischange people rotate reviewer@hospital --key new.pub --as admin@hospital"),
)
@click.argument("person")
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="KEY.pub",
    help="The person's new SSH public key.",
)
@actor_only_option
@signing_key_option("--signing-key")
@format_option()
def rotate(person: str, key_file: Path, actor: str | None, fmt: str) -> None:
    """Replace PERSON's key (the old one no longer signs)."""
    from hischange.services.trust import rotate_key

    result = rotate_key(open_project(), resolve_actor(actor), person, key_file)
    emit(fmt, result, lambda p: f"rotated {_line(p)}")


@people.command("list", epilog=example("hischange people list --format json"))
@format_option()
def list_(fmt: str) -> None:
    """Every registered person: roles, keys, revoked or not."""
    from hischange.services.trust import list_people, trust_root

    proj = open_project()
    root = trust_root(proj)
    found = list_people(proj)

    def human(ps: list[object]) -> list[str]:
        head = (
            f"trust root 信任根: {root.fingerprint} held by {root.holder}"
            if root
            else 'UNSIGNED project (trust = "none"): roles are in .hischange/config.toml'
        )
        return [head, *(_line(p) for p in ps)] if ps else [head, "no people registered"]

    emit(fmt, found, human)


@people.command(
    "add-key",
    epilog=example(
        "hischange people add-key reviewer@hospital --passkey --as admin@hospital --key admin_key"
    ),
)
@click.argument("person")
@click.option(
    "--passkey",
    is_flag=True,
    required=True,
    help="Add the passkey PERSON registered on the web page (waiting in the web folder).",
)
@actor_option
@format_option()
def add_key(person: str, passkey: bool, actor: str | None, fmt: str) -> None:
    """Add PERSON's passkey (WebAuthn) from the web page.

    The passkey PERSON registered on the web review page's Passkeys page becomes one of
    their keys (a person_key_added event you sign): their browser approvals are then
    signed with it."""
    from hischange.services.passkeys import add_passkey

    result = add_passkey(open_project(), resolve_actor(actor), person)
    emit(fmt, result, lambda p: f"added passkey {p.fingerprint} to {p.person}")


@people.command(
    "credentials",
    epilog=example("hischange people credentials reviewer@hospital --password-stdin < pw.txt"),
)
@click.argument("person")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the new password from standard input (else it is asked for, twice).",
)
@format_option()
def credentials(person: str, password_stdin: bool, fmt: str) -> None:
    """Set PERSON's web password and TOTP secret.

    The sign-in of `hischange serve`: a password (argon2id) and a new TOTP secret (二次认证,
    shown once). Kept in .hischange/web/, outside the ledger."""
    import sys

    from hischange.services.accounts import set_credentials

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    result = set_credentials(open_project(), person, password)
    emit(
        fmt,
        result,
        lambda a: [
            f"web sign-in set for {a.person} (password + TOTP) in {a.accounts_file}",
            f"TOTP secret (enter it in the authenticator app, shown once): {a.totp_secret}",
            f"TOTP URI: {a.totp_uri}",
        ],
    )
