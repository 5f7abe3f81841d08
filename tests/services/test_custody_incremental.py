"""An incremental ``custody scan`` gives exactly what a full scan from scratch gives.

Two stores follow the same randomised story of one real git repository: commits naming
registered, not-yet-registered and invalid change ids (and none), side branches merged with
skewed dates, changes registered between scans, history rewritten (reset, gc), git's trailer
config changed, scans of several ranges. Store A scans as a user would (incrementally, from
the memo its earlier scans left); store B always reads the whole range (``full=True``).
After every scan both results are equal, and so are both ledgers (same head hash: the very
same events, byte for byte) and both projections.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest

from hischange.events import ChangeFields, CommitLink, CommitsLinked, parse_event
from hischange.project import Project, init_project
from hischange.services import custody_scan
from hischange.services.audit import verify_store
from hischange.services.changes import register_change
from hischange.services.custody import scan_range
from hischange.store import Store
from tests.conftest import FrozenClock, write_config

ACTOR = "dev@vendor"
IDS = [f"CR-2026-{n:04d}" for n in range(1, 13)]
CONFIG = """
[custody]
subject_patterns = ['\\[(CR-\\d{4}-\\d{4})\\]']
"""


class Story:
    """One repository, two stores (A: incremental scans, B: full scans), one clock."""

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.clock = FrozenClock()
        self.when = 1_780_000_000
        self.registered = 0
        root.mkdir()
        self.git("init", "-q", "-b", "main")
        write_config(root, CONFIG)
        self.a, _ = init_project(root, clock=self.clock)
        self.b = Project(root, clock=self.clock)
        url = f"sqlite:///{root.parent / (root.name + '-full.db')}"
        self.b.__dict__["store"] = Store(url, clock=self.clock, create=True)
        self.commit("base")
        self.git("tag", "v0")

    def git(self, *args: str) -> str:
        env = {**os.environ, "GIT_AUTHOR_NAME": "Dev", "GIT_COMMITTER_NAME": "Dev"}
        env |= {"GIT_AUTHOR_EMAIL": ACTOR, "GIT_COMMITTER_EMAIL": ACTOR}
        stamp = f"{self.when} +0800"
        env |= {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        done = subprocess.run(
            ["git", *args], cwd=self.root, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"git {args}: {done.stderr}"
        return done.stdout.strip()

    def message(self) -> str:
        pick = self.rng.random()
        cid = self.rng.choice(IDS)
        other = self.rng.choice(IDS)
        if pick < 0.15:
            return "no change named"
        if pick < 0.25:
            return f"[{cid}] legacy subject"
        if pick < 0.35:
            return f"fix\n\n需求编号: {cid}\nHIS-Change: {other}\n"  # git drops the block
        if pick < 0.42:
            return f"fix\n\nHIS-Change: {cid}, {other}\n"
        if pick < 0.5:
            return f"fix\n\nHIS-Change # {cid}\n"  # a trailer only with trailer.separators=:#
        return f"fix\n\nHIS-Change: {cid}\n"

    def commit(self, message: str | None = None) -> None:
        # dates mostly move on, sometimes back (clock skew, rebased or imported commits)
        self.when += self.rng.choice([60, 60, 60, 3600, -7200, -86400])
        self.git("commit", "-q", "--allow-empty", "-m", message or self.message())

    def register(self) -> None:
        if self.registered < len(IDS):
            self.clock.advance(minutes=1)
            fields = ChangeFields(kind="bugfix", title=f"change {self.registered + 1}")
            for proj in (self.a, self.b):
                register_change(proj, ACTOR, fields)
            self.registered += 1

    def branch_and_merge(self) -> None:
        start = self.rng.choice(self.git("rev-list", "HEAD").split())
        self.git("checkout", "-q", "-b", "side", start)
        for _ in range(self.rng.randrange(1, 4)):
            self.commit()
        self.git("checkout", "-q", "main")
        self.when += 60
        merge_message = self.message() if self.rng.random() < 0.5 else "merge side"
        self.git("merge", "-q", "--no-ff", "-m", merge_message, "side")
        self.git("branch", "-q", "-D", "side")

    def rewrite(self) -> None:
        count = int(self.git("rev-list", "--first-parent", "--count", "HEAD"))
        if count > 3:
            self.git("reset", "-q", "--hard", f"HEAD~{self.rng.randrange(1, 3)}")
            if self.rng.random() < 0.3:
                self.git("reflog", "expire", "--expire=now", "--all")
                self.git("gc", "-q", "--prune=now")

    def scan_both(self) -> None:
        count = int(self.git("rev-list", "--first-parent", "--count", "HEAD"))
        choices = ["HEAD", "HEAD", "v0..HEAD"] + (["HEAD~1", "v0..HEAD~1"] if count > 2 else [])
        spec = self.rng.choice(choices)
        if spec.startswith("v0..") and int(self.git("rev-list", "--count", spec)) == 0:
            spec = "HEAD"
        self.clock.advance(minutes=1)
        incremental = scan_range(self.a, ACTOR, spec)
        full = scan_range(self.b, ACTOR, spec, full=True)
        assert incremental == full, spec
        assert self.a.store.head() == self.b.store.head(), spec
        assert self.a.store.projection_rows() == self.b.store.projection_rows(), spec

    def verify(self) -> None:
        """Both ledgers replay into their projections (links built without validation
        included), and every recorded link equals its validated model."""
        for proj in (self.a, self.b):
            assert verify_store(proj).ok
        for event in self.a.store.stored_events():
            parsed = parse_event(json.loads(event.body)["event"])
            if isinstance(parsed, CommitsLinked):
                for link in parsed.links:
                    assert CommitLink.model_validate(link.model_dump()) == link

    def step(self) -> None:
        action = self.rng.choices(
            ["commit", "register", "merge", "rewrite", "scan", "config"],
            weights=[8, 2, 1, 1, 4, 0.3],
        )[0]
        if action == "commit":
            for _ in range(self.rng.randrange(1, 4)):
                self.commit()
        elif action == "register":
            self.register()
        elif action == "merge":
            self.branch_and_merge()
        elif action == "rewrite":
            self.rewrite()
        elif action == "config":
            # what git parses as a trailer changes: '#' becomes a separator too
            separators = self.rng.choice([":", ":#"])
            self.git("config", "trailer.separators", separators)
        else:
            self.scan_both()

    def close(self) -> None:
        self.a.close()
        self.b.close()


@pytest.mark.parametrize("seed", range(8))
def test_incremental_scans_equal_full_scans(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Randomised stories: every incremental scan equals a full scan, events included.
    Half of them with events of 3 links, so how links are grouped into events matters."""
    if seed % 2:
        monkeypatch.setattr(custody_scan, "_CHUNK", 3)
    story = Story(tmp_path / "repo", seed)
    try:
        for _ in range(45):
            story.step()
        story.scan_both()
        story.verify()
    finally:
        story.close()


