"""How a range's commits name their changes: trailers and legacy subject patterns (the git
adapter reads them), and external ids (``[custody] external_ids``) mapped to the changes that
carry them. Shared by the scan, the gate and the commit-msg hook."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, cast

from pydantic import ValidationError

from hischange import vcs
from hischange.errors import ConfigError
from hischange.project import Project
from hischange.unchecked import trusted
from hischange.workflow.change import ChangeState
from hischange.workflow.custody import CommitVerdict, judge_commit

__all__ = [
    "Judge",
    "NamedStates",
    "Shapes",
    "Via",
    "external_mentions",
    "external_shapes",
    "linked_commits",
    "linked_reverts",
    "open_range",
    "ref_owners",
    "state_dir_in_repo",
    "subject_patterns",
]

Via = Literal["trailer", "subject"]


def subject_patterns(proj: Project) -> list[vcs.SubjectPattern]:
    """The configured legacy subject patterns, validated."""
    out = []
    for item in proj.config.custody.subject_patterns:
        try:
            data = {"pattern": item} if isinstance(item, str) else dict(item)
            out.append(vcs.SubjectPattern.model_validate(data))
        except ValidationError as exc:
            why = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            raise ConfigError(
                f"[custody] subject_patterns: {why}",
                hint="fix the pattern in .hischange/config.toml (a Python regular expression)",
            ) from None
    return out


Shapes = dict[str, re.Pattern[str]]


def external_shapes(proj: Project) -> Shapes:
    """``[custody] external_ids``, compiled (validated when the config was read)."""
    return {system: re.compile(p) for system, p in proj.config.custody.external_ids.items()}


def external_mentions(
    links: vcs.CommitLinks, subject: str, shapes: Shapes
) -> tuple[list[tuple[str, Via]], tuple[vcs.InvalidValue, ...]]:
    """The external ids a commit names (``system:id``, and whether by trailer or subject):
    trailer values that are not change ids but match a system's shape (written bare or as
    ``system:id``), and shape matches in the subject; and the values still matching nothing."""
    found: list[tuple[str, Via]] = []
    left: list[vcs.InvalidValue] = []
    for bad in links.invalid_values:
        ref = _shape_ref(bad.value, shapes)
        if ref is None:
            left.append(bad)
        else:
            found.append((ref, "trailer"))
    for system, shape in shapes.items():
        for match in shape.finditer(subject):
            found.append((f"{system}:{match.group('id')}", "subject"))
    return list(dict.fromkeys(found)), tuple(left)


def _shape_ref(value: str, shapes: Shapes) -> str | None:
    prefix, sep, rest = value.partition(":")
    for system, shape in shapes.items():
        if sep and prefix.lower() == system and (m := shape.fullmatch(rest)):
            return f"{system}:{m.group('id')}"
        if m := shape.fullmatch(value):
            return f"{system}:{m.group('id')}"
    return None


class Judge:
    """The one decision on a commit message, shared by the gate (``custody check``, on
    commits git has) and the commit-msg hook (on the commit git is making): which changes
    it names (trailers, subject patterns, external ids) and what the rules say of it
    (violations, or the ignore rule that lets it through)."""

    def __init__(
        self,
        proj: Project,
        states: Mapping[str, ChangeState],
        owner: Callable[[str], str | None],
    ) -> None:
        self.config = proj.config.custody
        self.keys = self.config.trailer_keys
        self.patterns = subject_patterns(proj)
        self.shapes = external_shapes(proj)
        self.states = states
        self.owner = owner

    def links(self, commit: vcs.CommitInfo) -> tuple[vcs.CommitLinks, tuple[str, ...]]:
        """The changes ``commit`` names, and the external ids it names that no change
        carries (pending, like an unknown change id)."""
        links = vcs.extract_links(commit, self.keys, self.patterns)
        if not self.shapes:
            return links, ()
        refs, left = external_mentions(links, commit.subject, self.shapes)
        if not refs:
            return links, ()
        extra = []
        unknown = []
        for ref, via in refs:
            cid = self.owner(ref)
            if cid is None:
                unknown.append(ref)
            else:
                extra.append(trusted(vcs.Link, {"change_id": cid, "via": via, "source": ref}))
        links = links.model_copy(update={"links": (*links.links, *extra), "invalid_values": left})
        return links, tuple(unknown)

    def decide(
        self,
        commit: vcs.CommitInfo,
        links: vcs.CommitLinks,
        unknown_refs: tuple[str, ...] = (),
        *,
        reverts_linked: bool = False,
        protected: bool = False,
        adoption: bool = False,
    ) -> CommitVerdict:
        """What the rules say of a commit whose links are known (``workflow.custody``)."""
        return judge_commit(
            commit,
            links,
            self.states,
            self.config,
            unknown_refs,
            reverts_linked=reverts_linked,
            protected=protected,
            adoption=adoption,
        )


class NamedStates(Mapping[str, ChangeState]):
    """The states of the changes a range names, each read once, when first named: a range
    of a few changes costs a few reads however many changes the ledger holds."""

    def __init__(self, proj: Project) -> None:
        self.proj = proj
        self.read: dict[str, ChangeState | None] = {}

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read the states of ``keys`` not read yet, in one query (the gate calls it for a
        batch of commits: one read per batch, not one per change)."""
        wanted = [k for k in dict.fromkeys(keys) if k not in self.read]
        if not wanted:
            return
        found = self.proj.reader.aggregates_in("change", wanted)
        for key in wanted:
            data = found.get(key)
            self.read[key] = None if data is None else ChangeState.model_validate(data)

    def get(self, key: str, default: Any = None) -> Any:  # the one lookup violations() makes
        if key not in self.read:
            data = self.proj.reader.aggregate("change", key)
            self.read[key] = None if data is None else ChangeState.model_validate(data)
        found = self.read[key]
        return default if found is None else found

    def __getitem__(self, key: str) -> ChangeState:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return cast(ChangeState, found)

    def __iter__(self) -> Iterator[str]:
        return iter(k for k, v in self.read.items() if v is not None)

    def __len__(self) -> int:
        return sum(v is not None for v in self.read.values())


