"""Shared fixtures: a project in tmp_path with a frozen clock, the CLI runner bound to it, and
the project folder as a real git repository. The helpers themselves live in tests/support/."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from hischange.project import Project, init_project
from tests.support.backends import PG_URL, pg_schema
from tests.support.cli import ROLES, Cli, FrozenClock, write_config
from tests.support.git import GitRepo, git_env, init_repo

__all__ = ["ROLES", "Cli", "FrozenClock", "NewChange", "Repo", "write_config"]

# No per-example deadline (a shared CI machine is slow at times), and in CI a fixed seed:
# a property test there either always passes or always fails, never by chance.
settings.register_profile("default", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")


@pytest.fixture
def clock() -> FrozenClock:
    """A frozen, hand-moved clock."""
    return FrozenClock()


@pytest.fixture
def project(tmp_path: Path, clock: FrozenClock) -> Iterator[Project]:
    """An initialised project with roles configured and a frozen clock."""
    write_config(tmp_path)
    proj, _ = init_project(tmp_path, clock=clock)
    yield proj
    proj.close()


@pytest.fixture
def run(tmp_path: Path, clock: FrozenClock, project: Project) -> Cli:
    """A CLI runner bound to an initialised project."""
    return Cli(tmp_path, clock)


NewChange = Callable[..., str]


@pytest.fixture
def new_change(run: Cli) -> NewChange:
    """Register a change through the CLI; returns its id."""

    def make(*extra: str, actor: str = "dev@vendor", **opts: str | bool) -> str:
        args: dict[str, str | bool] = {
            "kind": "interface",
            "title": "LIS 接口字段调整",
            "system": "检验",
            "requester": "检验科",
            "rollback-plan": "恢复旧版接口配置",
        } | {k.replace("_", "-"): v for k, v in opts.items()}
        # True is a flag (emergency=True → --emergency).
        flat = [x for k, v in args.items() for x in ((f"--{k}",) if v is True else (f"--{k}", v))]
        data = run.json("change", "new", *flat, *extra, "--as", actor)
        return str(data["id"])

    return make


#: HISCHANGE_TEST_STORE=postgresql (with HISCHANGE_TEST_PG_URL): every test's store is a
#: fresh PostgreSQL schema instead of the project's SQLite file (`make test` runs the CLI
#: tests so, see .ci/pg.sh); tests that open the SQLite file themselves are skipped then.
ON_PG = os.environ.get("HISCHANGE_TEST_STORE") == "postgresql"
if ON_PG and not PG_URL:
    raise pytest.UsageError("HISCHANGE_TEST_STORE=postgresql needs HISCHANGE_TEST_PG_URL")


#: Tests that assume each project folder has a store of its own (on the PostgreSQL pass
#: every project of a test shares the test's schema).
_OWN_STORE_PER_FOLDER = {"tests/cli/test_custody_cli.py::test_shallow_clone_warns"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, skip the tests that edit the SQLite file directly or need a
    second store in the same test."""
    if not ON_PG:
        return
    sqlite = pytest.mark.skip(reason="opens the SQLite file itself (PostgreSQL pass)")
    second = pytest.mark.skip(reason="needs a store per project folder (PostgreSQL pass)")
    for item in items:
        module = getattr(item, "module", None)
        if module is not None and "sqlite3" in vars(module):
            item.add_marker(sqlite)
        elif item.nodeid in _OWN_STORE_PER_FOLDER:
            item.add_marker(second)


@pytest.fixture(autouse=True)
def _hermetic_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Tests never see the machine's identity or git configuration: git's global config is
    a file of the test session's own, naming dev@vendor (as a developer's clone would).
    The store is the project's SQLite file, or on the PostgreSQL pass a fresh schema."""
    for key in (
        "HISCHANGE_USER",
        "HISCHANGE_DB_URL",
        "HISCHANGE_PROJECT",
        "HISCHANGE_SIGNING_KEY",
        "SSH_AUTH_SOCK",
    ):
        monkeypatch.delenv(key, raising=False)
    config = tmp_path_factory.getbasetemp() / "gitconfig"
    if not config.exists():
        config.write_text("[user]\n\temail = dev@vendor\n\tname = dev\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    # no person's own signing-key setting (~/.config/hischange/keys.toml) reaches a test
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "xdg"))
    if not ON_PG:
        yield
        return
    assert PG_URL is not None
    with pg_schema(PG_URL) as url:
        monkeypatch.setenv("HISCHANGE_DB_URL", url)
        yield


#: The project tests' repository is the git helper's, authored by dev@vendor by default.
Repo = GitRepo


@pytest.fixture
def repo(tmp_path: Path, project: Project) -> Repo:
    """The project folder as a git repository with one baseline commit tagged v3.2.0;
    commits are authored by dev@vendor unless a test says otherwise."""
    home = tmp_path.parent / f"{tmp_path.name}-home"
    home.mkdir(exist_ok=True)
    (home / ".gitconfig").write_text("[user]\n\temail = dev@vendor\n\tname = dev\n")
    env = git_env(home) | {"GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@vendor"}
    r = init_repo(tmp_path, env)
    r.commit("baseline", {"README.md": "HIS\n"})
    r.git("tag", "-a", "v3.2.0", "-m", "3.2.0")
    return r
