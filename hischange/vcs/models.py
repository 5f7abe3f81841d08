"""The plain, JSON-friendly results of the git adapter.

Every model is frozen: the core turns them into events and must not be able to mutate what
git said. Times are timezone-aware UTC datetimes; no floats anywhere.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from hischange.ids import CHANGE_ID_TEXT
from hischange.unchecked import trusted

__all__ = [
    "CHANGE_ID_RE",
    "CommitInfo",
    "CommitLinks",
    "CommitRange",
    "InvalidValue",
    "Link",
    "MentionReason",
    "MessageCheck",
    "MissingCommit",
    "RepoInfo",
    "SubjectPattern",
    "Trailer",
    "UnparsedMention",
    "trusted",
]

#: The change id format (``hischange.ids``): ``CR-`` year ``-`` at least four digits.
CHANGE_ID_RE = re.compile(CHANGE_ID_TEXT)

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Trailer(BaseModel):
    """One trailer exactly as ``git log --format=%(trailers:only,unfold)`` prints it."""

    model_config = _FROZEN

    key: str
    value: str


class CommitInfo(BaseModel):
    """One commit read from the streaming ``git log``."""

    model_config = _FROZEN

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    committer_name: str
    committer_email: str
    authored_at: datetime
    committed_at: datetime
    subject: str
    #: The raw message (``%B``), re-encoded to UTF-8 by git.
    message: str
    #: The commit's ``encoding`` header (e.g. ``GBK``) or None when it has none (UTF-8).
    encoding: str | None
    trailers: tuple[Trailer, ...]
    #: True when some bytes were not valid UTF-8 and were replaced by U+FFFD.
    message_lossy: bool

    @property
    def is_merge(self) -> bool:
        """True for a commit with more than one parent."""
        return len(self.parents) > 1


class SubjectPattern(BaseModel):
    """A legacy way of naming a change in the subject line.

    ``pattern`` is a Python regular expression searched in the subject (every match counts).
    Without ``template`` the change id is the first group (or the whole match when the
    pattern has no group). With ``template`` the id is ``template.format(*groups)``, so a
    hospital's old ticket ``[HIS-12]`` maps with ``pattern=r"\\[HIS-(\\d+)\\]"`` and
    ``template="CR-2025-{0:0>4}"`` to ``CR-2025-0012``. A result that is not a change id
    is reported as an invalid value, never linked.
    """

    model_config = _FROZEN

    pattern: str
    template: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"subject pattern {value!r} is not a valid regex: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _template_fits(self) -> SubjectPattern:
        if self.template is not None:
            groups = re.compile(self.pattern).groups
            try:
                self.template.format(*(["0"] * groups))
            except (IndexError, KeyError, ValueError) as exc:
                raise ValueError(
                    f"template {self.template!r} does not fit pattern {self.pattern!r} "
                    f"({groups} group(s)); use {{0}}, {{1}}, ... for the groups: {exc}"
                ) from exc
        return self


class Link(BaseModel):
    """One change named by a commit, and how it was named."""

    model_config = _FROZEN

    change_id: str
    via: Literal["trailer", "subject"]
    #: The trailer key as written, or the subject pattern that matched.
    source: str


class InvalidValue(BaseModel):
    """A value in a change trailer (or a subject mapping) that is not a change id."""

    model_config = _FROZEN

    key: str
    value: str


MentionReason = Literal[
    "invalid_key", "key_not_configured", "not_in_trailer_block", "block_not_parsed"
]


class UnparsedMention(BaseModel):
    """A change id written like a trailer that git did not give us as a configured trailer."""

    model_config = _FROZEN

    change_id: str
    line: str
    reason: MentionReason
    #: A sentence for the gate and the hook to show, naming the line and the fix.
    explanation: str


class CommitLinks(BaseModel):
    """What one commit says about the changes it belongs to."""

    model_config = _FROZEN

    sha: str
    links: tuple[Link, ...]
    unparsed_mentions: tuple[UnparsedMention, ...]
    invalid_values: tuple[InvalidValue, ...]

    @property
    def change_ids(self) -> tuple[str, ...]:
        """The distinct change ids linked, in the order they appear."""
        if len(self.links) == 1:  # the usual case, asked for per commit by the scan
            return (self.links[0].change_id,)
        return tuple(dict.fromkeys(link.change_id for link in self.links))


class MessageCheck(BaseModel):
    """The commit-msg hook's view of a message, computed with git's own trailer parser."""

    model_config = _FROZEN

    #: Every trailer git will parse from the message (any key).
    trailers: tuple[Trailer, ...]
    #: Change ids git will parse under a configured key.
    change_ids: tuple[str, ...]
    unparsed_mentions: tuple[UnparsedMention, ...]
    invalid_values: tuple[InvalidValue, ...]
    #: The corrected message shape, or None when the message is already well formed.
    suggested_message: str | None

    @property
    def ok(self) -> bool:
        """True when git parses at least one change id and nothing was written wrongly."""
        return bool(self.change_ids) and not self.unparsed_mentions and not self.invalid_values


class RepoInfo(BaseModel):
    """What opening a repository found out; the caller decides what to warn about."""

    model_config = _FROZEN

    root: str
    git_dir: str
    bare: bool
    #: A shallow clone: history is incomplete, so custody results are unreliable.
    shallow: bool
    detached: bool
    #: The current branch (short name) or None when HEAD is detached.
    branch: str | None
    #: None in a repository without commits.
    head_sha: str | None


class CommitRange(BaseModel):
    """A resolved revision range; ``base`` is None for a range that starts at the roots."""

    model_config = _FROZEN

    spec: str
    base: str | None
    tip: str
    symmetric: bool
    empty: bool


class MissingCommit(BaseModel):
    """A recorded commit that is gone or no longer reachable from the protected refs."""

    model_config = _FROZEN

    sha: str
    reason: Literal["absent", "unreachable"]