def linked_commits(
    proj: Project,
    repo: vcs.GitRepository,
    rev_range: str | vcs.CommitRange,
    *,
    reverse: bool = False,
    exclude: Sequence[str] = (),
    owners: Mapping[str, str | None] | None = None,
) -> Iterator[tuple[vcs.CommitInfo, vcs.CommitLinks, tuple[str, ...]]]:
    """Each commit of the range with the changes it names, from one streaming ``git log``,
    and the external ids it names that no change carries. External ids (``[custody]
    external_ids``) that a change carries (``owners``: ``system:id`` → change) become links
    to that change."""
    table = owners or {}
    judge = Judge(proj, {}, table.get)
    for commit in vcs.iter_commits(repo, rev_range, reverse=reverse, exclude=exclude):
        links, unknown = judge.links(commit)
        yield commit, links, unknown


def ref_owners(view_keys: Iterable[str], load_ref: Callable[[str], Any]) -> dict[str, str]:
    """``system:id`` → the change carrying it, from the ``extref`` index."""
    owners: dict[str, str] = {}
    for key in view_keys:
        data = load_ref(key)
        cid = data.get("change_id") if isinstance(data, dict) else getattr(data, "change_id", None)
        if cid:
            owners[key] = cid
    return owners


def open_range(proj: Project, rev_range: str) -> tuple[vcs.GitRepository, vcs.CommitRange]:
    """The project's repository and the resolved range (``empty`` when it has no commits:
    nothing to link or to gate, which is not an error)."""
    repo = vcs.open_repo(proj.root)
    return repo, vcs.resolve_range(repo, rev_range)


def state_dir_in_repo(proj: Project, repo: vcs.GitRunner) -> str:
    """The project's ``.hischange/`` as a path in the repository (``.hischange/`` when the
    project is at the top of it), for telling the adoption commit."""
    try:
        inside = proj.root.resolve().relative_to(repo.root.resolve()).as_posix()
    except ValueError:
        return ".hischange/"
    return ".hischange/" if inside in ("", ".") else f"{inside}/.hischange/"


def linked_reverts(
    proj: Project,
    repo: vcs.GitRunner,
    judge: Judge,
    reverted: Iterable[str],
    named: set[str] | frozenset[str] = frozenset(),
) -> set[str]:
    """Which of the ``reverted`` commits are linked to a change (for ``[custody.ignore]
    reverts``): named by a commit of the range (``named``), recorded by a scan, or a commit
    git has whose message names a change (read once for all)."""
    wanted = set(reverted)
    linked = wanted & named
    rest = [sha for sha in wanted - linked if proj.reader.aggregate("commit", sha) is None]
    linked |= wanted - linked - set(rest)
    for commit in vcs.read_commits(repo, rest):
        if judge.links(commit)[0].change_ids:
            linked.add(commit.sha)
    return linked
