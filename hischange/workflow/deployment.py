"""The rules of deployments (部署), pure: the production gate, rollback targets, the
requester's verification, the post-implementation review and closing, and the projection of
what runs where. ``services.deployments`` reads the release, the sites and the config first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from hischange.config import ReleaseConfig
from hischange.errors import UsageError, WorkflowError
from hischange.events import (
    AnyEvent,
    ChangeTransitioned,
    DeploymentRecorded,
    ReleaseImported,
    ReviewRecorded,
    RollbackRecorded,
)
from hischange.ledger import AppendedEvent, ProjectionView
from hischange.workflow.change import ChangeState, decide_transition
from hischange.workflow.people import is_one_of, person_key, same_person
from hischange.workflow.release import DeploymentRef, ReleaseState, RollbackRef
from hischange.workflow.state import load, load_change, put_change

__all__ = [
    "SiteRunning",
    "SiteState",
    "apply_baseline_sites",
    "apply_deployment_event",
    "decide_close",
    "decide_deploy",
    "decide_review",
    "decide_rollback",
    "decide_verify",
    "running_where",
    "site_key",
    "with_history",
]


class SiteState(BaseModel):
    """What runs in one environment at one site (院区), and what ran there before."""

    model_config = ConfigDict(frozen=True)

    env: str
    site: str
    current: str
    history: tuple[str, ...]


class SiteRunning(BaseModel):
    """What runs in one environment at one site (院区), since when, and how it got there."""

    model_config = ConfigDict(frozen=True)

    env: str
    site: str
    version: str
    since: datetime
    by: str
    #: ``deployment DP-…``, ``rollback from 3.3.0: <reason>`` or ``baseline``.
    how: str
    #: Every version that ran there, oldest first (rollback targets).
    history: tuple[str, ...]


def running_where(records: Iterable[AppendedEvent]) -> list[SiteRunning]:
    """What runs where, from the deployment, rollback and baseline events in ledger order."""
    sites: dict[tuple[str, str], SiteRunning] = {}

    def put(env: str, site: str, version: str, rec: AppendedEvent, how: str) -> None:
        old = sites.get((env, site))
        history = tuple(dict.fromkeys((*(old.history if old else ()), version)))
        sites[(env, site)] = SiteRunning(
            env=env, site=site, version=version, since=rec.at, by=rec.actor, how=how,
            history=history,
        )  # fmt: skip

    for rec in records:
        event = rec.event
        if isinstance(event, DeploymentRecorded) and event.result == "success":
            put(event.env, event.site, event.version, rec, f"deployment {event.deployment_id}")
        elif isinstance(event, RollbackRecorded):
            how = f"rollback from {event.version}: {event.reason}"
            put(event.env, event.site, event.to_version, rec, how)
        elif isinstance(event, ReleaseImported):
            for env, site in event.running:
                put(env, site, event.version, rec, "baseline (版本基线)")
    return sorted(sites.values(), key=lambda s: (s.env, s.site))


def with_history(release: ReleaseState, records: Iterable[AppendedEvent]) -> ReleaseState:
    """The release record with what its projection does not keep, read from its deployment
    and rollback events: each deployment's window, bastion session and rollback plan, the
    version a rollback restored in its place (``rolled_back_to``), and the rollbacks."""
    deployments = list(release.deployments)
    index = {d.deployment_id: i for i, d in enumerate(deployments)}
    rollbacks: list[RollbackRef] = []
    for rec in records:
        event = rec.event
        if getattr(event, "version", None) != release.version:
            continue
        if isinstance(event, DeploymentRecorded) and event.deployment_id in index:
            i = index[event.deployment_id]
            deployments[i] = deployments[i].model_copy(
                update={
                    "window_start": event.window_start,
                    "window_end": event.window_end,
                    "rollback_plan": event.rollback_plan,
                    "remote_session": event.remote_session,
                }
            )
        elif isinstance(event, RollbackRecorded):
            ref = RollbackRef(
                env=event.env, site=event.site, to_version=event.to_version,
                reason=event.reason, by=rec.actor, at=rec.at,
            )  # fmt: skip
            rollbacks.append(ref)
            for i in reversed(range(len(deployments))):
                d = deployments[i]
                if (d.env, d.site, d.result) == (event.env, event.site, "success") and (
                    d.at <= rec.at and not d.rolled_back_to
                ):
                    deployments[i] = d.model_copy(update={"rolled_back_to": event.to_version})
                    break
    return release.model_copy(
        update={"deployments": tuple(deployments), "rollbacks": tuple(rollbacks)}
    )


def site_key(env: str, site: str) -> str:
    """The projection key of one site in one environment."""
    return f"{env}|{site}"


def decide_deploy(
    cfg: ReleaseConfig,
    release: ReleaseState,
    env: str,
    operator: str,
    result: str,
    authors: Mapping[str, tuple[str, ...]],
) -> None:
    """A successful production deployment needs a tested release and, unless configured
    otherwise, an operator who is not the only developer of a change in it (职责分离).
    ``authors``: the commit authors of each change in the release."""
    if env not in cfg.production_environments or result != "success":
        return
    problems = []
    if cfg.require_test_before_production and not any(
        d.env in cfg.test_environments and d.result == "success" for d in release.deployments
    ):
        problems.append(
            f"{release.version} has no successful deployment to a test environment "
            f"({', '.join(cfg.test_environments)}) yet"
        )
    if cfg.operator_not_sole_developer:
        for rc in release.changes:
            people = {person_key(a) for a in authors.get(rc.change_id, ())}
            if people and people == {person_key(operator)}:
                problems.append(
                    f"{operator} is the only developer of {rc.change_id} and may not "
                    "deploy it to production (职责分离)"
                )
    if problems:
        raise WorkflowError(
            f"cannot record the {env} deployment of {release.version}: " + "; ".join(problems),
            rule="deployment_gate",
        )


def decide_rollback(
    release: ReleaseState,
    target: ReleaseState,
    env: str,
    site: str | None,
    running: list[SiteState],
) -> SiteState:
    """Where the rollback happens: ``release`` must run there (``running``: the sites of
    ``env`` where it runs) and ``target`` must have run there before."""
    if not running:
        raise WorkflowError(
            f"{release.version} is not what runs in {env}" + (f" at {site}" if site else ""),
            rule="rollback_target",
        )
    if len(running) > 1:
        raise UsageError(
            f"{release.version} runs in {env} at {', '.join(s.site for s in running)}",
            hint="pass --site",
        )
    where = running[0]
    if target.version not in where.history:
        raise WorkflowError(
            f"{target.version} was never deployed to {env} at {where.site}; "
            "a rollback restores a release that ran there before",
            rule="rollback_target",
        )
    return where


def closing(state: ChangeState) -> list[AnyEvent]:
    """The close that follows verification, unless an emergency change still lacks its
    retroactive approval or its post-implementation review."""
    if state.unapproved_emergency and (not state.approved or not state.pir.strip()):
        return []
    return [ChangeTransitioned(change_id=state.id, to="closed")]


def decide_verify(
    state: ChangeState, actor: str, requester_side: tuple[str, ...], note: str
) -> list[AnyEvent]:
    """Post-implementation verification by the requester side (its requester, or a person in
    ``requester_side``: the requesters and approvers roles); never by a developer of it."""
    if not (same_person(actor, state.fields.requester_person) or is_one_of(actor, requester_side)):
        raise WorkflowError(
            f"{actor} is not on the requester side of {state.id} (its requester, "
            "[roles] requesters or approvers)",
            rule="verifier_role",
        )
    if is_one_of(actor, state.authors):
        raise WorkflowError(
            f"{actor} developed {state.id} and may not verify it", rule="separation_of_duties"
        )
    events = decide_transition(state, "verified", reason=note)
    return events + closing(state.model_copy(update={"state": "verified"}))


def decide_review(state: ChangeState, text: str) -> list[AnyEvent]:
    """Record a post-implementation review (PIR); it closes a verified change."""
    if state.state in {"rejected", "withdrawn", "draft", "submitted", "approved"}:
        raise WorkflowError(
            f"{state.id} is {state.state}: nothing was implemented to review",
            rule="state_machine",
        )
    events: list[AnyEvent] = [ReviewRecorded(change_id=state.id, text=text)]
    if state.state == "verified":
        events += closing(state.model_copy(update={"pir": text}))
    return events


def decide_close(state: ChangeState) -> list[AnyEvent]:
    """verified → closed, once an emergency change has its retroactive approval and PIR."""
    if state.state == "verified" and not closing(state):
        missing = [
            w
            for w, ok in (
                ("a retroactive approval", state.approved),
                ("a post-implementation review (change review --pir)", bool(state.pir)),
            )
            if not ok
        ]
        raise WorkflowError(
            f"emergency change {state.id} cannot be closed without {' and '.join(missing)}",
            rule="emergency_close",
        )
    return decide_transition(state, "closed")


def apply_deployment_event(view: ProjectionView, appended: AppendedEvent) -> None:
    """Projection: the release's deployments, what runs where, and PIR text on a change."""
    event = appended.event
    if isinstance(event, ReviewRecorded):
        state = load_change(view, event.change_id)
        assert state is not None
        put_change(view, state.model_copy(update={"pir": event.text}), appended.seq)
        return
    release = load(view, "release", event.version, ReleaseState)
    assert release is not None
    if isinstance(event, DeploymentRecorded):
        ref = DeploymentRef(
            deployment_id=event.deployment_id,
            env=event.env,
            site=event.site,
            operator=event.operator,
            result=event.result,
            at=appended.at,
        )
        view.put("deployment", event.deployment_id, ref, appended.seq)
        view.put(
            "release",
            release.version,
            release.model_copy(update={"deployments": (*release.deployments, ref)}),
            appended.seq,
        )
        if event.result == "success":
            _set_site(view, event.env, event.site, event.version, appended.seq)
        return
    assert isinstance(event, RollbackRecorded)
    _set_site(view, event.env, event.site, event.to_version, appended.seq)


def apply_baseline_sites(view: ProjectionView, appended: AppendedEvent) -> None:
    """Projection: a baseline version runs at the sites it was imported for."""
    event = appended.event
    assert isinstance(event, ReleaseImported)
    for env, site in event.running:
        _set_site(view, env, site, event.version, appended.seq)


def _set_site(view: ProjectionView, env: str, site: str, version: str, seq: int) -> None:
    old = load(view, "site", site_key(env, site), SiteState)
    history = tuple(dict.fromkeys((*(old.history if old else ()), version)))
    view.put(
        "site",
        site_key(env, site),
        SiteState(env=env, site=site, current=version, history=history),
        seq,
    )
