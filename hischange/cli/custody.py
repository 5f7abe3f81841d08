"""``hischange custody …`` and ``hischange hook …``: code custody (程序保管)."""

from __future__ import annotations

import json
import sys
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
from hischange.errors import GateFailed, IntegrityError
from hischange.workflow.words import counted

if TYPE_CHECKING:
    from hischange.project import Project
    from hischange.services.custody_scan import ScanResult


@click.group(epilog=example("hischange custody check v3.2.0..HEAD"))
def custody() -> None:
    """Code custody (程序保管): every commit that reaches a hospital belongs to an approved
    change, and what was recorded is still there."""


def _warn_shallow(shallow: bool) -> None:
    if shallow:
        click.echo(
            "warning: this is a shallow clone: history is incomplete and the result is "
            "unreliable (git fetch --unshallow)",
            err=True,
        )


@custody.command("scan", epilog=example("hischange custody scan v3.2.0..HEAD"))
@click.argument("rev_range", metavar="RANGE")
@actor_option
@click.option(
    "--full",
    is_flag=True,
    help="Read the whole range from git, even the part an earlier scan of it already read.",
)
@format_option()
def scan(rev_range: str, actor: str | None, full: bool, fmt: str) -> None:
    """Link the range's commits to their changes and record the links.

    A commit names its change by the trailer `HIS-Change: CR-…` or a configured subject
    pattern. Scanning again records nothing new, and asks
    git only for the commits added since the last scan of the same range start."""
    project = open_project()
    who = resolve_actor(actor)
    # A first scan allocates millions of short-lived objects that form no reference cycles;
    # the collector's passes over them were about a fifth of its time (see collector.py).
    from hischange.store.collector import collector_paused

    with collector_paused():
        result = _scan(project, who, rev_range, full)
    _warn_shallow(result.shallow)
    from hischange.cli.render import scan_lines

    emit(fmt, result, scan_lines)


def _scan(project: Project, who: str, rev_range: str, full: bool) -> ScanResult:
    # custody_scan, not custody: the scan does not need the gate's domain modules
    from hischange import vcs
    from hischange.services.custody_scan import scan_range

    if not sys.stderr.isatty():
        return scan_range(project, who, rev_range, full=full)
    total = vcs.count_commits(vcs.open_repo(project.root), rev_range)
    with click.progressbar(length=total, label="scanning commits", file=sys.stderr) as bar:
        done = [0]

        def tick(n: int) -> None:
            bar.update(n - done[0])
            done[0] = n

        return scan_range(project, who, rev_range, progress=tick, full=full)


@custody.command("check", epilog=example("hischange custody check v3.2.0..HEAD --format sarif"))
@click.argument("rev_range", metavar="RANGE")
@format_option("sarif")
def check(rev_range: str, fmt: str) -> None:
    """The gate: every commit belongs to an approved change.

    Exit 1 and list violations when a commit names no change, an unknown one, an unapproved
    one, or a change id git will not parse as a trailer."""
    from hischange import __version__
    from hischange.outputs.sarif import custody_sarif
    from hischange.services import custody as lib

    report = lib.check_range(open_project(), rev_range)
    _warn_shallow(report.shallow)
    if fmt == "sarif":
        click.echo(json.dumps(custody_sarif(report, __version__), ensure_ascii=False, indent=2))
    else:
        from hischange.cli.render import custody_lines

        emit(fmt, report, custody_lines)
    if not report.ok:
        raise GateFailed(f"custody check failed for {rev_range}", reported=True)


@custody.command("verify", epilog=example("hischange custody verify"))
@format_option()
def verify(fmt: str) -> None:
    """Check that every linked commit is still in protected history.

    Every commit ever linked must exist and be reachable from the protected refs (tags and
    the main branch by default). A force-push that dropped a linked commit exits 4."""
    from hischange.services import custody as lib

    report = lib.verify_custody(open_project())
    _warn_shallow(report.shallow)
    from hischange.cli.render import missing_lines

    emit(fmt, report, missing_lines)
    if report.rewritten:
        raise IntegrityError(
            f"{counted(len(report.rewritten), 'linked commit')} missing from protected history"
        )
    if report.missing:  # only what a shallow clone does not hold: unverified, not rewritten
        raise GateFailed(
            f"{counted(len(report.missing), 'linked commit')} beyond the shallow boundary of "
            "this clone: not verified",
            hint="run `git fetch --unshallow` and verify again",
        )


