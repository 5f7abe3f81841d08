"""The rules of releases (版本), pure: the release record, what blocks a cut, the version
chosen from the changes inside, the manifest digest, and the projection of cuts and
artifacts. git and the store are asked by ``services.releases``; their answers come in here."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

import semver
from pydantic import BaseModel, ConfigDict

from hischange.errors import UsageError, WorkflowError
from hischange.events import (
    ArtifactAttached,
    ImportedArtifact,
    ReleaseCut,
    ReleaseImported,
    ReleaseManifest,
)
from hischange.ledger import AppendedEvent, ProjectionView, canonical
from hischange.workflow.change import ChangeState
from hischange.workflow.evidence import EvidenceFacts, readiness_problems
from hischange.workflow.kinds import get_kind
from hischange.workflow.state import load

__all__ = [
    "ArtifactMatch",
    "ArtifactRef",
    "CutPlan",
    "DeploymentRef",
    "ReleaseState",
    "RollbackRef",
    "apply_artifact_event",
    "apply_import_event",
    "apply_release_event",
    "change_problems",
    "choose_version",
    "cut_problems",
    "decide_cut",
    "decide_dirty_tree",
    "decide_import",
    "manifest_digest",
    "new_artifacts",
    "parse_version",
]


class ArtifactRef(BaseModel):
    """A delivered package, by content hash."""

    model_config = ConfigDict(frozen=True)

    name: str
    sha256: str
    size: int
    attached_by: str
    attached_at: datetime


class DeploymentRef(BaseModel):
    """A deployment of a release, as the release record keeps it.

    The projection stores the first six fields. ``rolled_back_to``, the window, the bastion
    session and the rollback plan are filled when the record is read
    (``workflow.deployment.with_history``) from the ledger's events: projections of stored
    events never change, so a ledger written before still replays to the same rows."""

    model_config = ConfigDict(frozen=True)

    deployment_id: str
    env: str
    site: str
    operator: str
    result: str
    at: datetime
    rolled_back_to: str = ""
    window_start: datetime | None = None
    window_end: datetime | None = None
    rollback_plan: str = ""
    #: The bastion-host (堡垒机) session: session_id, opened, closed.
    remote_session: dict[str, str] | None = None


class RollbackRef(BaseModel):
    """A rollback (回退) of a release, read from the ledger with the release record."""

    model_config = ConfigDict(frozen=True)

    env: str
    site: str
    to_version: str
    reason: str
    by: str
    at: datetime


class ReleaseState(ReleaseManifest):
    """The release record: the manifest, who cut it, and what happened to it since."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cut_by: str
    cut_at: datetime
    artifacts: tuple[ArtifactRef, ...] = ()
    deployments: tuple[DeploymentRef, ...] = ()
    #: Filled when read, like DeploymentRef's extra fields (never stored by the projection).
    rollbacks: tuple[RollbackRef, ...] = ()
    #: A version that ran before hischange (``release import``), not cut by it.
    baseline: bool = False


class ArtifactMatch(BaseModel):
    """Which release a delivered file belongs to."""

    model_config = ConfigDict(frozen=True)

    sha256: str
    size: int
    releases: tuple[str, ...]
    names: tuple[str, ...]
    changes: tuple[str, ...]


def parse_version(text: str, prefix: str) -> semver.Version | None:
    """A version from a tag or a version string (``prefix`` stripped), or None."""
    value = text[len(prefix) :] if prefix and text.startswith(prefix) else text
    try:
        return semver.Version.parse(value)
    except (ValueError, TypeError):
        return None


def choose_version(
    requested: str | None,
    last: semver.Version | None,
    base: semver.Version | None,
    states: list[ChangeState],
    breaking_sql: bool,
) -> tuple[str, str]:
    """The version and why: explicit (must exceed the last) or bumped from the changes."""
    if requested:
        version = parse_version(requested, "v")
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
    minor = [s.id for s in states if get_kind(s.fields.kind).bump == "minor"]
    if minor:
        return str(start.bump_minor()), f"minor: new or changed function ({', '.join(minor)})"
    return str(start.bump_patch()), "patch: bug and security fixes only"


def change_problems(
    state: ChangeState,
    facts: EvidenceFacts,
    required: tuple[str, ...],
    sql: Mapping[str, str],
) -> list[str]:
    """What keeps one change out of a release (``sql``: path → SHA-256 at the release tip)."""
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
    problems += readiness_problems(state, facts, required)
    for path, entry in sorted(state.sql_files.items()):
        current = sql.get(path)
        if current is None:
            continue
        if entry.approved_sha256 != current:
            what = "approval is stale" if entry.approved_sha256 else "is not approved"
            problems.append(f"SQL {path} {what} at its released content {current[:12]}")
    return problems


def decide_dirty_tree(dirty: bool, allow_dirty: bool) -> None:
    """A release is cut from committed code unless the cut says otherwise (recorded)."""
    if dirty and not allow_dirty:
        raise WorkflowError(
            "the working tree has uncommitted changes; a release is cut from committed code",
            hint="commit or stash them, or pass --allow-dirty (recorded in the release)",
            rule="dirty_tree",
        )


class CutPlan(BaseModel):
    """What ``release cut --dry-run`` found: the release it would make and every problem that
    would refuse it. Nothing is written."""

    model_config = ConfigDict(frozen=True)

    range: str
    version: str
    tag: str
    bump_reason: str
    changes: tuple[str, ...]
    commits: int
    problems: tuple[str, ...]

    @property
    def would_refuse(self) -> bool:
        """True when the cut would be refused."""
        return bool(self.problems)