def test_memo_paths_each_match_a_full_scan(tmp_path: Path) -> None:
    """Each reason to leave the memo (or to use it) once, deterministically: same tip, new
    commits, a pending id registered later, a rewritten history, a replace ref (ignored)."""
    story = Story(tmp_path / "repo", 0)
    try:
        story.register()
        story.commit("a\n\nHIS-Change: CR-2026-0001\n")
        story.commit("b\n\nHIS-Change: CR-2026-0002\n")  # not registered yet: pending
        story.scan_both()
        story.scan_both()  # same tip: git is not asked for commits
        story.commit("c\n\nHIS-Change: CR-2026-0001\n")
        story.scan_both()  # only the new commit is read
        story.register()  # CR-2026-0002: the pending commit must now be linked
        story.scan_both()
        story.git("reset", "-q", "--hard", "HEAD~1")
        story.commit("d names no change")
        story.scan_both()  # the memo's tip is no ancestor: everything is read again
        head = story.git("rev-parse", "HEAD")
        story.commit("e\n\nHIS-Change: CR-2026-0001\n")
        replacement = story.git("rev-parse", "HEAD")
        story.git("reset", "-q", "--hard", head)
        story.git("replace", head, replacement)  # plain git log now shows e's message for d
        story.scan_both()
        # hischange reads history as committed (GIT_NO_REPLACE_OBJECTS): d still names nothing
        assert story.a.store.aggregate("commit", head) is None
        story.commit("f\n\nHIS-Change # CR-2026-0002\n")
        story.scan_both()
        story.git("config", "trailer.separators", ":#")  # now f names CR-2026-0002
        story.scan_both()
        assert story.a.store.aggregate("commit", story.git("rev-parse", "HEAD")) is not None
        story.verify()
        assert scan_range(story.a, ACTOR, "HEAD").commits == int(
            story.git("--no-replace-objects", "rev-list", "--count", "HEAD")
        )
    finally:
        story.close()


def test_progress_ends_at_the_whole_range_also_when_the_memo_covers_it(tmp_path: Path) -> None:
    """The progress callback's last count is the range's commit count, on a first scan and
    on a scan the memo answers without asking git for a single commit."""
    story = Story(tmp_path / "repo", 1)
    try:
        story.register()
        for n in range(3):
            story.commit(f"c{n}\n\nHIS-Change: CR-2026-0001\n")
        total = int(story.git("rev-list", "--count", "HEAD"))
        for _ in range(2):  # the second scan is answered by the memo
            seen: list[int] = []
            scan_range(story.a, ACTOR, "HEAD", progress=seen.append)
            assert seen and seen[-1] == total
    finally:
        story.close()
