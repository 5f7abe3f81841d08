"""HC116: a forward migration script without its rollback script."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path, PurePath

from hischange.errors import ConfigError
from hischange.sqlreview.rules.base import FileContext, FileRule, Hit

__all__ = ["MissingRollback", "expected_rollback"]


def _compile(pattern: str, setting: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigError(
            f"sqlreview.{setting} is not a valid regular expression: {pattern!r} ({exc})",
            hint="fix the pattern in [sqlreview] of .hischange/config.toml",
        ) from exc


def expected_rollback(path: str, forward_pattern: str, replacement: str) -> str | None:
    """The rollback script's file name for a forward script ``path`` (None: not a forward one)."""
    name = PurePath(path.replace("\\", "/")).name
    pattern = _compile(forward_pattern, "forward_pattern")
    if not pattern.search(name):
        return None
    try:
        # A replacement may use groups of the pattern (V7__x.sql -> U7__x.sql with "U\\1").
        return pattern.sub(replacement, name, count=1)
    except re.error as exc:
        raise ConfigError(
            f"sqlreview.rollback_replacement {replacement!r} does not fit forward_pattern "
            f"{forward_pattern!r}: {exc}",
            hint="use only groups that forward_pattern defines",
        ) from exc


class MissingRollback(FileRule):
    """A forward migration script has no rollback script next to it.

    Every approved change needs a rollback plan (回退方案); for SQL that is a script that undoes
    the forward one, named by the project's convention (default: ``0007_add_view.sql`` needs
    ``0007_add_view.rollback.sql``). The rollback is looked for among the files of the same
    review and on disk next to the forward script. A rollback script itself (``rollback_pattern``)
    is exempt; SQL reviewed without a file path cannot be judged and does not fire.

    Anti-pattern:

        db/changes/2026-11/0007_add_view.sql           (and nothing else)

    Best practice:

        db/changes/2026-11/0007_add_view.sql
        db/changes/2026-11/0007_add_view.rollback.sql
    """

    code = "HC116"
    name = "missing-rollback"
    severity = "warning"
    family = "deployment"

    def check_file(self, ctx: FileContext) -> Iterable[Hit]:
        """Fire when the file is a forward script and its rollback exists nowhere."""
        if not ctx.path:
            return
        s = ctx.settings
        name = PurePath(ctx.path.replace("\\", "/")).name
        if _compile(s.rollback_pattern, "rollback_pattern").search(name):
            return
        wanted = expected_rollback(ctx.path, s.forward_pattern, s.rollback_replacement)
        if wanted is None or wanted == name:
            return
        target = PurePath(ctx.path.replace("\\", "/")).parent / wanted
        # String comparison: a review of many files must not build paths for every pair.
        as_text = target.as_posix()
        if any(p.replace("\\", "/") == as_text for p in ctx.sibling_paths):
            return
        if Path(str(target)).is_file():
            return
        yield Hit(f"no rollback script {wanted} next to {name}")
