"""Deployments (部署): a release installed in an environment at a site, its rollback, and the
requester's verification that closes each change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

from hischange.errors import UsageError, WorkflowError
from hischange.events import (
    AnyEvent,
    ChangeTransitioned,
    DeploymentRecorded,
    RollbackRecorded,
    parse_event,
)
from hischange.ids import DEPLOYMENT_ID, next_yearly_id
from hischange.ledger import AppendedEvent
from hischange.project import Project
from hischange.services.changes import get_change, refuse, run_change_command
from hischange.services.releases import get_release
from hischange.services.trust import effective_roles
from hischange.store import WriteTx
from hischange.workflow.change import ChangeState
from hischange.workflow.deployment import (
    SiteRunning,
    SiteState,
    decide_close,
    decide_deploy,
    decide_review,
    decide_rollback,
    decide_verify,
    running_where,
    with_history,
)
from hischange.workflow.projector import project
from hischange.workflow.release import ReleaseState
from hischange.workflow.state import load_change

__all__ = [
    "close_change",
    "record_deployment",
    "record_review",
    "remote_session",
    "rollback_release",
    "show_release",
    "utc_window",
    "verify_change",
    "where_running",
]

#: The event types that say what runs where.
_DEPLOY_TYPES = frozenset({"deployment_recorded", "rollback_recorded", "release_imported"})


def _deploy_events(proj: Project, change_id: str | None = None) -> Iterator[AppendedEvent]:
    """Deployment, rollback and baseline events in ledger order (of one change, when given:
    the store indexes events by change, so a release's history is read without a full scan)."""
    for row in proj.store.stored_events(change_id=change_id):
        if row.type in _DEPLOY_TYPES:
            doc = json.loads(row.body)
            at = datetime.fromisoformat(doc["at"])
            event = parse_event(doc["event"])
            yield AppendedEvent.of(row.seq, at, row.actor, row.prev_hash, row.hash, event)


def show_release(proj: Project, version: str) -> ReleaseState:
    """One release record with its deployments' windows, bastion sessions and rollbacks
    (``release show``)."""
    release = get_release(proj, version)
    first = release.changes[0].change_id if release.changes else None
    return with_history(release, _deploy_events(proj, first))


def where_running(
    proj: Project, env: str | None = None, site: str | None = None
) -> list[SiteRunning]:
    """What version runs where (per environment and site), since when and how."""
    return [
        s
        for s in running_where(_deploy_events(proj))
        if (env is None or s.env == env) and (site is None or s.site == site)
    ]


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
    authors = {rc.change_id: get_change(proj, rc.change_id).authors for rc in release.changes}
    try:
        decide_deploy(cfg, release, env, operator, result, authors)
    except WorkflowError as refusal:
        raise refuse(proj, actor, "deploy record", release.version, refusal) from None
    with proj.store.write(project) as tx:
        year = tx.now.year
        taken = tx.keys("deployment", f"DP-{year}-")
        events: list[AnyEvent] = [
            DeploymentRecorded(
                deployment_id=next_yearly_id(DEPLOYMENT_ID, "DP", year, taken),
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
    try:
        where = decide_rollback(release, target, env, site, running)
    except WorkflowError as refusal:
        raise refuse(proj, actor, "deploy rollback", release.version, refusal) from None
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


def verify_change(proj: Project, actor: str, change_id: str, note: str = "") -> ChangeState:
    """Post-implementation verification by the requester side: deployed → verified, then
    closed (an emergency change needs a retroactive approval and a PIR first)."""
    roles = effective_roles(proj)
    side = (*roles.requesters, *roles.approvers)

    def decide(state: ChangeState, _tx: WriteTx) -> list[AnyEvent]:
        return decide_verify(state, actor, side, note)

    return run_change_command(proj, actor, "change verify", change_id, decide)


def record_review(proj: Project, actor: str, change_id: str, text: str) -> ChangeState:
    """Record a post-implementation review (PIR, 实施后评审); closes a verified change."""
    if not text.strip():
        raise UsageError("a post-implementation review needs text", hint="pass --pir TEXT")

    def decide(state: ChangeState, _tx: WriteTx) -> list[AnyEvent]:
        return decide_review(state, text)

    return run_change_command(proj, actor, "change review", change_id, decide)


def close_change(proj: Project, actor: str, change_id: str) -> ChangeState:
    """verified → closed, once an emergency change has its retroactive approval and PIR."""

    def decide(state: ChangeState, _tx: WriteTx) -> list[AnyEvent]:
        return decide_close(state)

    return run_change_command(proj, actor, "change close", change_id, decide)
