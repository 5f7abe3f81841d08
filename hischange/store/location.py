"""Where a project's store is, remembered in the project folder.

A project initialised on a team store (PostgreSQL) gets ``.hischange/store-url``: the URL
without its password (shared through git like config.toml). Opening the default SQLite
file of that folder when it does not exist, and that file says the store is elsewhere,
is then an error naming the URL, instead of a new, empty, silently split ledger; the
usual cause is a shell without HISCHANGE_DB_URL.
"""

from __future__ import annotations

from pathlib import Path

from hischange.errors import StoreError

__all__ = ["MARKER", "check_local_store", "public_url", "remember_store"]

MARKER = "store-url"

_HEADER = (
    "# Written by `hischange init`: this project's store is NOT the local SQLite file.\n"
    "# Open it with HISCHANGE_DB_URL (this URL plus the password) or db_url in config.toml.\n"
)


def public_url(url: str) -> str:
    """The URL without its password (user, host, port, database and options stay)."""
    from sqlalchemy.engine import URL, make_url

    full = make_url(url)
    bare = URL.create(
        full.drivername, full.username, None, full.host, full.port, full.database, full.query
    )
    return bare.render_as_string(hide_password=False)


def remember_store(state_dir: Path, url: str) -> None:
    """Record a non-SQLite store's URL (no password) in the project folder."""
    if url.startswith("sqlite"):
        return
    try:
        (state_dir / MARKER).write_text(f"{_HEADER}{public_url(url)}\n", encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot write {state_dir / MARKER}: {exc.strerror}") from exc


def check_local_store(path: Path) -> None:
    """Refuse to open (or make) ``path``, a SQLite file that does not exist, in a folder
    whose project keeps its store elsewhere."""
    marker = path.parent / MARKER
    if path.exists() or not marker.is_file():
        return
    lines = marker.read_text(encoding="utf-8", errors="replace").splitlines()
    remembered = next((ln.strip() for ln in lines if ln.strip() and ln[0] != "#"), "?")
    raise StoreError(
        f"this project's store is {remembered} (recorded in {marker}), "
        f"but no store URL was given, so the local file {path} would be used",
        hint="set HISCHANGE_DB_URL to that URL with its password, or db_url in "
        ".hischange/config.toml; delete the store-url file only to leave the team store",
    )
