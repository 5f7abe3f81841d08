"""Everything that touches git, as plain functions over an opened repository.

GitPython is used only inside this package. Results are frozen pydantic models that the
core turns into events; errors are ``hischange.errors`` subclasses.

The names below load their module on first use (PEP 562), so a path that needs only
``vcs.plain``'s subprocess calls (the commit-msg hook) does not import GitPython.
"""

from __future__ import annotations

import importlib
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
    "CHANGE_ID_RE": "hischange.vcs.models",
    "CommitInfo": "hischange.vcs.models",
    "CommitLinks": "hischange.vcs.models",
    "CommitRange": "hischange.vcs.models",
    "DEFAULT_TRAILER_KEYS": "hischange.vcs.links",
    "GitRepository": "hischange.vcs.repo",
    "HOOK_MARKER": "hischange.vcs.hook",
    "InvalidValue": "hischange.vcs.models",
    "Link": "hischange.vcs.models",
    "MessageCheck": "hischange.vcs.models",
    "MissingCommit": "hischange.vcs.models",
    "PendingCommit": "hischange.vcs.pending",
    "RepoInfo": "hischange.vcs.models",
    "SubjectPattern": "hischange.vcs.models",
    "Trailer": "hischange.vcs.models",
    "UnparsedMention": "hischange.vcs.models",
    "changed_files": "hischange.vcs.content",
    "check_message": "hischange.vcs.trailers",
    "cleanup_message": "hischange.vcs.trailers",
    "commit_changes": "hischange.vcs.content",
    "commit_encoding": "hischange.vcs.pending",
    "count_commits": "hischange.vcs.history",
    "create_annotated_tag": "hischange.vcs.tags",
    "default_protected_refs": "hischange.vcs.reach",
    "extract_links": "hischange.vcs.links",
    "file_at": "hischange.vcs.content",
    "first_changed_paths": "hischange.vcs.content",
    "gone_commits": "hischange.vcs.reach",
    "head_sha": "hischange.vcs.repo",
    "history_view": "hischange.vcs.view",
    "hook_path": "hischange.vcs.hook",
    "hook_script": "hischange.vcs.hook",
    "install_hook": "hischange.vcs.hook",
    "is_ancestor": "hischange.vcs.ancestry",
    "is_dirty": "hischange.vcs.repo",
    "iter_commits": "hischange.vcs.history",
    "main_worktree": "hischange.vcs.plain",
    "GitRunner": "hischange.vcs.plain",
    "PlainRepo": "hischange.vcs.plain",
    "open_plain": "hischange.vcs.plain",
    "missing_commits": "hischange.vcs.reach",
    "open_repo": "hischange.vcs.repo",
    "parse_message_trailers": "hischange.vcs.trailers",
    "patch_ids": "hischange.vcs.reach",
    "pending_commit": "hischange.vcs.pending",
    "read_commits": "hischange.vcs.history",
    "resolve_range": "hischange.vcs.history",
    "split_change_ids": "hischange.vcs.links",
    "staged_changes": "hischange.vcs.pending",
    "suggest_message": "hischange.vcs.trailers",
    "tag_exists": "hischange.vcs.tags",
    "tag_ledger_heads": "hischange.vcs.tags",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
