"""``hischange deploy …``: deployments (部署), rollbacks (回退), and what runs where."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from hischange.cli.output import (
    actor_option,
    emit,
    example,
    format_option,
    open_project,
    resolve_actor,
    site_time,
)
from hischange.cli.render import deployment_line, local_time

if TYPE_CHECKING:
    from hischange.workflow.deployment import SiteRunning


@click.group(
    epilog=example(
        "hischange deploy record 3.3.0 --env test --site 总院 --operator ops@vendor "
        "--result success"
    )
)
def deploy() -> None:
    """Deployments (部署): record one, or a rollback (回退)."""


@deploy.command(
    "record",
    epilog=example(
        "hischange deploy record 3.3.0 --env production --site 总院 --operator ops@vendor "
        "--result success --bastion-session BH-20261120-07"
    ),
)
@click.argument("version")
@click.option("--env", required=True, help="Environment: test, staging, production (configurable).")
@click.option("--site", required=True, help="Site (院区), e.g. 总院.")
@click.option("--operator", required=True, help="Who performed it.")
@click.option("--result", type=click.Choice(["success", "failed", "rolled_back"]), required=True)
@click.option(
    "--window-start", help="Maintenance window (维护窗口) start, in site time ([site] timezone)."
)
@click.option("--window-end", help="Maintenance window end, in site time.")
@click.option(
    "--rollback-plan", default="", help="The rollback plan used (回退方案) or its reference."
)
@click.option("--bastion-session", help="Bastion host (堡垒机) session id, for remote work.")
@click.option("--session-opened", help="When the bastion session opened, in site time.")
@click.option("--session-closed", help="When the bastion session closed, in site time.")
@actor_option
@format_option()
def record(
    version: str,
    env: str,
    site: str,
    operator: str,
    result: str,
    window_start: str | None,
    window_end: str | None,
    rollback_plan: str,
    bastion_session: str | None,
    session_opened: str | None,
    session_closed: str | None,
    actor: str | None,
    fmt: str,
) -> None:
    """Record a deployment. Production needs an earlier successful test deployment of the
    same release, and an operator who is not the only developer of its changes."""
    from hischange.services.deployments import record_deployment, remote_session, utc_window

    state = record_deployment(
        open_project(),
        resolve_actor(actor),
        version,
        env=env,
        site=site,
        operator=operator,
        result=result,
        window=utc_window(
            site_time(window_start, "--window-start"), site_time(window_end, "--window-end")
        ),
        rollback_plan=rollback_plan,
        remote_session=remote_session(
            bastion_session,
            _iso(session_opened, "--session-opened"),
            _iso(session_closed, "--session-closed"),
        ),
    )
    emit(fmt, state, deployment_line)


@deploy.command(
    "rollback",
    epilog=example(
        'hischange deploy rollback 3.3.0 --env production --to 3.2.1 --reason "门诊挂号失败"'
    ),
)
@click.argument("version")
@click.option("--env", required=True, help="The environment rolled back.")
@click.option("--to", "to_version", required=True, help="The release restored.")
@click.option("--reason", required=True, help="Why (recorded).")
@click.option("--site", help="The site, when the release runs at several.")
@actor_option
@format_option()
def rollback(
    version: str,
    env: str,
    to_version: str,
    reason: str,
    site: str | None,
    actor: str | None,
    fmt: str,
) -> None:
    """Record a rollback (回退) to a release that ran there before.

    VERSION's changes become rolled_back and need a fresh ready and cut before any later release."""
    from hischange.services.deployments import rollback_release

    state = rollback_release(
        open_project(),
        resolve_actor(actor),
        version,
        env=env,
        to_version=to_version,
        reason=reason,
        site=site,
    )
    emit(fmt, state, lambda r: f"recorded the rollback of {r.version} in {env} to {to_version}")


@deploy.command("where", epilog=example("hischange deploy where --env production"))
@click.option("--env", help="Only this environment.")
@click.option("--site", help="Only this site (院区).")
@format_option()
def where(env: str | None, site: str | None, fmt: str) -> None:
    """What version runs where (运行版本).

    Per environment and site: the version, since when, and how it got there (deployment,
    rollback or baseline), with the versions before it."""
    from hischange.services.deployments import where_running

    emit(fmt, where_running(open_project(), env, site), _where_lines)


def _iso(text: str | None, option: str) -> str | None:
    """A bastion-session time typed in site time, kept as ISO 8601 UTC."""
    moment = site_time(text, option)
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _where_lines(sites: list[SiteRunning]) -> list[str]:
    if not sites:
        return ["nothing recorded as running yet (deploy record, or release import --running)"]
    return [
        f"{s.env}@{s.site}: {s.version} since {local_time(s.since)} by {s.by} "
        f"({s.how}); before: {', '.join(s.history[:-1]) or '-'}"
        for s in sites
    ]