@custody.command(
    "supersede",
    epilog=example(
        'hischange custody supersede 3f2a9c1d --by 8e41b07a --reason "squash-merged as 8e41b07a"'
    ),
)
@click.argument("old", nargs=-1, required=True, metavar="OLD...")
@click.option(
    "--by", "by", required=True, metavar="NEW", help="The commit that carries their work."
)
@click.option(
    "--reason", required=True, help="Why (recorded), e.g. squash merge of the feature branch."
)
@actor_option
@format_option()
def supersede(old: tuple[str, ...], by: str, reason: str, actor: str | None, fmt: str) -> None:
    """Record what replaced linked commits after a rebase or squash.

    Linked commits that history lost live on in NEW.
    `custody verify` lists the missing commits and likely replacements; after this it checks
    NEW in their place. The event names their changes, so `audit trace` shows it."""
    from hischange.services import custody as lib

    event = lib.supersede_commits(open_project(), resolve_actor(actor), old, by, reason)
    emit(
        fmt,
        event,
        lambda e: (
            f"{counted(len(e.old), 'linked commit')} of {', '.join(e.change_ids)} superseded "
            f"by {e.by[:12]}"
        ),
    )


@click.group(epilog=example("hischange hook install"))
def hook() -> None:
    """The commit-msg hook that refuses messages without a valid change id."""


@hook.command("install", epilog=example("hischange hook install --force"))
@click.option("--force", is_flag=True, help="Replace a commit-msg hook not written by hischange.")
@click.option(
    "--global",
    "outside",
    is_flag=True,
    help="Install into a core.hooksPath outside the repository (shared by other repositories).",
)
def install(force: bool, outside: bool) -> None:
    """Install the commit-msg hook in this clone.

    Respects core.hooksPath. `git commit --no-verify` stays the escape hatch; `custody check`
    still catches what slipped."""
    from hischange.services.hooks import install_commit_hook

    path = install_commit_hook(open_project(), force=force, outside=outside)
    click.echo(f"installed {path}")


@hook.command("check-msg", epilog=example("hischange hook check-msg .git/COMMIT_EDITMSG"))
@click.argument("message_file", type=click.Path(path_type=Path))
@click.option(
    "--cleanup",
    type=click.Choice(["strip", "whitespace", "verbatim", "scissors", "default"]),
    default=None,
    help="git's cleanup mode for this message (default: what git uses for the commit "
    "being made: --cleanup, commit.cleanup, -m/-F or editor).",
)
@format_option()
def check_msg(message_file: Path, cleanup: str | None, fmt: str) -> None:
    """Check a commit message file (what the hook runs). Exit 1 with the corrected message
    when it names no change, an unknown or unapproved one, or one git will not parse.

    The message is read as git will store it, and decided as `custody check` decides.
    Inside a linked `git worktree` the main worktree's project is used."""
    from hischange.errors import NotFoundError
    from hischange.services.hooks import check_commit_message, hook_project

    root = click.get_current_context().find_root()
    given = root.obj.get("project_dir") if isinstance(root.obj, dict) else None
    try:
        found = open_project()
    except NotFoundError:
        found = None
    # git runs the hook at the top of the worktree being committed to; --project names it
    where = Path(given) if given else Path.cwd()
    proj = hook_project(found, where)
    verdict = check_commit_message(proj, message_file, where=where, cleanup=cleanup)
    if fmt == "json":
        emit(fmt, verdict, lambda v: [])
    else:
        lines = [f"hischange: {n}" for n in verdict.notes if verdict.ok]
        if not verdict.ok:
            lines += [
                "hischange: commit refused (提交被拒绝):",
                *[f"  - {p}" for p in verdict.problems],
                *[f"  - {n}" for n in verdict.notes],
            ]
            if verdict.suggested_message is not None:
                lines += [
                    "write the message like this (git keeps it as shown):",
                    "",
                    verdict.suggested_message,
                ]
        if lines:
            # git shows the hook's output as it is: in the commit encoding
            text = "\n".join(lines) + "\n"
            click.echo(text.encode(verdict.encoding, "replace"), nl=False)
    if not verdict.ok:
        raise GateFailed("the commit message does not name an implementable change", reported=True)
