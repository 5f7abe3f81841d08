"""Code custody (程序保管): link commits to changes, gate ranges, detect rewritten history.

History is read by the git adapter in one streaming ``git log``; this module decides what
the links mean for the workflow and records them as ledger events.
"""

from __future__ import annotations

from hischange import vcs
from hischange.project import Project
from hischange.services.custody_scan import ScanResult, linked_commits, open_range, scan_range
from hischange.workflow.change import ChangeState
from hischange.workflow.custody import (
    CommitRecord,
    CustodyReport,
    CustodyVerifyReport,
    MissingLink,
    Violation,
    violations,
)

__all__ = [
    "ScanResult",
    "check_range",
    "scan_range",
    "verify_custody",
]


def check_range(proj: Project, rev_range: str) -> CustodyReport:
    """The gate: every commit of the range belongs to an approved change."""
    repo, rng = open_range(proj, rev_range)
    if rng.empty:  # nothing reaches anyone through an empty range: the gate passes
        return CustodyReport(
            range=rev_range, commits=0, violations=(), shallow=repo.info.shallow, changes=()
        )
    states = {s["id"]: ChangeState.model_validate(s) for s in proj.store.aggregates_of("change")}
    policy = proj.config.custody.merge_policy
    key = next(iter(proj.config.custody.trailer_keys), "HIS-Change")
    found: list[Violation] = []
    commits = 0
    changes: dict[str, None] = {}
    for commit, links in linked_commits(proj, repo, rev_range):
        commits += 1
        changes.update(dict.fromkeys(links.change_ids))
        found.extend(violations(commit, links, states, policy, key))
    if found:  # one git process for every flagged commit
        paths = vcs.first_changed_paths(repo, [v.sha for v in found])
        found = [v.model_copy(update={"path": paths.get(v.sha)}) for v in found]
    return CustodyReport(
        range=rev_range,
        commits=commits,
        violations=tuple(found),
        shallow=repo.info.shallow,
        changes=tuple(changes),
    )


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
                reason=m.reason,
                change_ids=records[m.sha].change_ids,
                linked_at=records[m.sha].linked_at,
                linked_seq=records[m.sha].linked_seq,
            )
            for m in missing
        ),
    )
