"""The rules of code custody (程序保管), pure: which commits a change's approval lets through
the gate, the violation codes, and the projection of commit links. Reading history is the
git adapter's (``hischange.vcs``); recording links is ``services.custody``'s."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from hischange.config import CustodyConfig, CustodyIgnore
from hischange.events import ChangeRefsEdited, CommitLink, CommitsLinked, CommitsSuperseded
from hischange.ledger import AppendedEvent, ProjectionView
from hischange.unchecked import trusted
from hischange.workflow.change import ChangeState, updated_state
from hischange.workflow.people import same_person
from hischange.workflow.refs import ExternalRef
from hischange.workflow.state import load_change

if TYPE_CHECKING:  # the git adapter's models; the rules never run git
    from hischange.vcs.models import CommitInfo, CommitLinks

__all__ = [
    "CODES",
    "IMPLEMENTABLE",
    "ChangeRefs",
    "CommitRecord",
    "CommitVerdict",
    "CustodyReport",
    "CustodyVerifyReport",
    "IgnoredCommit",
    "MissingLink",
    "Replacement",
    "Supersession",
    "Violation",
    "apply_links",
    "apply_refs_edited",
    "apply_superseded",
    "ignore_rule",
    "is_adoption",
    "is_autosquash",
    "judge_commit",
    "reverted_commit",
    "violations",
]

#: States in which a change's approval lets its commits through the gate.
IMPLEMENTABLE = frozenset(
    {
        "approved",
        "in_progress",
        "ready",
        "released",
        "deployed",
        "verified",
        "closed",
        "rolled_back",
    }
)


class CommitRecord(BaseModel):
    """A linked commit as the projections keep it."""

    model_config = ConfigDict(frozen=True)

    sha: str
    change_ids: tuple[str, ...]
    author_email: str
    linked_at: datetime
    linked_seq: int


class Supersession(BaseModel):
    """A linked commit's replacement after a rebase or squash (``custody supersede``), kept
    apart from its ``CommitRecord`` so that existing projections stay as they were."""

    model_config = ConfigDict(frozen=True)

    sha: str
    by: str
    reason: str
    seq: int


class ChangeRefs(BaseModel):
    """A change's external references (``system:id``), kept apart from its ``ChangeState``
    so that existing projections stay as they were."""

    model_config = ConfigDict(frozen=True)

    change_id: str
    refs: tuple[str, ...]


Code = Literal["HC-C001", "HC-C002", "HC-C003", "HC-C004", "HC-C005", "HC-C006", "HC-C007"]
CODES: dict[str, str] = {
    "HC-C001": "commit names no change",
    "HC-C002": "commit names an unknown change",
    "HC-C003": "commit's change is not approved",
    "HC-C004": "change id in a trailer git does not parse",
    "HC-C005": "emergency change implemented before approval",
    "HC-C006": "invalid change id in a change trailer",
    "HC-C007": "commit authored by an approver of its change",
}


class Violation(BaseModel):
    """One custody violation, with its code and the commit."""

    model_config = ConfigDict(frozen=True)

    code: Code
    severity: Literal["error", "warning"]
    sha: str
    subject: str
    change_id: str | None
    message: str
    #: a file the commit changed, for tools that anchor findings to files (SARIF); None
    #: for a commit that changes no file (an empty commit, a merge)
    path: str | None = None


IgnoreRule = Literal["merge_policy", "author", "subject", "revert", "autosquash", "adoption"]


class IgnoredCommit(BaseModel):
    """A commit that names no change and needs none, by a configured rule: listed, never
    dropped silently."""

    model_config = ConfigDict(frozen=True)

    sha: str
    subject: str
    #: the violation it would have been
    code: Code
    rule: IgnoreRule
    #: the rule's setting that matched, e.g. ``authors = "dependabot*"``
    detail: str
    path: str | None = None


class CustodyReport(BaseModel):
    """The gate's verdict on a range."""

    model_config = ConfigDict(frozen=True)

    range: str
    commits: int
    violations: tuple[Violation, ...]
    shallow: bool
    changes: tuple[str, ...]
    ignored: tuple[IgnoredCommit, ...] = ()

    @property
    def ok(self) -> bool:
        """No error-severity violation."""
        return not any(v.severity == "error" for v in self.violations)


