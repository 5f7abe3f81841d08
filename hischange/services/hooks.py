"""The commit-msg hook: refuse a message whose change is missing, unknown, not
implementable, or written so that git would not parse it as a trailer."""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from hischange import vcs
from hischange.errors import NotFoundError, UsageError
from hischange.files import read_regular
from hischange.project import Project
from hischange.services.custody_links import (
    external_mentions,
    external_shapes,
    subject_patterns,
)
from hischange.workflow.change import ChangeState
from hischange.workflow.custody import IMPLEMENTABLE

__all__ = ["HookVerdict", "check_commit_message", "install_commit_hook"]

#: The largest commit message the hook reads (1 MiB): git's own editors write far less.
MAX_MESSAGE_BYTES = 1024 * 1024


class HookVerdict(BaseModel):
    """Whether a commit message may be committed, and why not."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    change_ids: tuple[str, ...]
    problems: tuple[str, ...]
    suggested_message: str | None


def install_commit_hook(proj: Project, *, force: bool, outside: bool = False) -> Path:
    """Install the commit-msg hook in the project's clone.

    The hook runs ``hischange`` from PATH, else this installation's Python (recorded in the
    hook: git runs hooks without the virtualenv on PATH); when both are gone (a moved or
    recreated virtualenv) it fails saying how to fix it.
    """
    return vcs.install_hook(
        vcs.open_repo(proj.root),
        command="hischange",
        force=force,
        fallback_python=sys.executable,
        outside=outside,
    )


def check_commit_message(proj: Project, message_file: Path) -> HookVerdict:
    """Check a commit message file as git's commit-msg hook receives it."""
    raw = read_regular(message_file, "commit message file", max_bytes=MAX_MESSAGE_BYTES)
    message = raw.decode("utf-8", errors="replace")
    try:
        repo: vcs.GitRepository | None = vcs.open_repo(proj.root)
    except (NotFoundError, UsageError):
        repo = None
    keys = proj.config.custody.trailer_keys
    check = vcs.check_message(message, keys, repo=repo, subject_patterns=subject_patterns(proj))
    # external ids ([custody] external_ids) name the change carrying them, as in the scan
    subject = message.lstrip("\n").split("\n", 1)[0]
    links = vcs.CommitLinks(
        sha="", links=(), unparsed_mentions=(), invalid_values=check.invalid_values
    )
    refs, left = external_mentions(links, subject, external_shapes(proj))
    change_ids = list(check.change_ids)
    problems = [m.explanation for m in check.unparsed_mentions]
    for ref, _via in refs:
        owner = (proj.reader.aggregate("extref", ref) or {}).get("change_id")
        if owner:
            change_ids.append(owner)
        else:
            problems.append(f"{ref} is the reference of no registered change (change new --ref)")
    check = check.model_copy(update={"change_ids": tuple(dict.fromkeys(change_ids))})
    problems += [f"{b.key}: {b.value!r} is not a change id (CR-YYYY-NNNN)" for b in left]
    if not check.change_ids and not problems:
        problems.append(
            f"the message names no change: end it with a paragraph `{keys[0]}: CR-YYYY-NNNN`"
        )
    for cid in check.change_ids:
        data = proj.reader.aggregate("change", cid)
        if data is None:
            problems.append(f"{cid} is not a registered change (hischange change list)")
            continue
        state = ChangeState.model_validate(data)
        emergency = state.fields.emergency and state.unapproved_emergency
        if state.approval_stale and not emergency:
            problems.append(
                f"{cid}'s approval is stale: the request was edited after approval; ask a "
                f"reviewer to approve {cid} again"
            )
        elif (state.state not in IMPLEMENTABLE or not state.approved) and not emergency:
            problems.append(f"{cid} is {state.state}: only approved changes may be implemented")
    suggestion = check.suggested_message
    if problems and suggestion is None:
        body = message.rstrip("\n")
        suggestion = f"{body}\n\n{keys[0]}: CR-YYYY-NNNN\n"
    return HookVerdict(
        ok=not problems,
        change_ids=check.change_ids,
        problems=tuple(problems),
        suggested_message=suggestion if problems else None,
    )
