"""Releases (版本): the cut that gathers approved, tested, reviewed changes under one semver
version, an annotated tag carrying the manifest digest and the ledger head, and artifacts."""

from __future__ import annotations

import hashlib
from datetime import datetime

import semver
from pydantic import BaseModel, ConfigDict

from hischange import vcs
from hischange.errors import NotFoundError, UsageError, WorkflowError
from hischange.events import (
    AnyEvent,
    ChangeTransitioned,
    ReleaseCut,
    ReleasedChange,
    ReleaseManifest,
)
from hischange.ledger import canonical
from hischange.project import Project
from hischange.services import custody
from hischange.services.changes import get_change, refuse
from hischange.services.evidence import evidence_facts
from hischange.store import AppendedEvent, ProjectionView
from hischange.workflow.change import ChangeState
from hischange.workflow.evidence import readiness_problems, required_kinds
from hischange.workflow.projector import project
from hischange.workflow.state import load_change

__all__ = [
    "ArtifactRef",
    "DeploymentRef",
    "ReleaseState",
    "apply_release_event",
    "choose_version",
    "cut_release",
    "get_release",
    "list_releases",
    "manifest_digest",
]

MINOR_KINDS = frozenset({"customization", "interface", "report", "view_interface"})


class ArtifactRef(BaseModel):
    """A delivered package, by content hash."""

    model_config = ConfigDict(frozen=True)

    name: str
    sha256: str
    size: int
    attached_by: str
    attached_at: datetime


class DeploymentRef(BaseModel):
    """A deployment of a release, as the release record keeps it."""

    model_config = ConfigDict(frozen=True)

    deployment_id: str
    env: str
    site: str
    operator: str
    result: str
    at: datetime
    rolled_back_to: str = ""


