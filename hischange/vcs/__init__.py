"""Everything that touches git, as plain functions over an opened repository.

GitPython is used only inside this package. Results are frozen pydantic models that the
core turns into events; errors are ``hischange.errors`` subclasses.
"""

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
from hischange.vcs.reach import (
    default_protected_refs,
    gone_commits,
    missing_commits,
    patch_ids,
)
from hischange.vcs.repo import GitRepository, head_sha, is_dirty, main_worktree, open_repo
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
    "InvalidValue",
    "Link",
    "MessageCheck",
    "MissingCommit",
    "PendingCommit",
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
