"""Releases (版本): the cut that gathers approved, tested, reviewed changes under one semver
version, an annotated tag carrying the manifest digest and the ledger head, and artifacts."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import semver

from hischange import vcs
from hischange.errors import NotFoundError, UsageError, WorkflowError
from hischange.events import (
    AnyEvent,
    ChangeTransitioned,
    ImportedArtifact,
    ReleaseCut,
    ReleasedChange,
    ReleaseImported,
)
from hischange.files import hash_regular
from hischange.project import Project
from hischange.services import custody
from hischange.services.changes import get_change, refuse
from hischange.services.evidence import evidence_facts
from hischange.vcs.ancestry import resolve_commit, tag_commit
from hischange.workflow.change import ChangeState
from hischange.workflow.evidence import required_kinds
from hischange.workflow.projector import project
from hischange.workflow.release import (
    CutPlan,
    ReleaseState,
    change_problems,
    choose_version,
    cut_problems,
    decide_cut,
    decide_dirty_tree,
    decide_import,
    manifest_digest,
    parse_version,
)
from hischange.workflow.state import load_change, parse_state

__all__ = ["cut_release", "get_release", "import_release", "list_releases", "plan_release"]


def list_releases(proj: Project) -> list[ReleaseState]:
    """Every release, oldest version first."""
    releases = [
        parse_state(ReleaseState, r, "release", str(r.get("version")))
        for r in proj.store.aggregates_of("release")
    ]
    return sorted(releases, key=lambda r: semver.Version.parse(r.version))


def get_release(proj: Project, version: str) -> ReleaseState:
    """One release (exit 3 if unknown)."""
    prefix = proj.config.release.tag_prefix
    key = version[len(prefix) :] if prefix and version.startswith(prefix) else version
    data = proj.store.aggregate("release", key)
    if data is None:
        known = ", ".join(r.version for r in list_releases(proj)) or "none yet"
        raise NotFoundError(f"no release {version} (releases: {known})")
    return parse_state(ReleaseState, data, "release", key)


def import_release(
    proj: Project,
    actor: str,
    version: str,
    *,
    tag: str | None = None,
    commit: str | None = None,
    artifacts: Sequence[Path] = (),
    running: Sequence[tuple[str, str]] = (),
    note: str = "",
) -> ReleaseState:
    """Register a version that ran before hischange (版本基线) as a release: its tag and commit
    (the tag ``<tag_prefix><version>`` when the repository has it), its artifacts by SHA-256,
    and the (environment, site) pairs where it runs, so it can be a rollback target."""
    cfg = proj.config.release
    parsed = parse_version(version, cfg.tag_prefix)
    if parsed is None:
        raise UsageError(f"{version!r} is not a semantic version (e.g. 3.2.0)")
    name = str(parsed)
    for env, _site in running:
        if env not in cfg.environments:
            raise UsageError(
                f"unknown environment {env!r}; configured: {', '.join(cfg.environments)}"
            )
    head, tag_name = _baseline_commit(proj, name, tag, commit)
    items = [_imported(path) for path in dict.fromkeys(artifacts)]
    occupied = {(s["env"], s["site"]): s["current"] for s in proj.store.aggregates_of("site")}
    existing = proj.store.aggregate("release", name)
    decide_import(
        name,
        ReleaseState.model_validate(existing) if existing else None,
        tuple(running),
        occupied,
    )
    event = ReleaseImported(
        version=name,
        tag=tag_name,
        head_commit=head,
        artifacts=tuple(items),
        running=tuple(dict.fromkeys(running)),
        note=note,
    )
    with proj.store.write(project) as tx:
        tx.append(actor, [event])
    return get_release(proj, name)


def _imported(path: Path) -> ImportedArtifact:
    digest, size = hash_regular(path, "artifact")
    return ImportedArtifact(name=path.name, sha256=digest, size=size)


def _baseline_commit(
    proj: Project, version: str, tag: str | None, commit: str | None
) -> tuple[str, str]:
    """The commit and tag of a baseline: from --commit/--tag, else the version's tag if the
    repository has it; empty when unknown (no repository, no tag)."""
    try:
        repo = vcs.open_repo(proj.root)
    except NotFoundError:
        return (commit or "").lower(), tag or ""
    try:
        name = tag or f"{proj.config.release.tag_prefix}{version}"
        tagged = tag_commit(repo, name)
        if tag and tagged is None:
            raise NotFoundError(f"no tag {tag} in {proj.root}", hint="check `git tag -l`")
        head = resolve_commit(repo, commit) if commit else (tagged or "")
        return head, name if tagged else (tag or "")
    finally:
        repo.git_repo.close()


def _sql_in_range(repo: vcs.GitRepository, rev_range: str, tip: str) -> dict[str, str]:
    out = {}
    for path in vcs.changed_files(repo, rev_range, "*.sql"):
        data = vcs.file_at(repo, tip, path)
        if data is not None:
            out[path] = hashlib.sha256(data).hexdigest()
    return out


def _change_problems(proj: Project, state: ChangeState, sql: dict[str, str]) -> list[str]:
    required = required_kinds(proj.config.evidence.required, state.fields.kind)
    return change_problems(state, evidence_facts(proj, state), required, sql)


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
        done = _cut(proj, repo, actor, from_ref, to_ref, version, allow_dirty)
        assert isinstance(done, ReleaseState)
        return done
    finally:
        # Ends git's persistent cat-file processes and their pipes now, not whenever the
        # cyclic collector happens to reach the repository (a ResourceWarning then).
        repo.git_repo.close()


def plan_release(
    proj: Project,
    from_ref: str,
    to_ref: str = "HEAD",
    version: str | None = None,
    allow_dirty: bool = False,
) -> CutPlan:
    """``release cut --dry-run``: the version, the changes and every problem that would refuse
    the cut. Writes nothing: no tag, no event (not even the custody scan's links, so the
    changes' commits are as last scanned)."""
    repo = vcs.open_repo(proj.root)
    try:
        plan = _cut(proj, repo, "", from_ref, to_ref, version, allow_dirty, dry_run=True)
        assert isinstance(plan, CutPlan)
        return plan
    finally:
        repo.git_repo.close()


def _cut(
    proj: Project,
    repo: vcs.GitRepository,
    actor: str,
    from_ref: str,
    to_ref: str,
    version: str | None,
    allow_dirty: bool,
    dry_run: bool = False,
) -> ReleaseState | CutPlan:
    cfg = proj.config.release
    rev_range = f"{from_ref}..{to_ref}"
    rng = vcs.resolve_range(repo, rev_range)
    if rng.empty:
        raise UsageError(f"the range {rev_range} has no commits: nothing to release")
    dirty = vcs.is_dirty(repo)
    found: list[str] = []  # a dry run collects what a cut refuses at
    try:
        decide_dirty_tree(dirty, allow_dirty)
    except WorkflowError as refusal:
        if not dry_run:
            raise refuse(proj, actor, "release cut", rev_range, refusal) from None
        found.append(refusal.message)
    if not dry_run:
        custody.scan_range(proj, actor, rev_range)
    gate = custody.check_range(proj, rev_range)
    custody_errors = [
        f"custody {v.code} {v.sha[:12]}: {v.message}"
        for v in gate.violations
        if v.severity == "error"
    ]
    sql = _sql_in_range(repo, rev_range, rng.tip)
    states = [get_change(proj, cid) for cid in gate.changes if proj.store.aggregate("change", cid)]
    covered = {path for s in states for path in s.sql_files}
    problems = {state.id: _change_problems(proj, state, sql) for state in states}
    if dry_run:
        found += cut_problems(custody_errors, problems, sql, covered)
    else:
        try:
            decide_cut(rev_range, custody_errors, problems, sql, covered)
        except WorkflowError as refusal:
            raise refuse(proj, actor, "release cut", rev_range, refusal) from None
    releases = list_releases(proj)
    last = semver.Version.parse(releases[-1].version) if releases else None
    breaking_sql = any(f.breaking for s in states for f in s.sql_files.values() if f.path in sql)
    try:
        chosen, why = choose_version(
            version, last, parse_version(from_ref, cfg.tag_prefix), states, breaking_sql
        )
    except UsageError as exc:
        if not dry_run:
            raise
        chosen, why = version or "?", exc.message
        found.append(exc.message)
    tag = f"{cfg.tag_prefix}{chosen}"
    if vcs.tag_exists(repo, tag) or proj.store.aggregate("release", chosen):
        if not dry_run:
            raise UsageError(f"tag {tag} already exists", hint="choose another version")
        found.append(f"tag {tag} already exists (choose another version)")
    commits = tuple(c.sha for c in vcs.iter_commits(repo, rev_range))[::-1]
    if dry_run:
        return CutPlan(
            range=rev_range,
            version=chosen,
            tag=tag,
            bump_reason=why,
            changes=tuple(s.id for s in states),
            commits=len(commits),
            problems=tuple(found),
        )
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
