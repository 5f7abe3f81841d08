"""Code custody (程序保管): link commits to changes, gate ranges, detect rewritten history.

History is read by the git adapter in one streaming ``git log``; this module decides what
the links mean for the workflow and records them as ledger events.
"""

from __future__ import annotations

from hischange import vcs
from hischange.errors import NotFoundError
from hischange.project import Project
from hischange.services.custody_scan import ScanResult, linked_commits, open_range, scan_range
from hischange.workflow.change import ChangeState
from hischange.workflow.custody import (
    CommitRecord,
    CustodyReport,
    CustodyVerifyReport,
    IgnoredCommit,
    MissingLink,
    Violation,
    ignore_rule,
    is_autosquash,
    reverted_commit,
    violations,
)

__all__ = [
    "ScanResult",
    "check_range",
    "scan_range",
    "verify_custody",
]


def check_range(proj: Project, rev_range: str) -> CustodyReport:
    """The gate: every commit of the range belongs to an approved change, or needs none by
    ``[custody] merge_policy`` or a ``[custody.ignore]`` rule (listed as ignored)."""
    repo, rng = open_range(proj, rev_range)
    if rng.empty:  # nothing reaches anyone through an empty range: the gate passes
        return CustodyReport(
            range=rev_range, commits=0, violations=(), shallow=repo.info.shallow, changes=()
        )
    states = {s["id"]: ChangeState.model_validate(s) for s in proj.store.aggregates_of("change")}
    custody = proj.config.custody
    policy, rules = custody.merge_policy, custody.ignore
    key = next(iter(custody.trailer_keys), "HIS-Change")
    found: list[Violation] = []
    ignored: list[IgnoredCommit] = []
    # commits that name no change, with what the ignore rules ask: (violation, author, reverted)
    unnamed: list[tuple[Violation, str, str | None]] = []
    named: set[str] = set()  # for reverts: commits of the range that name a change
    commits = 0
    changes: dict[str, None] = {}
    owners = (
        {r["ref"]: r["change_id"] for r in proj.store.aggregates_of("extref") if r["change_id"]}
        if custody.external_ids
        else {}
    )
    for commit, links, unknown_refs in linked_commits(proj, repo, rev_range, owners=owners):
        commits += 1
        changes.update(dict.fromkeys(links.change_ids))
        if rules.reverts and links.change_ids:
            named.add(commit.sha)
        for v in violations(commit, links, states, policy, key, unknown_refs):
            if v.code == "HC-C001":
                reverted = reverted_commit(commit.message) if rules.reverts else None
                unnamed.append((v, commit.author_email, reverted))
            else:
                found.append(v)
        if commit.is_merge and policy == "parents" and not links.change_ids:
            ignored.append(
                IgnoredCommit(
                    sha=commit.sha,
                    subject=commit.subject[:200],
                    code="HC-C001",
                    rule="merge_policy",
                    detail='merge_policy = "parents" (its parents need links, not the merge)',
                )
            )
    protected = _protected(proj, repo, [v.sha for v, _, _ in unnamed if is_autosquash(v.subject)])
    for v, author, reverted in unnamed:
        linked = reverted is not None and (
            reverted in named or proj.store.aggregate("commit", reverted) is not None
        )
        rule = ignore_rule(
            v.subject, author, rules, reverts_linked=linked, protected=v.sha in protected
        )
        if rule is None:
            found.append(v)
        else:
            ignored.append(
                IgnoredCommit(
                    sha=v.sha, subject=v.subject, code=v.code, rule=rule[0], detail=rule[1]
                )
            )
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
    """Every commit ever linked must exist and be reachable from a protected ref."""
    repo = vcs.open_repo(proj.root)
    records = {r["sha"]: CommitRecord.model_validate(r) for r in proj.store.aggregates_of("commit")}
    refs = proj.config.custody.protected_refs
    missing = vcs.missing_commits(repo, list(records), refs)
    return CustodyVerifyReport(
        checked=len(records),
        protected_refs=tuple(refs),
        shallow=repo.info.shallow,
        missing=tuple(
            MissingLink(
                sha=m.sha,
                # a shallow clone lacks commits below its boundary: not a rewrite
                reason="shallow" if repo.info.shallow and m.reason == "absent" else m.reason,
                change_ids=records[m.sha].change_ids,
                linked_at=records[m.sha].linked_at,
                linked_seq=records[m.sha].linked_seq,
            )
            for m in missing
        ),
    )
