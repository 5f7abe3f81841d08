"""Shared fixtures: a project in tmp_path with a frozen clock, the CLI runner bound to it, and
the project folder as a real git repository. The helpers themselves live in tests/support/."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from hischange.project import Project, init_project
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


@pytest.fixture(autouse=True)
def _hermetic_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Tests never see the machine's identity or git configuration: git's global config is
    a file of the test session's own, naming dev@vendor (as a developer's clone would)."""
    for key in ("HISCHANGE_USER", "HISCHANGE_DB_URL", "HISCHANGE_PROJECT"):
        monkeypatch.delenv(key, raising=False)
    config = tmp_path_factory.getbasetemp() / "gitconfig"
    if not config.exists():
        config.write_text("[user]\n\temail = dev@vendor\n\tname = dev\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


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
