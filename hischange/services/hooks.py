"""The commit-msg hook: refuse a message whose change is missing, unknown, not
implementable, or written so that git would not parse it as a trailer."""

from __future__ import annotations

import fnmatch
import sys
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from hischange import vcs
from hischange.config import STATE_DIR
from hischange.errors import NotFoundError, UsageError
from hischange.files import read_regular
from hischange.project import Project
from hischange.services.custody_links import (
    Judge,
    NamedStates,
    linked_reverts,
    state_dir_in_repo,
    subject_patterns,
)
from hischange.workflow.custody import is_adoption, reverted_commit

__all__ = ["HookVerdict", "check_commit_message", "hook_project", "install_commit_hook"]

#: The largest commit message the hook reads (1 MiB): git's own editors write far less.
MAX_MESSAGE_BYTES = 1024 * 1024


class HookVerdict(BaseModel):
    """Whether a commit message may be committed, and why not."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    change_ids: tuple[str, ...]
    problems: tuple[str, ...]
    suggested_message: str | None
    #: what passed without a change, warnings, and other ways out
    notes: tuple[str, ...] = ()
    #: the commit encoding (``i18n.commitEncoding``): the hook prints in it
    encoding: str = "utf-8"
    #: the cleanup mode git applies to this commit's message
    cleanup: str = "strip"


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


def hook_project(found: Project | None, where: Path) -> Project:
    """The project a hook run at ``where`` belongs to: in a linked ``git worktree``, the main
    worktree's (its ``.hischange/`` holds the store; the linked one has at most the
    committed config), so no empty store is left in the worktree; else ``found``."""
    try:
        repo = vcs.open_plain(where)
    except (NotFoundError, UsageError):
        repo = None
    if repo is not None:
        main = vcs.main_worktree(repo)
        mine = found is not None and main is not None and found.root.resolve() == main.resolve()
        if main is not None and (main / STATE_DIR).is_dir() and not mine:
            return Project(main)
    if found is None:
        raise NotFoundError(
            f"no hischange project at or above {where} (no {STATE_DIR}/ folder)",
            hint="run `hischange init` at the top of the repository",
        )
    return found


def _protected_branch(branch: str | None, patterns: tuple[str, ...]) -> bool:
    # git for-each-ref's pattern rule: a glob, or the name up to a slash
    if branch is None:
        return False
    return any(
        fnmatch.fnmatchcase(branch, p) or branch == p or branch.startswith(p.rstrip("/") + "/")
        for p in patterns
    )


def _pending(
    proj: Project, repo: vcs.GitRunner | None, raw: bytes, cleanup: str | None
) -> vcs.PendingCommit:
    if repo is not None:
        return vcs.pending_commit(repo, raw, cleanup=cleanup)
    mode = cleanup or "strip"
    text = raw.decode("utf-8", "replace")
    return vcs.PendingCommit(
        message=vcs.cleanup_message(text, mode=mode),
        cleanup=mode,
        editor=True,
        encoding="utf-8",
        author_email="",
        is_merge=False,
        branch=None,
        changes=(),
    )


_STATE_CODES = frozenset({"HC-C002", "HC-C003", "HC-C005", "HC-C007"})


def check_commit_message(
    proj: Project,
    message_file: Path,
    *,
    where: Path | None = None,
    cleanup: str | None = None,
) -> HookVerdict:
    """Check a commit message file as git's commit-msg hook receives it, in the repository
    at ``where`` (the project's by default).

    The message is read as git will store it (``vcs.pending_commit``: the cleanup mode of
    this commit, the commit encoding) and decided by the gate's own function
    (``custody_links.Judge``): the hook accepts what ``custody check`` accepts and refuses
    what it refuses. ``cleanup`` overrides the detected cleanup mode."""
    raw = read_regular(message_file, "commit message file", max_bytes=MAX_MESSAGE_BYTES)
    try:
        repo: vcs.GitRunner | None = vcs.open_plain(where or proj.root)
    except (NotFoundError, UsageError):
        repo = None
    pending = _pending(proj, repo, raw, cleanup)
    custody = proj.config.custody
    keys = custody.trailer_keys
    check = vcs.check_message(
        pending.message,
        keys,
        repo=repo,
        subject_patterns=subject_patterns(proj),
        cleanup="verbatim",
        editor=False,
    )
    parents: tuple[str, ...] = ()
    if repo is not None and repo.info.head_sha:
        parents = (repo.info.head_sha, *(("MERGE_HEAD",) if pending.is_merge else ()))
    now = datetime.now(UTC)
    commit = vcs.CommitInfo(
        sha="0" * 40,
        parents=parents,
        author_name="",
        author_email=pending.author_email,
        committer_name="",
        committer_email="",
        authored_at=now,
        committed_at=now,
        subject=_subject(pending.message),
        message=pending.message,
        encoding=None,
        trailers=check.trailers,
        message_lossy=False,
    )

    def owner(ref: str) -> str | None:
        data = proj.reader.aggregate("extref", ref) or {}
        cid = data.get("change_id")
        return str(cid) if cid else None

    judge = Judge(proj, NamedStates(proj), owner)
    links, unknown = judge.links(commit)
    reverted = reverted_commit(pending.message) if custody.ignore.reverts else None
    verdict = judge.decide(
        commit,
        links,
        unknown,
        reverts_linked=reverted is not None
        and repo is not None
        and reverted in linked_reverts(proj, repo, judge, [reverted]),
        protected=_protected_branch(pending.branch, custody.protected_refs),
        adoption=repo is not None and is_adoption(pending.changes, state_dir_in_repo(proj, repo)),
    )
    errors = [v for v in verdict.violations if v.severity == "error"]
    problems = [f"{v.code}: {v.message}" for v in errors]
    notes = [f"{v.code}: {v.message}" for v in verdict.violations if v.severity != "error"]
    if verdict.ignored is not None:
        notes.append(f"needs no change: ignored by {verdict.ignored.detail}")
    suggestion = None
    if errors and all(v.code == "HC-C007" for v in errors):
        notes.append("the message is right: another developer must author this commit")
    elif errors:
        if all(v.code in _STATE_CODES for v in errors):
            # the message is written right but names a change that cannot be implemented:
            # the same message, the placeholder in its one trailer block
            suggestion = vcs.suggest_message(pending.message, [], [], keys)
            for cid in dict.fromkeys(v.change_id for v in errors if v.code == "HC-C003"):
                notes.append(f"or have {cid} approved: hischange change approve {cid}")
        else:
            suggestion = check.suggested_message or vcs.suggest_message(
                pending.message, [], [], keys
            )
    return HookVerdict(
        ok=not errors,
        change_ids=links.change_ids,
        problems=tuple(problems),
        suggested_message=suggestion,
        notes=tuple(notes),
        encoding=pending.encoding,
        cleanup=pending.cleanup,
    )


def _subject(message: str) -> str:
    # git's %s: the first paragraph, its lines joined by spaces
    first = message.lstrip("\n").split("\n\n", 1)[0]
    return " ".join(line.strip() for line in first.split("\n") if line.strip())
