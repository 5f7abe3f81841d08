"""Installing the commit-msg hook."""

from __future__ import annotations

import os

import pytest

from hischange.errors import UsageError
from hischange.vcs import HOOK_MARKER, hook_script, install_hook, open_repo
from tests.support.git import GitRepo


def test_fresh_install_runs_the_command(git_repo: GitRepo) -> None:
    """A fresh hook is executable, marked, and passes the message file to the command."""
    log = git_repo.path.parent / "hook-args.txt"
    path = install_hook(open_repo(git_repo.path), command=f"printf '%s ' >'{log}'")
    assert path == git_repo.path / ".git" / "hooks" / "commit-msg"
    assert os.access(path, os.X_OK)
    assert HOOK_MARKER in path.read_text()
    git_repo.git("commit", "-q", "--allow-empty", "-m", "x")
    assert log.read_text() == "hook check-msg .git/COMMIT_EDITMSG "


def test_refuses_foreign_hook_without_force(git_repo: GitRepo) -> None:
    """A hook hischange did not write is kept unless --force; force keeps a backup."""
    repo = open_repo(git_repo.path)
    path = git_repo.path / ".git" / "hooks" / "commit-msg"
    path.write_text("#!/bin/sh\necho mine\n")
    with pytest.raises(UsageError, match="not written by hischange") as info:
        install_hook(repo)
    assert info.value.hint is not None and "--force" in info.value.hint
    assert path.read_text() == "#!/bin/sh\necho mine\n"
    install_hook(repo, force=True)
    assert HOOK_MARKER in path.read_text()
    assert (path.parent / "commit-msg.hischange-backup").read_text() == "#!/bin/sh\necho mine\n"


def test_reinstall_own_hook_needs_no_force(git_repo: GitRepo) -> None:
    """Re-installing over our own hook replaces it without --force."""
    repo = open_repo(git_repo.path)
    install_hook(repo, command="old-hischange")
    path = install_hook(repo, command="new-hischange")
    assert "new-hischange hook check-msg" in path.read_text()
    assert "old-hischange" not in path.read_text()


def test_respects_core_hooks_path(git_repo: GitRepo) -> None:
    """With core.hooksPath set, the hook goes there (created if missing)."""
    git_repo.git("config", "core.hooksPath", "ci/hooks")
    path = install_hook(open_repo(git_repo.path))
    assert path.resolve() == (git_repo.path / "ci" / "hooks" / "commit-msg").resolve()
    assert not (git_repo.path / ".git" / "hooks" / "commit-msg").exists()


def test_script_is_lf_only_and_rejects_multiline_commands() -> None:
    """The script uses LF line ends; a command with a newline is refused."""
    assert "\r" not in hook_script("hischange")
    assert hook_script("hischange").startswith("#!/bin/sh\n")
    with pytest.raises(UsageError, match="one non-empty line"):
        hook_script("hischange\nrm -rf x")