class ReleaseState(ReleaseManifest):
    """The release record: the manifest, who cut it, and what happened to it since."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cut_by: str
    cut_at: datetime
    artifacts: tuple[ArtifactRef, ...] = ()
    deployments: tuple[DeploymentRef, ...] = ()


def _parse(text: str, prefix: str) -> semver.Version | None:
    value = text[len(prefix) :] if prefix and text.startswith(prefix) else text
    try:
        return semver.Version.parse(value)
    except (ValueError, TypeError):
        return None


def list_releases(proj: Project) -> list[ReleaseState]:
    """Every release, oldest version first."""
    releases = [ReleaseState.model_validate(r) for r in proj.store.aggregates_of("release")]
    return sorted(releases, key=lambda r: semver.Version.parse(r.version))


def get_release(proj: Project, version: str) -> ReleaseState:
    """One release (exit 3 if unknown)."""
    prefix = proj.config.release.tag_prefix
    key = version[len(prefix) :] if prefix and version.startswith(prefix) else version
    data = proj.store.aggregate("release", key)
    if data is None:
        known = ", ".join(r.version for r in list_releases(proj)) or "none yet"
        raise NotFoundError(f"no release {version} (releases: {known})")
    return ReleaseState.model_validate(data)


def choose_version(
    requested: str | None,
    last: semver.Version | None,
    base: semver.Version | None,
    states: list[ChangeState],
    breaking_sql: bool,
) -> tuple[str, str]:
    """The version and why: explicit (must exceed the last) or bumped from the changes."""
    if requested:
        version = _parse(requested, "v")
        if version is None:
            raise UsageError(f"{requested!r} is not a semantic version (e.g. 3.3.0 or 3.3.0-rc.1)")
        if last is not None and version <= last:
            raise UsageError(f"version {version} is not greater than the last release {last}")
        return str(version), f"given explicitly (last release {last or 'none'})"
    start = last or base or semver.Version(0, 0, 0)
    breaking = [s.id for s in states if s.fields.breaking]
    if breaking or breaking_sql:
        why = ", ".join(breaking) or "a view drops or renames a column (HC140)"
        return str(start.bump_major()), f"major: breaking interface change ({why})"
    minor = [s.id for s in states if s.fields.kind in MINOR_KINDS]
    if minor:
        return str(start.bump_minor()), f"minor: new or changed function ({', '.join(minor)})"
    return str(start.bump_patch()), "patch: bug and security fixes only"


def _sql_in_range(repo: vcs.GitRepository, rev_range: str, tip: str) -> dict[str, str]:
    out = {}
    for path in vcs.changed_files(repo, rev_range, "*.sql"):
        data = vcs.file_at(repo, tip, path)
        if data is not None:
            out[path] = hashlib.sha256(data).hexdigest()
    return out


def _change_problems(proj: Project, state: ChangeState, sql: dict[str, str]) -> list[str]:
    emergency = state.fields.emergency and state.unapproved_emergency and not state.approved
    problems = []
    if state.state == "rolled_back":
        problems.append("was rolled back: record new evidence and run `hischange change ready`")
    elif state.state != "ready" and not (emergency and state.state == "in_progress"):
        problems.append(f"is {state.state}; a release takes only ready changes (change ready)")
    if state.approval_stale:
        problems.append("its approval is stale (edited after approval)")
    elif not state.approved and not emergency:
        problems.append("is not approved")
    required = required_kinds(proj.config.evidence.required, state.fields.kind)
    problems += readiness_problems(state, evidence_facts(proj, state), required)
    for path, entry in sorted(state.sql_files.items()):
        current = sql.get(path)
        if current is None:
            continue
        if entry.approved_sha256 != current:
            what = "approval is stale" if entry.approved_sha256 else "is not approved"
            problems.append(f"SQL {path} {what} at its released content {current[:12]}")
    return problems


def cut_release(
    proj: Project,
    actor: str,
    from_ref: str,
    to_ref: str = "HEAD",
    version: str | None = None,
    allow_dirty: bool = False,
) -> ReleaseState:
    """Cut a release of the range; refuse listing every missing piece of every change."""
    repo = vcs.open_repo(proj.root)
    try:
        return _cut(proj, repo, actor, from_ref, to_ref, version, allow_dirty)
    finally:
        # Ends git's persistent cat-file processes and their pipes now, not whenever the
        # cyclic collector happens to reach the repository (a ResourceWarning then).
        repo.git_repo.close()


def _cut(
    proj: Project,
    repo: vcs.GitRepository,
    actor: str,
    from_ref: str,
    to_ref: str,
    version: str | None,
    allow_dirty: bool,
) -> ReleaseState:
    cfg = proj.config.release
    rev_range = f"{from_ref}..{to_ref}"
    rng = vcs.resolve_range(repo, rev_range)
    if rng.empty:
        raise UsageError(f"the range {rev_range} has no commits: nothing to release")
    dirty = vcs.is_dirty(repo)
    if dirty and not allow_dirty:
        raise refuse(
            proj,
            actor,
            "release cut",
            rev_range,
            WorkflowError(
                "the working tree has uncommitted changes; a release is cut from committed code",
                hint="commit or stash them, or pass --allow-dirty (recorded in the release)",
                rule="dirty_tree",
            ),
        )
    custody.scan_range(proj, actor, rev_range)
    gate = custody.check_range(proj, rev_range)
    problems = [
        f"custody {v.code} {v.sha[:12]}: {v.message}"
        for v in gate.violations
        if v.severity == "error"
    ]
    sql = _sql_in_range(repo, rev_range, rng.tip)
    states = [get_change(proj, cid) for cid in gate.changes if proj.store.aggregate("change", cid)]
    for state in states:
        problems += [f"{state.id} {p}" for p in _change_problems(proj, state, sql)]
    covered = {path for s in states for path in s.sql_files}
    problems += [
        f"SQL {p} changed in the range but was reviewed for no change of it"
        for p in sorted(set(sql) - covered)
    ]
    if not states:
        problems.append("no change is named by the range's commits")
    if problems:
        raise refuse(
            proj,
            actor,
            "release cut",
            rev_range,
            WorkflowError(
                f"cannot cut a release of {rev_range}: " + "; ".join(problems),
                rule="release_gate",
            ),
        )
    releases = list_releases(proj)
    last = semver.Version.parse(releases[-1].version) if releases else None
    breaking_sql = any(f.breaking for s in states for f in s.sql_files.values() if f.path in sql)
    chosen, why = choose_version(
        version, last, _parse(from_ref, cfg.tag_prefix), states, breaking_sql
    )
    tag = f"{cfg.tag_prefix}{chosen}"
    if vcs.tag_exists(repo, tag) or proj.store.aggregate("release", chosen):
        raise UsageError(f"tag {tag} already exists", hint="choose another version")
    commits = tuple(c.sha for c in vcs.iter_commits(repo, rev_range))[::-1]
    return _record_cut(
        proj, actor, repo, rev_range, rng.tip, chosen, tag, why, dirty, commits, states, sql
    )


def _record_cut(
    proj: Project,
    actor: str,
    repo: vcs.GitRepository,
    rev_range: str,
    tip: str,
    version: str,
    tag: str,
    why: str,
    dirty: bool,
    commits: tuple[str, ...],
    states: list[ChangeState],
    sql: dict[str, str],
) -> ReleaseState:
    created = False
    try:
        with proj.store.write(project) as tx:
            for state in states:
                current = load_change(tx, state.id)
                if current is None or current.last_seq != state.last_seq:
                    raise UsageError(f"{state.id} changed while the release was cut; run it again")
            changes = tuple(
                ReleasedChange(
                    change_id=s.id,
                    kind=s.fields.kind,
                    billing=s.fields.billing,
                    title=s.fields.title,
                    unapproved_emergency=s.fields.emergency and not s.approved,
                )
                for s in states
            )
            sql_files = tuple(
                (s.id, p, sql[p]) for s in states for p in sorted(s.sql_files) if p in sql
            )
            evidence = tuple(
                sorted({e.evidence_id for s in states for e in s.evidence if e.passed})
            )
            unsigned = ReleaseCut(
                version=version,
                tag=tag,
                range=rev_range,
                head_commit=tip,
                commits=commits,
                changes=changes,
                sql_files=sql_files,
                evidence=evidence,
                ledger_head_seq=tx.head_seq,
                ledger_head_hash=tx.head_hash,
                manifest_digest="",
                bump_reason=why,
                dirty=dirty,
            )
            cut = unsigned.model_copy(update={"manifest_digest": manifest_digest(unsigned)})
            digest = cut.manifest_digest
            moves: list[AnyEvent] = [
                ChangeTransitioned(change_id=s.id, to="released", ref=version) for s in states
            ]
            message = (
                f"hischange release {version}\n\nmanifest sha256: {digest}\n"
                f"ledger head: {tx.head_seq}:{tx.head_hash}\n"
                f"changes: {', '.join(s.id for s in states)}\n"
                + (
                    "unapproved emergency changes included\n"
                    if any(c.unapproved_emergency for c in changes)
                    else ""
                )
            )
            vcs.create_annotated_tag(
                repo,
                tag,
                message,
                rev=tip,
                tagger=actor,
                signing_key=proj.config.release.signing_key or None,
            )
            created = True
            tx.append(actor, [cut, *moves])
    except BaseException:
        if created:
            repo.run("tag", "-d", tag)
        raise
    return get_release(proj, version)


def manifest_digest(manifest: ReleaseManifest) -> str:
    """SHA-256 of the canonical manifest: every field but the digest itself."""
    fields = set(ReleaseManifest.model_fields) - {"manifest_digest"}
    data = manifest.model_dump(mode="json", include=fields)
    return hashlib.sha256(canonical(data)).hexdigest()


def apply_release_event(view: ProjectionView, appended: AppendedEvent) -> None:
    """Projection: a cut makes the release record."""
    event = appended.event
    assert isinstance(event, ReleaseCut)
    state = ReleaseState(
        **event.model_dump(exclude={"type"}), cut_by=appended.actor, cut_at=appended.at
    )
    view.put("release", event.version, state, appended.seq)