class Replacement(BaseModel):
    """A likely replacement of a missing linked commit, and why it is proposed."""

    model_config = ConfigDict(frozen=True)

    sha: str
    why: Literal["patch-id", "same change"]


class MissingLink(BaseModel):
    """A recorded commit that is gone or unreachable from the protected refs."""

    model_config = ConfigDict(frozen=True)

    sha: str
    #: "shallow": absent from a shallow clone, most likely beyond its boundary
    reason: Literal["absent", "unreachable", "shallow"]
    change_ids: tuple[str, ...]
    linked_at: datetime
    linked_seq: int
    #: likely replacements in protected history (same patch-id first); ``custody
    #: supersede`` records one
    candidates: tuple[Replacement, ...] = ()


class CustodyVerifyReport(BaseModel):
    """``custody verify``: every linked commit still exists and is protected."""

    model_config = ConfigDict(frozen=True)

    checked: int
    protected_refs: tuple[str, ...]
    missing: tuple[MissingLink, ...]
    shallow: bool
    #: missing linked commits whose replacement was recorded and is in protected history
    superseded: int = 0

    @property
    def rewritten(self) -> tuple[MissingLink, ...]:
        """What history lost (absent or unreachable), not what a shallow clone lacks."""
        return tuple(m for m in self.missing if m.reason != "shallow")


def apply_links(view: ProjectionView, appended: AppendedEvent) -> None:
    """Projection: each link becomes a commit record and extends its changes (one new
    state per change and event: one per link made a change with many commits quadratic)."""
    event = appended.event
    assert isinstance(event, CommitsLinked)
    per_change: dict[str, list[CommitLink]] = {}
    at, seq = appended.at, appended.seq
    # A sha in a change's commits always has a commit record (both are written here, and
    # neither is ever removed): when no sha of this event had one, none can be named again.
    renamed = False
    for link in event.links:
        renamed = renamed or view.get("commit", link.sha) is not None  # put() reads it too
        # the link's values are typed already (the event was validated or built by the scan)
        record = trusted(
            CommitRecord,
            {
                "sha": link.sha,
                "change_ids": link.change_ids,
                "author_email": link.author_email,
                "linked_at": at,
                "linked_seq": seq,
            },
        )
        view.put("commit", link.sha, record, seq)
        for change_id in link.change_ids:
            per_change.setdefault(change_id, []).append(link)
    for change_id, links in per_change.items():
        state = load_change(view, change_id)
        if state is None:  # pragma: no cover - scan links known changes only
            continue
        authors = state.authors
        if len(links) > 1 or links[0].author_email not in authors:
            authors = tuple(dict.fromkeys((*authors, *(lk.author_email for lk in links))))
        if renamed:  # as if linked one by one: a sha named again moves to its last position
            last = dict.fromkeys(lk.sha for lk in reversed(links))
            kept = tuple(c for c in state.commits if c not in last)
            commits = (*kept, *reversed(last))
        else:  # the usual case: every sha is new to the state and named once
            commits = (*state.commits, *(lk.sha for lk in links))
        update = {"authors": authors, "commits": commits, "last_seq": seq}
        # what state.model_copy(update=update) gives, without pydantic's generic copy
        view.put("change", change_id, updated_state(state, update), seq)


def apply_refs_edited(view: ProjectionView, appended: AppendedEvent) -> None:
    """Projection: the change's references (``change_refs``), and the ``extref`` index
    (ref → change) the scan and the gate resolve external ids through."""
    event = appended.event
    assert isinstance(event, ChangeRefsEdited)
    seq = appended.seq
    view.put(
        "change_refs", event.change_id, ChangeRefs(change_id=event.change_id, refs=event.refs), seq
    )
    for ref in event.removed:
        view.put("extref", ref, ExternalRef(ref=ref, change_id=None), seq)
    for ref in event.added:
        view.put("extref", ref, ExternalRef(ref=ref, change_id=event.change_id), seq)


