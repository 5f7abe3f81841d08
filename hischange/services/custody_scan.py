"""``custody scan``: record which changes a range's commits name, reading from git only what
an earlier scan of the same range has not read yet.

A scan streams the range oldest first from ONE ``git log`` and records the links of
commits not recorded before, in ``CommitsLinked`` events of ``_CHUNK`` fresh links, all in
one transaction; memory stays flat on any history length.

Incremental scans. Each scan leaves a small memo in the store's ``caches`` table (never
part of the record), keyed by what decides the links (trailer keys, subject patterns, the
range's resolved base, the memo format and hischange's version). It says which tip was
read, how many commits the range held and how many named a registered change, which change
ids were named but not registered, which of those were a commit's only ids ("pending": such
a commit gets linked once its change is registered), and which ledger position and git view
it describes. The next scan of that base asks git only for ``tip ^memo.tip`` (nothing at
all when the tip has not moved). Its result, events included, is that of a full re-scan:

* the commits under the memo's tip are the same ones: that tip is still an ancestor of the
  new one, and the git view (replace refs, grafts, ``trailer.*`` config, git's version,
  shallowness; see ``vcs.history_view``) has not changed;
* the ledger the memo describes is a prefix of today's (its event at ``seq`` still has the
  memo's hash): every change registered then still is, every commit recorded then still is;
* that scan recorded every commit under the tip that named a registered change, so none of
  them is fresh now, unless a pending id has been registered since: then the whole range is
  read again;
* git lists the new commits in the order a full ``git log --reverse`` lists them among
  themselves, and an event holds ``_CHUNK`` *fresh* links, so the events come out the same
  (tests/services/test_custody_incremental.py compares both paths on randomised histories).

Anything else (no memo, another base, a rewritten history, a symmetric range, a shallow
clone, ``full=True``) reads the whole range, and leaves a new memo.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, ValidationError

from hischange import __version__, vcs
from hischange.errors import HischangeError
from hischange.events import AnyEvent, CommitLink, CommitsLinked, CommitsSuperseded
from hischange.project import Project
from hischange.services.custody_links import (
    Via,
    linked_commits,
    open_range,
    ref_owners,
    subject_patterns,
)
from hischange.store import WriteTx
from hischange.vcs.models import trusted
from hischange.workflow.projector import project
from hischange.workflow.state import load_change

__all__ = ["ScanResult", "scan_range"]

_CHUNK = 500
#: Bump when what a memo means changes: older memos are then ignored (a full scan).
_FORMAT = 2
_MEMO_KIND = "custody_scan"
Progress = Callable[[int], None]


class ScanResult(BaseModel):
    """What ``custody scan`` found and recorded."""

    model_config = ConfigDict(frozen=True)

    range: str
    commits: int
    linked: int
    new_links: int
    already_recorded: int
    unknown_changes: tuple[str, ...]
    shallow: bool
    #: values under a change trailer key (or mapped from a subject) that are not change ids:
    #: how many, and the first few as ``Key: value`` (never dropped silently)
    unmatched_values: int = 0
    unmatched_examples: tuple[str, ...] = ()
    #: earlier linked commits a rebase dropped, superseded by this scan's commits with the
    #: same patch-id (one for one); recorded as ``commits_superseded``
    superseded: int = 0


#: How many unmatched values a scan keeps as examples.
_EXAMPLES = 10


class _Memo(BaseModel):
    """What a scan of one base read up to ``tip`` (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tip: str
    commits: int
    linked: int
    unknown: tuple[str, ...]
    pending: tuple[str, ...]
    seq: int
    hash: str
    view: str
    unmatched: int
    unmatched_examples: tuple[str, ...]


def _memo_key(proj: Project, rng: vcs.CommitRange) -> str:
    spec = {
        "format": _FORMAT,
        "version": __version__,
        "keys": list(proj.config.custody.trailer_keys),
        "patterns": [p.model_dump() for p in subject_patterns(proj)],
        "external_ids": proj.config.custody.external_ids,
        "base": rng.base,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def _usable_memo(
    tx: WriteTx,
    raw: str | None,
    repo: vcs.GitRepository,
    rng: vcs.CommitRange,
    view: str,
    known: set[str],
) -> _Memo | None:
    """The memo, if a scan from its tip gives exactly what a full scan gives; else None."""
    if raw is None:
        return None
    try:
        memo = _Memo.model_validate_json(raw)
    except ValidationError:
        return None  # a memo of another format: ignored, and replaced by this scan
    if memo.view != view or not known.isdisjoint(memo.pending) or memo.seq > tx.head_seq:
        return None
    if memo.seq:
        at = tx.head_hash if memo.seq == tx.head_seq else tx.event_hash(memo.seq)
        if at != memo.hash:
            return None
    try:
        if memo.tip != rng.tip and not vcs.is_ancestor(repo, memo.tip, rng.tip):
            return None  # history was rewritten (or another branch is scanned)
        # The memo claims it read every commit from the base to its tip: git re-counts them
        # (cheap: no messages are read), so a memo edited to a later tip, which would make
        # this scan skip the commits in between, is not believed.
        base = f"{rng.base}..{memo.tip}" if rng.base else memo.tip
        if vcs.count_commits(repo, base) != memo.commits:
            return None
    except HischangeError:
        return None  # the memo's tip is gone (e.g. pruned after a force-push)
    return memo


def _link(commit: vcs.CommitInfo, ids: tuple[str, ...], via: Via) -> CommitLink:
    # every value is already typed (read from git, ids matched by CHANGE_ID_RE): no
    # validation needed; tests compare with the validated model
    return trusted(
        CommitLink,
        {
            "sha": commit.sha,
            "change_ids": ids,
            "author_name": commit.author_name,
            "author_email": commit.author_email,
            "committer_email": commit.committer_email,
            "authored_at": commit.authored_at,
            "committed_at": commit.committed_at,
            "subject": commit.subject[:300],
            "via": via,
        },
    )


def scan_range(
    proj: Project,
    actor: str,
    rev_range: str,
    progress: Progress | None = None,
    *,
    full: bool = False,
) -> ScanResult:
    """Record links of the range's commits to known changes; idempotent. Reads from git
    only what the last scan of the same base did not (``full`` reads everything)."""
    repo, rng = open_range(proj, rev_range)
    if rng.empty:
        return ScanResult(
            range=rev_range,
            commits=0,
            linked=0,
            new_links=0,
            already_recorded=0,
            unknown_changes=(),
            shallow=repo.info.shallow,
        )
    key = None if rng.symmetric or repo.info.shallow else _memo_key(proj, rng)
    view = vcs.history_view(repo) if key else ""
    found: list[tuple[vcs.CommitInfo, tuple[str, ...], Via]] = []
    fresh: list[CommitLink] = []
    # change → commits newly linked by this scan, kept only for changes that had commits
    # before it (only those can have lost some to a rebase): a first scan keeps no list
    added: dict[str, list[str]] = {}
    had_commits: dict[str, bool] = {}
    new = 0
    pending: set[str] = set()
    with proj.store.write(project) as tx:
        owners = (
            ref_owners(tx.keys("extref"), lambda k: tx.get("extref", k))
            if proj.config.custody.external_ids
            else {}
        )
        known = set(tx.keys("change")) | set(owners)
        raw = tx.cached(_MEMO_KIND, key) if key else None
        memo = None if full else _usable_memo(tx, raw, repo, rng, view, known)
        commits = memo.commits if memo else 0
        linked = memo.linked if memo else 0
        unknown = set(memo.unknown if memo else ()) - known
        pending.update(memo.pending if memo else ())
        unmatched = memo.unmatched if memo else 0
        examples = list(memo.unmatched_examples if memo else ())

        def record(final: bool = False) -> None:
            nonlocal new
            recorded = tx.existing_keys("commit", (commit.sha for commit, _, _ in found))
            fresh.extend(_link(c, ids, via) for c, ids, via in found if c.sha not in recorded)
            found.clear()
            for link in fresh:
                for cid in link.change_ids:
                    if cid not in had_commits:  # before this scan appends any of its links
                        state = load_change(tx, cid)  # the projector reads it next anyway
                        had_commits[cid] = bool(state is not None and state.commits)
                    if had_commits[cid]:
                        added.setdefault(cid, []).append(link.sha)
            while len(fresh) >= _CHUNK or (final and fresh):
                links = tuple(fresh[:_CHUNK])
                del fresh[:_CHUNK]
                tx.append(actor, [CommitsLinked(range=rev_range, links=links)])
                # forget the states written so far (commit records and the changes they
                # extend): memory stays flat in the number of changes, not just of commits
                tx.checkpoint("commit", "change", every=10)
                new += len(links)

        if memo is None or memo.tip != rng.tip:
            exclude = [memo.tip] if memo else []
            # oldest first, so a change's last commit is its latest
            for commit, links, unknown_refs in linked_commits(
                proj, repo, rng, reverse=True, exclude=exclude, owners=owners
            ):
                commits += 1
                if progress is not None and commits % 1000 == 0:
                    progress(commits)
                if links.invalid_values:
                    unmatched += len(links.invalid_values)
                    for bad in links.invalid_values:
                        shown = f"{bad.key}: {bad.value}"[:120]
                        if len(examples) < _EXAMPLES and shown not in examples:
                            examples.append(shown)
                names = links.change_ids
                ids = tuple(c for c in names if c in known)
                if len(ids) < len(names):
                    unknown.update(c for c in names if c not in known)
                if unknown_refs:  # pending like an unknown CR id, until a change carries it
                    unknown.update(unknown_refs)
                if not ids:
                    pending.update(names)
                    pending.update(unknown_refs)
                    continue
                linked += 1
                found.append((commit, ids, links.links[0].via))  # trailer links come first
                if len(found) >= _CHUNK:
                    record()
        record(final=True)
        try:
            superseded = _supersede_rebased(tx, repo, actor, added) if added else 0
        except HischangeError:  # no branch or tag to judge "gone" by: nothing to supersede
            superseded = 0
        if progress is not None:  # the bar ends full, also when the memo covered the range
            progress(commits)
        if key:
            done = _Memo(
                tip=rng.tip,
                commits=commits,
                linked=linked,
                unknown=tuple(sorted(unknown)),
                pending=tuple(sorted(pending)),
                seq=tx.head_seq,
                hash=tx.head_hash,
                view=view,
                unmatched=unmatched,
                unmatched_examples=tuple(examples),
            ).model_dump_json()
            if done != raw:
                tx.set_cached(_MEMO_KIND, key, done)
    return ScanResult(
        range=rev_range,
        commits=commits,
        linked=linked,
        new_links=new,
        already_recorded=linked - new,
        unknown_changes=tuple(sorted(unknown)),
        shallow=repo.info.shallow,
        unmatched_values=unmatched,
        unmatched_examples=tuple(examples),
        superseded=superseded,
    )


_AUTO_REASON = "same patch-id (git patch-id --stable) as a commit this scan linked"


def _supersede_rebased(
    tx: WriteTx, repo: vcs.GitRepository, actor: str, added: dict[str, list[str]]
) -> int:
    """After a rebase: for each change this scan linked new commits to, its earlier linked
    commits that no ref holds any more are superseded by the new ones when their patch-ids
    match one for one (every gone commit, each id unique on both sides). A gone commit git
    no longer has (after gc) has no patch-id: ``custody verify`` proposes, a person decides.

    Two git processes in the usual case (nothing gone), for all changes at once."""
    earlier: dict[str, list[str]] = {}
    for count, (cid, new_shas) in enumerate(added.items(), start=1):
        state = load_change(tx, cid)
        if state is not None:
            fresh = set(new_shas)
            older = [c for c in state.commits if c not in fresh]
            if older:  # a first scan: none, and nothing kept per change
                earlier[cid] = older
        if count % 1000 == 0:
            tx.checkpoint("change", every=0)  # the states read here are not needed again
    candidates = {c for shas in earlier.values() for c in shas}
    gone = vcs.gone_commits(repo, candidates) if candidates else set()
    gone -= tx.existing_keys("superseded", gone) if gone else set()
    if not gone:
        return 0
    touched = {cid: [c for c in shas if c in gone] for cid, shas in earlier.items()}
    touched = {cid: shas for cid, shas in touched.items() if shas}
    wanted = {c for shas in touched.values() for c in shas}
    wanted.update(c for cid in touched for c in added[cid])
    ids = vcs.patch_ids(repo, sorted(wanted))
    events: list[AnyEvent] = []
    for cid, old in touched.items():
        old_ids = [ids.get(g) for g in old]
        new_by_id: dict[str, list[str]] = {}
        for sha in dict.fromkeys(added[cid]):
            if sha in ids:
                new_by_id.setdefault(ids[sha], []).append(sha)
        if None in old_ids or len(set(old_ids)) != len(old):
            continue  # some gone commit has no patch-id, or two share one: not one for one
        if any(len(new_by_id.get(pid or "", ())) != 1 for pid in old_ids):
            continue
        events += [
            CommitsSuperseded(
                old=(g,), by=new_by_id[pid or ""][0], change_ids=(cid,), reason=_AUTO_REASON,
                how="patch-id",
            )
            for g, pid in zip(old, old_ids, strict=True)
        ]  # fmt: skip
    if events:
        tx.append(actor, events)
    return len(events)