def cut_problems(
    custody_errors: list[str],
    problems: Mapping[str, list[str]],
    sql: Mapping[str, str],
    covered: set[str],
) -> list[str]:
    """Everything that keeps a range from being released (see ``decide_cut``)."""
    found = list(custody_errors)
    for change_id, listed in problems.items():
        found += [f"{change_id} {p}" for p in listed]
    found += [
        f"SQL {p} changed in the range but was reviewed for no change of it"
        for p in sorted(set(sql) - covered)
    ]
    if not problems:
        found.append("no change is named by the range's commits")
    return found


def decide_cut(
    rev_range: str,
    custody_errors: list[str],
    problems: Mapping[str, list[str]],
    sql: Mapping[str, str],
    covered: set[str],
) -> None:
    """The release gate: every change ready, approved and tested, every SQL file in the range
    reviewed for a change of it and approved at its content, custody clean."""
    found = cut_problems(custody_errors, problems, sql, covered)
    if found:
        raise WorkflowError(
            f"cannot cut a release of {rev_range}: " + "; ".join(found), rule="release_gate"
        )


def manifest_digest(manifest: ReleaseManifest) -> str:
    """SHA-256 of the canonical manifest: every field but the digest itself."""
    fields = set(ReleaseManifest.model_fields) - {"manifest_digest"}
    data = manifest.model_dump(mode="json", include=fields)
    return hashlib.sha256(canonical(data)).hexdigest()


def new_artifacts(
    release: ReleaseState, candidates: list[ArtifactAttached]
) -> list[ArtifactAttached]:
    """The attachments not yet recorded: attaching the same file (name and SHA-256) again, or
    twice in one command, records it once (attach is idempotent)."""
    seen = {(a.name, a.sha256) for a in release.artifacts}
    out = []
    for event in candidates:
        if (event.name, event.sha256) not in seen:
            seen.add((event.name, event.sha256))
            out.append(event)
    return out


def apply_release_event(view: ProjectionView, appended: AppendedEvent) -> None:
    """Projection: a cut makes the release record."""
    event = appended.event
    assert isinstance(event, ReleaseCut)
    state = ReleaseState(
        **event.model_dump(exclude={"type"}), cut_by=appended.actor, cut_at=appended.at
    )
    view.put("release", event.version, state, appended.seq)


def decide_import(
    version: str,
    existing: ReleaseState | None,
    running: tuple[tuple[str, str], ...],
    occupied: Mapping[tuple[str, str], str],
) -> None:
    """A baseline registers what ran before hischange: a version it does not know yet, at
    sites where nothing is recorded as running (``occupied``: (env, site) → current version)."""
    if existing is not None:
        what = "imported" if existing.baseline else "cut"
        raise UsageError(f"release {version} already exists ({what} {existing.cut_at:%Y-%m-%d})")
    taken = [
        f"{env}@{site} (runs {occupied[(env, site)]})"
        for env, site in running
        if (env, site) in occupied
    ]
    if taken:
        raise UsageError(
            f"{', '.join(taken)}: deployments are already recorded there; a baseline registers "
            "only what ran before hischange",
            hint="drop those --running values (deploy where shows what runs where)",
        )


def apply_import_event(view: ProjectionView, appended: AppendedEvent) -> None:
    """Projection: a baseline (imported) release record and its artifacts; its sites are the
    deployment module's (see ``workflow.deployment.apply_baseline_sites``)."""
    event = appended.event
    assert isinstance(event, ReleaseImported)
    state = ReleaseState(
        version=event.version,
        tag=event.tag,
        range="",
        head_commit=event.head_commit,
        commits=(),
        changes=(),
        sql_files=(),
        evidence=(),
        ledger_head_seq=0,
        ledger_head_hash="",
        manifest_digest="",
        bump_reason="baseline (版本基线): ran before hischange"
        + (f"; {event.note}" if event.note else ""),
        cut_by=appended.actor,
        cut_at=appended.at,
        baseline=True,
    )
    view.put("release", event.version, state, appended.seq)
    for artifact in event.artifacts:
        _attach(view, appended, event.version, artifact)


def apply_artifact_event(view: ProjectionView, appended: AppendedEvent) -> None:
    """Projection: the release's artifact list and the index by content hash."""
    event = appended.event
    assert isinstance(event, ArtifactAttached)
    _attach(view, appended, event.version, event)


def _attach(
    view: ProjectionView,
    appended: AppendedEvent,
    version: str,
    event: ArtifactAttached | ImportedArtifact,
) -> None:
    release = load(view, "release", version, ReleaseState)
    assert release is not None
    ref = ArtifactRef(
        name=event.name,
        sha256=event.sha256,
        size=event.size,
        attached_by=appended.actor,
        attached_at=appended.at,
    )
    updated = release.model_copy(update={"artifacts": (*release.artifacts, ref)})
    view.put("release", version, updated, appended.seq)
    old = load(view, "artifact", event.sha256, ArtifactMatch)
    changes = tuple(c.change_id for c in release.changes)
    match = ArtifactMatch(
        sha256=event.sha256,
        size=event.size,
        releases=tuple(dict.fromkeys((*(old.releases if old else ()), version))),
        names=tuple(dict.fromkeys((*(old.names if old else ()), event.name))),
        changes=tuple(dict.fromkeys((*(old.changes if old else ()), *changes))),
    )
    view.put("artifact", event.sha256, match, appended.seq)
