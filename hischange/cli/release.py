"""``hischange release …`` and ``artifact verify``: versions (版本) and artifacts (制品)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hischange.cli.output import (
    actor_option,
    emit,
    example,
    format_option,
    open_project,
    resolve_actor,
)
from hischange.cli.render import counted, local_time, release_lines
from hischange.errors import GateFailed

if TYPE_CHECKING:
    from hischange.workflow.release import CutPlan, ReleaseState


@click.group(epilog=example("hischange release cut --from v3.2.0"))
def release() -> None:
    """Releases (版本): cut, show, list, notes, attach artifacts."""


@release.command("cut", epilog=example("hischange release cut --from v3.2.0 --to HEAD"))
@click.argument("version", required=False)
@click.option("--from", "from_ref", required=True, help="The previous release's tag (v3.2.0).")
@click.option(
    "--to", "to_ref", default="HEAD", show_default=True, help="The last commit to release."
)
@click.option("--allow-dirty", is_flag=True, help="Cut despite uncommitted changes (recorded).")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the version, the changes and every problem that would refuse the cut; write "
    "nothing (no tag, no event). Exit 1 when the cut would be refused.",
)
@actor_option
@format_option()
def cut(
    version: str | None,
    from_ref: str,
    to_ref: str,
    allow_dirty: bool,
    dry_run: bool,
    actor: str | None,
    fmt: str,
) -> None:
    """Cut a release of FROM..TO, and tag it.

    Every commit must belong to an approved change, each change must be ready (approved,
    passing current evidence, its SQL approved at its current SHA-256). VERSION is chosen
    from the changes when omitted. Tags v<VERSION>."""
    from hischange.services.releases import cut_release, plan_release

    project = open_project()
    if dry_run:
        plan = plan_release(project, from_ref, to_ref, version, allow_dirty)
        emit(fmt, plan, _plan_lines)
        if plan.would_refuse:
            raise GateFailed(f"release cut would be refused: {len(plan.problems)} problem(s)")
        return
    state = cut_release(project, resolve_actor(actor), from_ref, to_ref, version, allow_dirty)
    emit(fmt, state, release_lines)


def _plan_lines(plan: CutPlan) -> list[str]:
    verdict = "WOULD BE REFUSED" if plan.would_refuse else "would be cut"
    lines = [
        f"dry run (试运行), nothing written: release {plan.version} ({plan.tag}) of {plan.range} "
        f"{verdict}",
        f"  version: {plan.bump_reason}",
        f"  {plan.commits} commit(s); changes: {', '.join(plan.changes) or 'none'}",
    ]
    lines += [f"  problem: {p}" for p in plan.problems]
    return lines


def _env_site(value: str) -> tuple[str, str]:
    env, sep, site = value.partition(":")
    if not sep or not env.strip() or not site.strip():
        raise click.BadParameter(f"{value!r} is not ENV:SITE (e.g. production:总院)")
    return env.strip(), site.strip()


@release.command(
    "import", epilog=example("hischange release import 3.2.0 --running production:总院")
)
@click.argument("version")
@click.option("--tag", help="Its git tag (default: v<VERSION> when the repository has it).")
@click.option("--commit", help="Its commit, when there is no tag.")
@click.option(
    "--artifact",
    "artifacts",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A delivered package of it (recorded by SHA-256); repeatable.",
)
@click.option(
    "--running",
    multiple=True,
    metavar="ENV:SITE",
    help="Where it runs now, e.g. production:总院; repeatable.",
)
@click.option("--note", default="", help="Where the facts come from (recorded).")
@actor_option
@format_option()
def import_(
    version: str,
    tag: str | None,
    commit: str | None,
    artifacts: tuple[Path, ...],
    running: tuple[str, ...],
    note: str,
    actor: str | None,
    fmt: str,
) -> None:
    """Register a version that ran before hischange (版本基线) as a release.

    Its tag, artifacts, and where it runs, so a later rollback can restore it. Adopting
    hischange in the middle of a contract starts here."""
    from hischange.services.releases import import_release

    state = import_release(
        open_project(),
        resolve_actor(actor),
        version,
        tag=tag,
        commit=commit,
        artifacts=list(artifacts),
        running=[_env_site(v) for v in running],
        note=note,
    )
    emit(fmt, state, _show_lines)


@release.command("show", epilog=example("hischange release show 3.3.0"))
@click.argument("version")
@format_option()
def show(version: str, fmt: str) -> None:
    """Show a release record.

    Its changes, commits, SQL, evidence, artifacts, deployments with their maintenance
    window and bastion session, and rollbacks (回退)."""
    from hischange.services.deployments import show_release

    emit(fmt, show_release(open_project(), version), _show_lines)


def _stamp(text: str | None) -> str:
    """A recorded bastion-session time in site time (older records keep what was typed)."""
    if not text:
        return "?"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return local_time(moment) if moment.tzinfo else text


def _show_lines(r: ReleaseState) -> list[str]:
    lines = list(release_lines(r))
    for d in r.deployments:
        if d.window_start or d.window_end:
            start = local_time(d.window_start) if d.window_start else "?"
            end = local_time(d.window_end) if d.window_end else "?"
            lines.append(f"  {d.deployment_id} maintenance window (维护窗口) {start} – {end}")
        if d.remote_session:
            rs = d.remote_session
            lines.append(
                f"  {d.deployment_id} bastion session (堡垒机会话) {rs.get('session_id', '')} "
                f"opened {_stamp(rs.get('opened'))} closed {_stamp(rs.get('closed'))}"
            )
        if d.rolled_back_to:
            lines.append(f"  {d.deployment_id} rolled back (已回退) to {d.rolled_back_to}")
    for rb in r.rollbacks:
        lines.append(
            f"  rollback (回退) {rb.env}@{rb.site} to {rb.to_version} by {rb.by} "
            f"{local_time(rb.at)}: {rb.reason}"
        )
    return lines


@release.command("list", epilog=example("hischange release list --format json"))
@format_option()
def list_(fmt: str) -> None:
    """List releases, oldest first."""
    from hischange.services.releases import list_releases

    emit(
        fmt,
        list_releases(open_project()),
        lambda rs: (
            [
                f"{r.version:<14} {local_time(r.cut_at)}  "
                f"{counted(len(r.changes), 'change')} {r.tag}"
                for r in rs
            ]
            or ["no releases"]
        ),
    )


@release.command(
    "notes", epilog=example("hischange release notes 3.3.0 --format html --lang en > notes.html")
)
@click.argument("version")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "json"]),
    default="md",
    show_default=True,
    help="Markdown, HTML, or the notes' data as JSON.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="zh: 简体中文; en: English.",
)
def notes(version: str, fmt: str, lang: str) -> None:
    """Release notes (发布说明), zh-CN or English.

    Grouped by kind, with billing counts, SQL review state and the ledger head."""
    from hischange.outputs.notes import render_notes
    from hischange.services.changes import get_change
    from hischange.services.releases import get_release

    project = open_project()
    state = get_release(project, version)
    changes = {c.change_id: get_change(project, c.change_id) for c in state.changes}
    if fmt == "json":
        emit("json", {"release": state, "changes": changes}, str)
        return
    site = project.config.site
    click.echo(render_notes(state, changes, fmt=fmt, lang=lang, site=site), nl=False)  # type: ignore[arg-type]


@release.command(
    "attach", epilog=example("hischange release attach 3.3.0 dist/his-outpatient-3.3.0.war")
)
@click.argument("version")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@actor_option
@format_option()
def attach(version: str, files: tuple[Path, ...], actor: str | None, fmt: str) -> None:
    """Record delivered packages of a release by SHA-256, size and name."""
    from hischange.services.artifacts import attach_artifacts

    state = attach_artifacts(open_project(), resolve_actor(actor), version, list(files))
    emit(fmt, state, release_lines)


@click.group(epilog=example("hischange artifact verify his-outpatient.war"))
def artifact() -> None:
    """Artifacts (制品): check a delivered file against the releases."""


@artifact.command(
    "verify", epilog=example("hischange artifact verify /opt/his/webapps/his-outpatient.war")
)
@click.argument("file", type=click.Path(path_type=Path))
@format_option()
def verify(file: Path, fmt: str) -> None:
    """Which release FILE belongs to, by SHA-256.

    Prints its releases and changes; exit 1 with "not a released artifact" when it belongs
    to none."""
    from hischange.services.artifacts import verify_artifact

    match = verify_artifact(open_project(), file)
    emit(
        fmt,
        match,
        lambda m: (
            f"{file.name}: released artifact of {', '.join(m.releases)} "
            f"(changes {', '.join(m.changes)}), sha256 {m.sha256}"
        ),
    )
