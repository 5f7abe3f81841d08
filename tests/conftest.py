"""Shared fixtures: a project in tmp_path with a frozen clock, and a CLI runner."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from hischange.cli.main import cli
from hischange.project import Project, init_project
from tests.store.backends import PG_URL, pg_schema

# No per-example deadline (a shared CI machine is slow at times), and in CI a fixed seed:
# a property test there either always passes or always fails, never by chance.
settings.register_profile("default", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")

ROLES = """
[roles]
approvers = ["reviewer@hospital", "dba@hospital"]
developers = ["dev@vendor", "dev2@vendor"]
auditors = ["auditor@hospital"]
"""


class FrozenClock:
    """A clock the tests move by hand; starts 2026-11-02 08:00 UTC."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FrozenClock:
    """A frozen, hand-moved clock."""
    return FrozenClock()


def write_config(root: Path, extra: str = "") -> None:
    """Write a test config with roles (and extra TOML) into root/.hischange/."""
    (root / ".hischange").mkdir(exist_ok=True)
    (root / ".hischange" / "config.toml").write_text(ROLES + extra, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, clock: FrozenClock) -> Iterator[Project]:
    """An initialised project with roles configured and a frozen clock."""
    write_config(tmp_path)
    proj, _ = init_project(tmp_path, clock=clock)
    yield proj
    proj.close()


@dataclass
class Cli:
    """Runs the CLI in a project folder, as a user would."""

    root: Path
    clock: FrozenClock
    env: dict[str, str] = field(default_factory=dict)

    def __call__(self, *args: str, code: int | None = 0, stdin: str | None = None) -> Result:
        runner = CliRunner()
        result = runner.invoke(
            cli,
            ["--project", str(self.root), *args],
            obj={"clock": self.clock},
            env={"HISCHANGE_USER": "", **self.env},
            input=stdin,
            catch_exceptions=False,
        )
        if code is not None:
            assert result.exit_code == code, (
                f"exit {result.exit_code} != {code}\nstdout: {result.stdout}\n"
                f"stderr: {result.stderr}"
            )
        return result

    def json(self, *args: str, code: int | None = 0) -> Any:
        """Run with --format json and parse stdout."""
        return json.loads(self(*args, "--format", "json", code=code).stdout)


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
    for key in ("HISCHANGE_USER", "HISCHANGE_DB_URL", "HISCHANGE_PROJECT"):
        monkeypatch.delenv(key, raising=False)
    config = tmp_path_factory.getbasetemp() / "gitconfig"
    if not config.exists():
        config.write_text("[user]\n\temail = dev@vendor\n\tname = dev\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    if not ON_PG:
        yield
        return
    assert PG_URL is not None
    with pg_schema(PG_URL) as url:
        monkeypatch.setenv("HISCHANGE_DB_URL", url)
        yield


class Repo:
    """A real git repository (the project root) driven by plain git with pinned identities."""

    def __init__(self, path: Path, home: Path) -> None:
        self.path = path
        self.tick = 0
        self.env = {
            **os.environ,
            "HOME": str(home),
            "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_COMMITTER_NAME": "CI",
            "GIT_COMMITTER_EMAIL": "ci@vendor",
        }

    def git(self, *args: str) -> str:
        """Run git here; return stdout."""
        import subprocess

        done = subprocess.run(
            ["git", *args],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"git {args}: {done.stderr}"
        return done.stdout.strip()

    def commit(
        self,
        message: str,
        files: dict[str, str | bytes] | None = None,
        author: str = "dev@vendor",
    ) -> str:
        """Write files, commit with an exact message and author; return the sha."""
        for name, content in (files or {}).items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content if isinstance(content, bytes) else content.encode())
            self.git("add", "--", name)
        self.tick += 1
        stamp = f"{1_780_000_000 + 60 * self.tick} +0800"
        self.env.update(
            GIT_AUTHOR_NAME=author.split("@")[0],
            GIT_AUTHOR_EMAIL=author,
            GIT_AUTHOR_DATE=stamp,
            GIT_COMMITTER_DATE=stamp,
        )
        self.git("commit", "-q", "--allow-empty", "--cleanup=verbatim", "-m", message)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path, project: Project) -> Repo:
    """The project folder as a git repository with one baseline commit tagged v3.2.0."""
    home = tmp_path.parent / f"{tmp_path.name}-home"
    home.mkdir(exist_ok=True)
    (home / ".gitconfig").write_text("[user]\n\temail = dev@vendor\n\tname = dev\n")
    r = Repo(tmp_path, home)
    r.git("init", "-q", "-b", "main")
    r.commit("baseline", {"README.md": "HIS\n"})
    r.git("tag", "-a", "v3.2.0", "-m", "3.2.0")
    return r
