"""Deployments (部署): a release installed in an environment at a site, its rollback, and the
requester's verification that closes each change."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from hischange.errors import UsageError, WorkflowError
from hischange.events import (
    AnyEvent,
    ChangeTransitioned,
    DeploymentRecorded,
    ReviewRecorded,
    RollbackRecorded,
)
from hischange.project import Project
from hischange.services.changes import get_change, refuse, run_change_command
from hischange.services.releases import DeploymentRef, ReleaseState, get_release
from hischange.store import AppendedEvent, ProjectionView, WriteTx
from hischange.workflow.change import ChangeState, decide_transition
from hischange.workflow.projector import project
from hischange.workflow.state import load, load_change, put_change

__all__ = [
    "SiteState",
    "apply_deployment_event",
    "close_change",
    "record_deployment",
    "record_review",
    "remote_session",
    "rollback_release",
    "utc_window",
    "verify_change",
]


class SiteState(BaseModel):
    """What runs in one environment at one site (院区), and what ran there before."""

    model_config = ConfigDict(frozen=True)

    env: str
    site: str
    current: str
    history: tuple[str, ...]


def utc_window(
    start: datetime | None, end: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """A maintenance window as UTC times (naive input is taken as UTC); start before end."""
    fixed = tuple(None if t is None else t.replace(tzinfo=t.tzinfo or UTC) for t in (start, end))
    if fixed[0] and fixed[1] and fixed[1] < fixed[0]:
        raise UsageError(f"the window ends ({end}) before it starts ({start})")
    return fixed[0], fixed[1]


def remote_session(
    session: str | None, opened: str | None, closed: str | None
) -> dict[str, str] | None:
    """The bastion-host session record (等保 8.1.10.6), or None for on-site work."""
    if not session:
        if opened or closed:
            raise UsageError("--session-opened/--session-closed need --bastion-session")
        return None
    return {"session_id": session, "opened": opened or "", "closed": closed or ""}


def _site_key(env: str, site: str) -> str:
    return f"{env}|{site}"


def _check_env(proj: Project, env: str) -> None:
    allowed = proj.config.release.environments
    if env not in allowed:
        raise UsageError(f"unknown environment {env!r}; configured: {', '.join(allowed)}")


def record_deployment(
    proj: Project,
    actor: str,
    version: str,
    *,
    env: str,
    site: str,
    operator: str,
    result: str,
    window: tuple[datetime | None, datetime | None] = (None, None),
    rollback_plan: str = "",
    remote_session: dict[str, str] | None = None,
) -> ReleaseState:
    """Record a deployment; production needs a tested release and a second pair of hands."""
    cfg = proj.config.release
    release = get_release(proj, version)
    _check_env(proj, env)
    problems = []
    if env in cfg.production_environments and result == "success":
        if cfg.require_test_before_production and not any(
            d.env in cfg.test_environments and d.result == "success" for d in release.deployments
        ):
            problems.append(
                f"{release.version} has no successful deployment to a test environment "
                f"({', '.join(cfg.test_environments)}) yet"
            )
        if cfg.operator_not_sole_developer:
            for rc in release.changes:
                authors = {a.casefold() for a in get_change(proj, rc.change_id).authors}
                if authors and authors == {operator.casefold()}:
                    problems.append(
                        f"{operator} is the only developer of {rc.change_id} and may not "
                        "deploy it to production (职责分离)"
                    )
    if problems:
        raise refuse(
            proj,
            actor,
            "deploy record",
            release.version,
            WorkflowError(
                f"cannot record the {env} deployment of {release.version}: " + "; ".join(problems),
                rule="deployment_gate",
            ),
        )
    with proj.store.write(project) as tx:
        number = len(tx.keys("deployment")) + 1
        events: list[AnyEvent] = [
            DeploymentRecorded(
                deployment_id=f"DP-{number:05d}",
                version=release.version,
                env=env,
                site=site,
                operator=operator,
                result=result,  # type: ignore[arg-type]
                window_start=window[0],
                window_end=window[1],
                rollback_plan=rollback_plan,
                remote_session=remote_session,
                change_ids=tuple(c.change_id for c in release.changes),
            )
        ]
        if env in cfg.production_environments and result == "success":
            events += _moves(tx, release, "released", "deployed")
        tx.append(actor, events)
    return get_release(proj, release.version)


def _moves(tx: WriteTx, release: ReleaseState, frm: str, to: str) -> list[AnyEvent]:
    out: list[AnyEvent] = []
    for rc in release.changes:
        state = load_change(tx, rc.change_id)
        if state is not None and state.state in frm.split("|"):
            out.append(ChangeTransitioned(change_id=state.id, to=to, ref=release.version))
    return out


def rollback_release(
    proj: Project,
    actor: str,
    version: str,
    *,
    env: str,
    to_version: str,
    reason: str,
    site: str | None = None,
) -> ReleaseState:
    """Record that ``to_version`` was restored in place of ``version``; its changes return to
    ``rolled_back`` and must be made ready and cut again before any later release."""
    release = get_release(proj, version)
    target = get_release(proj, to_version)
    _check_env(proj, env)
    if not reason.strip():
        raise UsageError("a rollback needs a reason", hint='pass --reason "医保结算异常"')
    sites = [
        SiteState.model_validate(s)
        for s in proj.store.aggregates_of("site")
        if s["env"] == env and (site is None or s["site"] == site)
    ]
    running = [s for s in sites if s.current == release.version]
    if not running:
        raise refuse(
            proj,
            actor,
            "deploy rollback",
            release.version,
            WorkflowError(
                f"{release.version} is not what runs in {env}" + (f" at {site}" if site else ""),
                rule="rollback_target",
            ),
        )
    if len(running) > 1:
        raise UsageError(
            f"{release.version} runs in {env} at {', '.join(s.site for s in running)}",
            hint="pass --site",
        )
    where = running[0]
    if target.version not in where.history:
        raise refuse(
            proj,
            actor,
            "deploy rollback",
            release.version,
            WorkflowError(
                f"{target.version} was never deployed to {env} at {where.site}; "
                "a rollback restores a release that ran there before",
                rule="rollback_target",
            ),
        )
    with proj.store.write(project) as tx:
        event = RollbackRecorded(
            version=release.version,
            env=env,
            site=where.site,
            to_version=target.version,
            reason=reason,
            change_ids=tuple(c.change_id for c in release.changes),
        )
        tx.append(actor, [event, *_moves(tx, release, "released|deployed", "rolled_back")])
    return get_release(proj, release.version)


def _requester_side(proj: Project, state: ChangeState, actor: str) -> bool:
    who = actor.casefold()
    side = {r.casefold() for r in (*proj.config.roles.requesters, *proj.config.roles.approvers)}
    return who == state.fields.requester_person.casefold() or who in side


def _closing(state: ChangeState) -> list[AnyEvent]:
    if state.unapproved_emergency and (not state.approved or not state.pir.strip()):
        return []
    return [ChangeTransitioned(change_id=state.id, to="closed")]


def verify_change(proj: Project, actor: str, change_id: str, note: str = "") -> ChangeState:
    """Post-implementation verification by the requester side: deployed → verified, then
    closed (an emergency change needs a retroactive approval and a PIR first)."""

    def decide(state: ChangeState, _tx: WriteTx) -> list[AnyEvent]:
        if not _requester_side(proj, state, actor):
            raise WorkflowError(
                f"{actor} is not on the requester side of {state.id} (its requester, "
                "[roles] requesters or approvers)",
                rule="verifier_role",
            )
        if actor.casefold() in {a.casefold() for a in state.authors}:
            raise WorkflowError(
                f"{actor} developed {state.id} and may not verify it", rule="separation_of_duties"
            )
        events = decide_transition(state, "verified", reason=note)
        return events + _closing(state.model_copy(update={"state": "verified"}))

    return run_change_command(proj, actor, "change verify", change_id, decide)


def record_review(proj: Project, actor: str, change_id: str, text: str) -> ChangeState:
    """Record a post-implementation review (PIR, 实施后评审); closes a verified change."""
    if not text.strip():
        raise UsageError("a post-implementation review needs text", hint="pass --pir TEXT")

    def decide(state: ChangeState, _tx: WriteTx) -> list[AnyEvent]:
        if state.state in {"rejected", "withdrawn", "draft", "submitted", "approved"}:
            raise WorkflowError(
                f"{state.id} is {state.state}: nothing was implemented to review",
                rule="state_machine",
            )
        events: list[AnyEvent] = [ReviewRecorded(change_id=state.id, text=text)]
        if state.state == "verified":
            events += _closing(state.model_copy(update={"pir": text}))
        return events

    return run_change_command(proj, actor, "change review", change_id, decide)


def close_change(proj: Project, actor: str, change_id: str) -> ChangeState:
    """verified → closed, once an emergency change has its retroactive approval and PIR."""

    def decide(state: ChangeState, _tx: WriteTx) -> list[AnyEvent]:
        if state.state == "verified" and not _closing(state):
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

    return run_change_command(proj, actor, "change close", change_id, decide)


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


def _set_site(view: ProjectionView, env: str, site: str, version: str, seq: int) -> None:
    old = load(view, "site", _site_key(env, site), SiteState)
    history = tuple(dict.fromkeys((*(old.history if old else ()), version)))
    view.put(
        "site",
        _site_key(env, site),
        SiteState(env=env, site=site, current=version, history=history),
        seq,
    )