def apply_superseded(view: ProjectionView, appended: AppendedEvent) -> None:
    """Projection: each old commit's replacement (``superseded``, keyed by the old id)."""
    event = appended.event
    assert isinstance(event, CommitsSuperseded)
    for sha in event.old:
        record = Supersession(sha=sha, by=event.by, reason=event.reason, seq=appended.seq)
        view.put("superseded", sha, record, appended.seq)


def violations(
    commit: CommitInfo,
    links: CommitLinks,
    states: Mapping[str, ChangeState],
    merge_policy: str,
    trailer_key: str = "HIS-Change",
    unknown_refs: tuple[str, ...] = (),
) -> Iterator[Violation]:
    """The custody violations of one commit, given the states of the changes it names;
    ``trailer_key`` is the configured key a fix should use (the first of ``trailer_keys``).

    Separation of duties (职责分离) holds at the gate too: ``change approve`` refuses an
    approver who authored commits scanned before the approval, and the gate flags a commit
    authored by the change's approver whenever it was made (HC-C007). ``unknown_refs``:
    external ids the commit names that no change carries (HC-C002, like an unknown id)."""

    def v(
        code: Code,
        message: str,
        cid: str | None = None,
        severity: Literal["error", "warning"] = "error",
    ) -> Violation:
        return Violation(
            code=code,
            severity=severity,
            sha=commit.sha,
            subject=commit.subject[:200],
            change_id=cid,
            message=message,
        )

    for mention in links.unparsed_mentions:
        yield v("HC-C004", mention.explanation, mention.change_id)
    for bad in links.invalid_values:
        yield v("HC-C006", f"{bad.key}: {bad.value!r} is not a change id (CR-YYYY-NNNN)")
    for ref in unknown_refs:
        yield v("HC-C002", f"names {ref}, which no registered change carries (--ref)", ref)
    if not links.change_ids:
        if unknown_refs or (commit.is_merge and merge_policy == "parents"):
            return
        if not links.unparsed_mentions:
            yield v(
                "HC-C001",
                f"names no change: add a trailer line `{trailer_key}: CR-YYYY-NNNN` "
                "as the last paragraph of the message",
            )
        return
    for cid in links.change_ids:
        state = states.get(cid)
        if state is None:
            yield v("HC-C002", f"names {cid}, which is not a registered change", cid)
            continue
        approver = state.approval.approver if state.approval is not None else ""
        if same_person(commit.author_email, approver):
            yield v(
                "HC-C007",
                f"authored by {commit.author_email}, who approved {cid}: an approver may not "
                "author the change's commits (职责分离); have another developer author it "
                "or another approver approve the change",
                cid,
            )
        if state.state not in IMPLEMENTABLE or state.approval_stale or not state.approved:
            if (
                state.fields.emergency
                and state.unapproved_emergency
                and state.state in IMPLEMENTABLE
            ):
                yield v(
                    "HC-C005",
                    f"{cid} is an emergency change not yet approved retroactively",
                    cid,
                    "warning",
                )
            elif state.approval_stale:
                yield v("HC-C003", f"{cid}'s approval is stale (edited after approval)", cid)
            else:
                yield v("HC-C003", f"{cid} is {state.state}, not approved", cid)


#: git revert's message ("This reverts commit <id>."), full ids only.
_REVERT_RE = re.compile(r"This reverts commit ([0-9a-f]{40}|[0-9a-f]{64})\b")
_AUTOSQUASH = ("fixup! ", "squash! ", "amend! ")


def reverted_commit(message: str) -> str | None:
    """The commit a ``git revert`` message says it reverts, or None."""
    found = _REVERT_RE.search(message)
    return found.group(1) if found else None


def is_autosquash(subject: str) -> bool:
    """A ``fixup!`` / ``squash!`` / ``amend!`` commit, meant to be squashed before it lands."""
    return subject.startswith(_AUTOSQUASH)


