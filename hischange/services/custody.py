"""Code custody (程序保管): link commits to changes, gate ranges, detect rewritten history.

History is read by the git adapter in one streaming ``git log``; this module decides what
the links mean for the workflow and records them as ledger events.
"""

from __future__ import annotations

from collections.abc import Sequence

from hischange import vcs
from hischange.errors import NotFoundError, UsageError
from hischange.events import CommitsSuperseded
from hischange.project import Project
from hischange.services.custody_links import (
    Judge,
    NamedStates,
    linked_reverts,
    open_range,
    state_dir_in_repo,
)
from hischange.services.custody_scan import ScanResult, scan_range
from hischange.vcs.ancestry import resolve_commit
from hischange.workflow.custody import (
    CommitRecord,
    CustodyReport,
    CustodyVerifyReport,
    IgnoredCommit,
    MissingLink,
    Replacement,
    Violation,
    is_adoption,
    is_autosquash,
    reverted_commit,
)
from hischange.workflow.projector import project
from hischange.workflow.state import load

__all__ = [
    "ScanResult",
    "check_range",
    "scan_range",
    "supersede_commits",
    "verify_custody",
]


#: Commits the gate decides together (their changes' states read in one query).
_BATCH = 256


def check_range(proj: Project, rev_range: str) -> CustodyReport:
    """The gate: every commit of the range belongs to an approved change, or needs none by
    ``[custody] merge_policy`` or a ``[custody.ignore]`` rule (listed as ignored)."""
    repo, rng = open_range(proj, rev_range)
    if rng.empty:  # nothing reaches anyone through an empty range: the gate passes
        return CustodyReport(
            range=rev_range, commits=0, violations=(), shallow=repo.info.shallow, changes=()
        )
    states = NamedStates(proj)
    custody = proj.config.custody
    rules = custody.ignore
    found: list[Violation] = []
    ignored: list[IgnoredCommit] = []
    # commits that name no change wait for the facts the ignore rules need (whether a
    # reverted commit names a change, which a protected ref holds, which adopt hischange),
    # asked of git once for all of them: (commit without its message, links, unknown ids,
    # the commit it reverts)
    unnamed: list[tuple[vcs.CommitInfo, vcs.CommitLinks, tuple[str, ...], str | None]] = []
    named: set[str] = set()  # for reverts: commits of the range that name a change
    commits = 0
    changes: dict[str, None] = {}
    owners = (
        {r["ref"]: r["change_id"] for r in proj.store.aggregates_of("extref") if r["change_id"]}
        if custody.external_ids
        else {}
    )
    judge = Judge(proj, states, owners.get)
    batch: list[tuple[vcs.CommitInfo, vcs.CommitLinks, tuple[str, ...]]] = []

    def settle() -> None:
        # the states of the changes a batch of commits names, read in one query
        states.prefetch(c for _, links, _ in batch for c in links.change_ids)
        for commit, links, unknown_refs in batch:
            if links.change_ids:
                changes.update(dict.fromkeys(links.change_ids))
                if rules.reverts:
                    named.add(commit.sha)
                found.extend(judge.decide(commit, links, unknown_refs).violations)
                continue
            reverted = reverted_commit(commit.message) if rules.reverts else None
            slim = commit.model_copy(update={"message": "", "trailers": ()})
            unnamed.append((slim, links, unknown_refs, reverted))
        batch.clear()

    for commit in vcs.iter_commits(repo, rng):
        batch.append((commit, *judge.links(commit)))
        commits += 1
        if len(batch) >= _BATCH:
            settle()
    settle()
    autosquash = [c.sha for c, _, _, _ in unnamed if is_autosquash(c.subject)]
    protected = _protected(proj, repo, autosquash)
    adopting = (
        _adoptions(proj, repo, [c.sha for c, _, _, _ in unnamed]) if rules.adoption else set()
    )
    reverts = {r for _, _, _, r in unnamed if r is not None}
    linked = linked_reverts(proj, repo, judge, reverts, named) if reverts else set()
    for commit, links, unknown_refs, reverted in unnamed:
        verdict = judge.decide(
            commit,
            links,
            unknown_refs,
            reverts_linked=reverted in linked,
            protected=commit.sha in protected,
            adoption=commit.sha in adopting,
        )
        found.extend(verdict.violations)
        if verdict.ignored is not None:
            ignored.append(verdict.ignored)
    if found or ignored:  # one git process for every listed commit
        shas = [v.sha for v in found] + [i.sha for i in ignored]
        paths = vcs.first_changed_paths(repo, shas)
        found = [v.model_copy(update={"path": paths.get(v.sha)}) for v in found]
        ignored = [i.model_copy(update={"path": paths.get(i.sha)}) for i in ignored]
    return CustodyReport(
        range=rev_range,
        commits=commits,
        violations=tuple(found),
        shallow=repo.info.shallow,
        changes=tuple(changes),
        ignored=tuple(ignored),
    )


def _adoptions(proj: Project, repo: vcs.GitRepository, shas: list[str]) -> set[str]:
    """Which of ``shas`` adopt hischange (``workflow.custody.is_adoption``)."""
    if not shas:
        return set()
    state_dir = state_dir_in_repo(proj, repo)
    found = vcs.commit_changes(repo, shas)
    return {sha for sha, items in found.items() if is_adoption(items, state_dir)}


