"""The one git-repository helper of the tests: real repositories in tmp_path, driven by plain
``git`` subprocesses with pinned identities and dates, isolated from the machine's config.

Plain subprocesses, so tests can use git itself as the oracle for what hischange reads
through GitPython. Commits are written byte for byte (``git commit-tree``: no cleanup, no
hooks); a test that needs a hook to run calls ``git commit`` itself with ``repo.env``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["AUTHOR", "BASE_EPOCH", "COMMITTER", "GitRepo", "git_env", "init_repo"]

AUTHOR = ("张三 Zhang San", "zhang.san@vendor.example")
COMMITTER = ("李四 Li Si", "li.si@vendor.example")
#: 2026-01-01T00:00:00Z; commit n is made at BASE_EPOCH + 60 * n in +08:00.
BASE_EPOCH = 1767225600


def git_env(home: Path) -> dict[str, str]:
    """An environment that isolates git from the machine's configuration."""
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": AUTHOR[0],
        "GIT_AUTHOR_EMAIL": AUTHOR[1],
        "GIT_COMMITTER_NAME": COMMITTER[0],
        "GIT_COMMITTER_EMAIL": COMMITTER[1],
        "GIT_AUTHOR_DATE": f"{BASE_EPOCH} +0800",
        "GIT_COMMITTER_DATE": f"{BASE_EPOCH} +0800",
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
    }


class GitRepo:
    """A repository in a temporary directory driven by plain ``git`` subprocesses."""

    def __init__(self, path: Path, env: Mapping[str, str]) -> None:
        self.path = path
        self.env = {**os.environ, **env}
        self._tick = 0

    def git(
        self, *args: str, input: bytes | None = None, check: bool = True, cwd: Path | None = None
    ) -> bytes:
        """Run git in the repository and return raw stdout (raises on failure if ``check``)."""
        done = subprocess.run(
            ["git", *args],
            cwd=cwd or self.path,
            env=self.env,
            input=input,
            capture_output=True,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {done.stderr.decode()}")
        return done.stdout

    def text(self, *args: str) -> str:
        """Run git and return stdout as text without the final newline."""
        return self.git(*args).decode("utf-8", "replace").rstrip("\n")

    def _next_date(self) -> dict[str, str]:
        self._tick += 1
        stamp = f"{BASE_EPOCH + 60 * self._tick} +0800"
        return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}

    def commit(
        self,
        message: str | bytes,
        files: Mapping[str, str | bytes] | None = None,
        *,
        author: str | None = None,
        encoding: str | None = None,
        parents: Sequence[str] | None = None,
        update: str = "HEAD",
    ) -> str:
        """Commit ``message`` byte-for-byte (``git commit-tree``, no cleanup, no hooks).

        ``files`` are written and staged first; ``author`` (an e-mail address) replaces the
        pinned author for this commit; ``encoding`` sets ``i18n.commitEncoding`` (pass the
        message already encoded). Returns the new commit id.
        """
        for name, content in (files or {}).items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode() if isinstance(content, str) else content
            target.write_bytes(data)
            self.git("add", "--", name)
        tree = self.text("write-tree")
        if parents is None:
            head = self.git("rev-parse", "-q", "--verify", "HEAD", check=False).decode().strip()
            parents = [head] if head else []
        raw = message.encode() if isinstance(message, str) else message
        msg_file = self.path.parent / f"msg-{self._tick}"
        msg_file.write_bytes(raw)
        config = ["-c", f"i18n.commitEncoding={encoding}"] if encoding else []
        parent_args = [arg for p in parents for arg in ("-p", p)]
        saved = self.env
        who = (
            {"GIT_AUTHOR_NAME": author.split("@")[0], "GIT_AUTHOR_EMAIL": author} if author else {}
        )
        self.env = {**saved, **self._next_date(), **who}
        try:
            sha = self.text(*config, "commit-tree", tree, *parent_args, "-F", str(msg_file))
        finally:
            self.env = saved
        if update:
            self.git("update-ref", update, sha)
        return sha

    def commit_raw(self, message: bytes, *, encoding_header: str | None = None) -> str:
        """Write a commit object byte-for-byte (``hash-object``), bypassing the UTF-8 fix-up
        ``commit-tree`` applies, and move HEAD to it. For invalid bytes."""
        self._tick += 1
        tree = self.text("hash-object", "-t", "tree", "-w", "--stdin")
        head = self.git("rev-parse", "-q", "--verify", "HEAD", check=False).decode().strip()
        stamp = f"{BASE_EPOCH + 60 * self._tick} +0800"
        lines = [f"tree {tree}"] + ([f"parent {head}"] if head else [])
        lines += [
            f"author {AUTHOR[0]} <{AUTHOR[1]}> {stamp}",
            f"committer {COMMITTER[0]} <{COMMITTER[1]}> {stamp}",
        ]
        if encoding_header:
            lines.append(f"encoding {encoding_header}")
        raw = "\n".join(lines).encode() + b"\n\n" + message
        sha = self.git("hash-object", "-t", "commit", "-w", "--stdin", input=raw).decode().strip()
        self.git("update-ref", "HEAD", sha)
        return sha

    def oracle(self, sha: str, placeholder: str) -> str:
        """What ``git log -1 --pretty=format:<placeholder> <sha>`` prints, as text."""
        out = self.git("log", "-1", f"--pretty=format:{placeholder}", sha)
        return out.decode("utf-8", "replace")


def init_repo(path: Path, env: Mapping[str, str]) -> GitRepo:
    """``git init -b main`` in ``path`` with signing off and an identity configured."""
    path.mkdir(parents=True, exist_ok=True)
    repo = GitRepo(path, env)
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "user.name", COMMITTER[0])
    repo.git("config", "user.email", COMMITTER[1])
    repo.git("config", "commit.gpgsign", "false")
    repo.git("config", "tag.gpgsign", "false")
    return repo