def _glob(pattern: str) -> re.Pattern[str]:
    """An author glob: ``*`` and ``?`` are wildcards, everything else is literal (so
    ``*[bot]@users.noreply.github.com`` means the brackets, as people mean it)."""
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def ignore_rule(
    subject: str,
    author_email: str,
    rules: CustodyIgnore,
    *,
    reverts_linked: bool = False,
    protected: bool = False,
    adoption: bool = False,
) -> tuple[IgnoreRule, str] | None:
    """Which ``[custody.ignore]`` rule lets a commit that names no change through, and the
    setting that matched; None when none does. ``reverts_linked``: it reverts a commit
    linked to a change; ``protected``: a protected ref already holds it; ``adoption``: it
    is the adoption commit (``is_adoption``)."""
    email = author_email.strip().casefold()
    for glob in rules.authors:
        if _glob(glob).fullmatch(email):
            return "author", f"authors = {glob!r}"
    for pattern in rules.subjects:
        if re.search(pattern, subject):
            return "subject", f"subjects = {pattern!r}"
    if rules.reverts and reverts_linked:
        return "revert", "reverts = true (it reverts a linked commit)"
    if rules.autosquash and is_autosquash(subject) and not protected:
        return "autosquash", "autosquash = true (not on a protected ref)"
    if rules.adoption and adoption:
        return "adoption", "adoption = true (the commit that adds .hischange/config.toml)"
    return None


def is_adoption(changes: Iterable[tuple[str, str]], state_dir: str = ".hischange/") -> bool:
    """The adoption commit: it adds ``.hischange/config.toml`` and changes nothing outside
    ``.hischange/`` (``changes``: status letter and path, relative to the repository)."""
    items = list(changes)
    return any(s == "A" and p == f"{state_dir}config.toml" for s, p in items) and all(
        p.startswith(state_dir) for _, p in items
    )


class CommitVerdict(BaseModel):
    """What the rules say of one commit: its violations, or the rule that ignored it."""

    model_config = ConfigDict(frozen=True)

    violations: tuple[Violation, ...]
    ignored: IgnoredCommit | None = None

    @property
    def ok(self) -> bool:
        """No error-severity violation."""
        return not any(v.severity == "error" for v in self.violations)


def judge_commit(
    commit: CommitInfo,
    links: CommitLinks,
    states: Mapping[str, ChangeState],
    custody: CustodyConfig,
    unknown_refs: tuple[str, ...] = (),
    *,
    reverts_linked: bool = False,
    protected: bool = False,
    adoption: bool = False,
) -> CommitVerdict:
    """THE decision on a commit, made by the gate on history and by the commit-msg hook on
    the commit being made: its violations (``violations``), and a commit naming no change
    that ``[custody] merge_policy`` or a ``[custody.ignore]`` rule lets through, listed as
    ignored. ``reverts_linked``, ``protected`` and ``adoption`` are the facts the ignore
    rules need (read from git and the store by the caller)."""
    key = next(iter(custody.trailer_keys), "HIS-Change")
    found = list(violations(commit, links, states, custody.merge_policy, key, unknown_refs))
    subject = commit.subject[:200]
    if commit.is_merge and custody.merge_policy == "parents" and not links.change_ids:
        ignored = IgnoredCommit(
            sha=commit.sha,
            subject=subject,
            code="HC-C001",
            rule="merge_policy",
            detail='merge_policy = "parents" (its parents need links, not the merge)',
        )
        return CommitVerdict(violations=tuple(found), ignored=ignored)
    unnamed = next((v for v in found if v.code == "HC-C001"), None)
    if unnamed is None:
        return CommitVerdict(violations=tuple(found))
    rule = ignore_rule(
        subject,
        commit.author_email,
        custody.ignore,
        reverts_linked=reverts_linked,
        protected=protected,
        adoption=adoption,
    )
    if rule is None:
        return CommitVerdict(violations=tuple(found))
    found.remove(unnamed)
    ignored = IgnoredCommit(
        sha=commit.sha, subject=subject, code="HC-C001", rule=rule[0], detail=rule[1]
    )
    return CommitVerdict(violations=tuple(found), ignored=ignored)
