"""Everything that touches git, as plain functions over an opened repository.

GitPython is used only inside this package. Results are frozen pydantic models that the
core turns into events; errors are ``hischange.errors`` subclasses.

The names below load their module on first use (PEP 562), so a path that needs only
``vcs.plain``'s subprocess calls (the commit-msg hook) does not import GitPython.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hischange.vcs.ancestry import is_ancestor
    from hischange.vcs.content import changed_files, commit_changes, file_at, first_changed_paths
    from hischange.vcs.history import count_commits, iter_commits, read_commits, resolve_range
    from hischange.vcs.hook import HOOK_MARKER, hook_path, hook_script, install_hook
    from hischange.vcs.links import DEFAULT_TRAILER_KEYS, extract_links, split_change_ids
    from hischange.vcs.models import (
        CHANGE_ID_RE,
        CommitInfo,
        CommitLinks,
        CommitRange,
        InvalidValue,
        Link,
        MessageCheck,
        MissingCommit,
        RepoInfo,
        SubjectPattern,
        Trailer,
        UnparsedMention,
    )
    from hischange.vcs.pending import (
        PendingCommit,
        commit_encoding,
        pending_commit,
        staged_changes,
    )
    from hischange.vcs.plain import GitRunner, PlainRepo, main_worktree, open_plain
    from hischange.vcs.reach import (
        default_protected_refs,
        gone_commits,
        missing_commits,
        patch_ids,
    )
    from hischange.vcs.repo import GitRepository, head_sha, is_dirty, open_repo
    from hischange.vcs.tags import create_annotated_tag, tag_exists, tag_ledger_heads
    from hischange.vcs.trailers import (
        check_message,
        cleanup_message,
        parse_message_trailers,
        suggest_message,
    )
    from hischange.vcs.view import history_view

__all__ = [
    "CHANGE_ID_RE",
    "DEFAULT_TRAILER_KEYS",
    "HOOK_MARKER",
    "CommitInfo",
    "CommitLinks",
    "CommitRange",
    "GitRepository",
    "GitRunner",
    "InvalidValue",
    "Link",
    "MessageCheck",
    "MissingCommit",
    "PendingCommit",
    "PlainRepo",
    "RepoInfo",
    "SubjectPattern",
    "Trailer",
    "UnparsedMention",
    "changed_files",
    "check_message",
    "cleanup_message",
    "commit_changes",
    "commit_encoding",
    "count_commits",
    "create_annotated_tag",
    "default_protected_refs",
    "extract_links",
    "file_at",
    "first_changed_paths",
    "gone_commits",
    "head_sha",
    "history_view",
    "hook_path",
    "hook_script",
    "install_hook",
    "is_ancestor",
    "is_dirty",
    "iter_commits",
    "main_worktree",
    "missing_commits",
    "open_plain",
    "open_repo",
    "parse_message_trailers",
    "patch_ids",
    "pending_commit",
    "read_commits",
    "resolve_range",
    "split_change_ids",
    "staged_changes",
    "suggest_message",
    "tag_exists",
    "tag_ledger_heads",
]

_WHERE = {
    "CHANGE_ID_RE": "models",
    "CommitInfo": "models",
    "CommitLinks": "models",
    "CommitRange": "models",
    "DEFAULT_TRAILER_KEYS": "links",
    "GitRepository": "repo",
    "HOOK_MARKER": "hook",
    "InvalidValue": "models",
    "Link": "models",
    "MessageCheck": "models",
    "MissingCommit": "models",
    "PendingCommit": "pending",
    "RepoInfo": "models",
    "SubjectPattern": "models",
    "Trailer": "models",
    "UnparsedMention": "models",
    "changed_files": "content",
    "check_message": "trailers",
    "cleanup_message": "trailers",
    "commit_changes": "content",
    "commit_encoding": "pending",
    "count_commits": "history",
    "create_annotated_tag": "tags",
    "default_protected_refs": "reach",
    "extract_links": "links",
    "file_at": "content",
    "first_changed_paths": "content",
    "gone_commits": "reach",
    "head_sha": "repo",
    "history_view": "view",
    "hook_path": "hook",
    "hook_script": "hook",
    "install_hook": "hook",
    "is_ancestor": "ancestry",
    "is_dirty": "repo",
    "iter_commits": "history",
    "main_worktree": "plain",
    "GitRunner": "plain",
    "PlainRepo": "plain",
    "open_plain": "plain",
    "missing_commits": "reach",
    "open_repo": "repo",
    "parse_message_trailers": "trailers",
    "patch_ids": "reach",
    "pending_commit": "pending",
    "read_commits": "history",
    "resolve_range": "history",
    "split_change_ids": "links",
    "staged_changes": "pending",
    "suggest_message": "trailers",
    "tag_exists": "tags",
    "tag_ledger_heads": "tags",
}


def _load(module: str) -> ModuleType:
    # ordinary imports (no loading by name: the contracts see the whole graph)
    if module == "ancestry":
        from hischange.vcs import ancestry

        return ancestry
    if module == "content":
        from hischange.vcs import content

        return content
    if module == "history":
        from hischange.vcs import history

        return history
    if module == "hook":
        from hischange.vcs import hook

        return hook
    if module == "links":
        from hischange.vcs import links

        return links
    if module == "models":
        from hischange.vcs import models

        return models
    if module == "pending":
        from hischange.vcs import pending

        return pending
    if module == "plain":
        from hischange.vcs import plain

        return plain
    if module == "reach":
        from hischange.vcs import reach

        return reach
    if module == "repo":
        from hischange.vcs import repo

        return repo
    if module == "tags":
        from hischange.vcs import tags

        return tags
    if module == "trailers":
        from hischange.vcs import trailers

        return trailers
    if module == "view":
        from hischange.vcs import view

        return view
    raise AssertionError(module)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_load(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