def _protected(proj: Project, repo: vcs.GitRepository, shas: list[str]) -> set[str]:
    """Which of ``shas`` a protected ref already holds (none when no protected ref exists)."""
    if not shas:
        return set()
    try:
        missing = vcs.missing_commits(repo, shas, proj.config.custody.protected_refs)
    except NotFoundError:
        return set()
    return set(shas) - {m.sha for m in missing}


def verify_custody(proj: Project) -> CustodyVerifyReport:
    """Every commit ever linked must exist and be reachable from a protected ref, or have
    been superseded (``custody supersede``) by one that is. For each missing commit, the
    likely replacements: protected commits linked to the same change, those with the same
    ``git patch-id --stable`` first."""
    repo = vcs.open_repo(proj.root)
    records = {r["sha"]: CommitRecord.model_validate(r) for r in proj.store.aggregates_of("commit")}
    refs = proj.config.custody.protected_refs
    replaced = {r["sha"]: r["by"] for r in proj.store.aggregates_of("superseded")}
    wanted = list(records) + list(replaced.values())
    lost = {m.sha: m for m in vcs.missing_commits(repo, wanted, refs)}
    missing = [m for sha, m in lost.items() if sha in records]
    superseded = [
        m for m in missing
        if (by := replaced.get(m.sha)) is not None and by not in lost
    ]  # fmt: skip
    done = {m.sha for m in superseded}
    missing = [m for m in missing if m.sha not in done]
    candidates = _replacements(proj, repo, records, lost, [m.sha for m in missing])
    return CustodyVerifyReport(
        checked=len(records),
        protected_refs=tuple(refs),
        shallow=repo.info.shallow,
        superseded=len(superseded),
        missing=tuple(
            MissingLink(
                sha=m.sha,
                # a shallow clone lacks commits below its boundary: not a rewrite
                reason="shallow" if repo.info.shallow and m.reason == "absent" else m.reason,
                change_ids=records[m.sha].change_ids,
                linked_at=records[m.sha].linked_at,
                linked_seq=records[m.sha].linked_seq,
                candidates=candidates.get(m.sha, ()),
            )
            for m in missing
        ),
    )


_CANDIDATES = 5


def _replacements(
    proj: Project,
    repo: vcs.GitRepository,
    records: dict[str, CommitRecord],
    lost: dict[str, vcs.MissingCommit],
    missing: list[str],
) -> dict[str, tuple[Replacement, ...]]:
    """Likely replacements of each missing commit: protected commits linked to one of its
    changes, same patch-id first (a rebase keeps it; a squash commit names the change)."""
    if not missing:
        return {}
    by_change: dict[str, list[str]] = {}
    for sha, record in records.items():
        if sha not in lost:
            for cid in record.change_ids:
                by_change.setdefault(cid, []).append(sha)
    pool = {c for sha in missing for cid in records[sha].change_ids for c in by_change.get(cid, ())}
    ids = vcs.patch_ids(repo, [*missing, *pool]) if pool else {}
    out: dict[str, tuple[Replacement, ...]] = {}
    for sha in missing:
        mine = ids.get(sha)
        seen = dict.fromkeys(c for cid in records[sha].change_ids for c in by_change.get(cid, ()))
        ranked = sorted(seen, key=lambda c: not (mine and ids.get(c) == mine))  # stable
        out[sha] = tuple(
            Replacement(sha=c, why="patch-id" if mine and ids.get(c) == mine else "same change")
            for c in ranked[:_CANDIDATES]
        )
    return out


def supersede_commits(
    proj: Project, actor: str, old: Sequence[str], by: str, reason: str
) -> CommitsSuperseded:
    """Record that the linked commits ``old`` (full ids or prefixes of 7+ characters of
    recorded commits; git may no longer have them) were superseded by ``by`` (a commit git
    has): ``custody verify`` then checks ``by`` in their place."""
    if not reason.strip():
        raise UsageError("superseding commits needs a reason", hint='add --reason "…"')
    repo = vcs.open_repo(proj.root)
    new = resolve_commit(repo, by)
    with proj.store.write(project) as tx:
        shas: list[str] = []
        for given in old:
            prefix = given.strip().lower()
            found = tx.keys("commit", prefix) if len(prefix) >= 7 else []
            if len(found) != 1:
                raise NotFoundError(
                    f"{given!r} names {'no' if not found else 'more than one'} linked commit",
                    hint="give the id `custody verify` prints (at least 7 characters)",
                )
            shas.append(found[0])
        if new in shas:
            raise UsageError(f"{by} cannot supersede itself")
        changes: dict[str, None] = {}
        for sha in shas:
            record = load(tx, "commit", sha, CommitRecord)
            changes.update(dict.fromkeys(record.change_ids if record else ()))
        event = CommitsSuperseded(
            old=tuple(dict.fromkeys(shas)), by=new, change_ids=tuple(changes), reason=reason
        )
        tx.append(actor, [event])
    return event
