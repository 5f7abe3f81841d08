"""How a range's commits name their changes: trailers and legacy subject patterns (the git
adapter reads them), and external ids (``[custody] external_ids``) mapped to the changes that
carry them. Shared by the scan, the gate and the commit-msg hook."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

from pydantic import ValidationError

from hischange import vcs
from hischange.errors import ConfigError
from hischange.project import Project
from hischange.unchecked import trusted

__all__ = [
    "Shapes",
    "Via",
    "external_mentions",
    "external_shapes",
    "linked_commits",
    "open_range",
    "ref_owners",
    "subject_patterns",
]

Via = Literal["trailer", "subject"]


def subject_patterns(proj: Project) -> list[vcs.SubjectPattern]:
    """The configured legacy subject patterns, validated."""
    out = []
    for item in proj.config.custody.subject_patterns:
        try:
            data = {"pattern": item} if isinstance(item, str) else dict(item)
            out.append(vcs.SubjectPattern.model_validate(data))
        except ValidationError as exc:
            why = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            raise ConfigError(
                f"[custody] subject_patterns: {why}",
                hint="fix the pattern in .hischange/config.toml (a Python regular expression)",
            ) from None
    return out


Shapes = dict[str, re.Pattern[str]]


def external_shapes(proj: Project) -> Shapes:
    """``[custody] external_ids``, compiled (validated when the config was read)."""
    return {system: re.compile(p) for system, p in proj.config.custody.external_ids.items()}


def external_mentions(
    links: vcs.CommitLinks, subject: str, shapes: Shapes
) -> tuple[list[tuple[str, Via]], tuple[vcs.InvalidValue, ...]]:
    """The external ids a commit names (``system:id``, and whether by trailer or subject):
    trailer values that are not change ids but match a system's shape (written bare or as
    ``system:id``), and shape matches in the subject; and the values still matching nothing."""
    found: list[tuple[str, Via]] = []
    left: list[vcs.InvalidValue] = []
    for bad in links.invalid_values:
        ref = _shape_ref(bad.value, shapes)
        if ref is None:
            left.append(bad)
        else:
            found.append((ref, "trailer"))
    for system, shape in shapes.items():
        for match in shape.finditer(subject):
            found.append((f"{system}:{match.group('id')}", "subject"))
    return list(dict.fromkeys(found)), tuple(left)


def _shape_ref(value: str, shapes: Shapes) -> str | None:
    prefix, sep, rest = value.partition(":")
    for system, shape in shapes.items():
        if sep and prefix.lower() == system and (m := shape.fullmatch(rest)):
            return f"{system}:{m.group('id')}"
        if m := shape.fullmatch(value):
            return f"{system}:{m.group('id')}"
    return None


def linked_commits(
    proj: Project,
    repo: vcs.GitRepository,
    rev_range: str | vcs.CommitRange,
    *,
    reverse: bool = False,
    exclude: Sequence[str] = (),
    owners: Mapping[str, str | None] | None = None,
) -> Iterator[tuple[vcs.CommitInfo, vcs.CommitLinks, tuple[str, ...]]]:
    """Each commit of the range with the changes it names, from one streaming ``git log``,
    and the external ids it names that no change carries. External ids (``[custody]
    external_ids``) that a change carries (``owners``: ``system:id`` → change) become links
    to that change."""
    keys = proj.config.custody.trailer_keys
    patterns = subject_patterns(proj)
    shapes = external_shapes(proj)
    owners = owners or {}
    for commit in vcs.iter_commits(repo, rev_range, reverse=reverse, exclude=exclude):
        links = vcs.extract_links(commit, keys, patterns)
        if not shapes:
            yield commit, links, ()
            continue
        refs, left = external_mentions(links, commit.subject, shapes)
        if not refs:
            yield commit, links, ()
            continue
        extra = []
        unknown = []
        for ref, via in refs:
            cid = owners.get(ref)
            if cid is None:
                unknown.append(ref)
            else:
                extra.append(trusted(vcs.Link, {"change_id": cid, "via": via, "source": ref}))
        links = links.model_copy(update={"links": (*links.links, *extra), "invalid_values": left})
        yield commit, links, tuple(unknown)


def ref_owners(view_keys: Iterable[str], load_ref: Callable[[str], Any]) -> dict[str, str]:
    """``system:id`` → the change carrying it, from the ``extref`` index."""
    owners: dict[str, str] = {}
    for key in view_keys:
        data = load_ref(key)
        cid = data.get("change_id") if isinstance(data, dict) else getattr(data, "change_id", None)
        if cid:
            owners[key] = cid
    return owners


def open_range(proj: Project, rev_range: str) -> tuple[vcs.GitRepository, vcs.CommitRange]:
    """The project's repository and the resolved range (``empty`` when it has no commits:
    nothing to link or to gate, which is not an error)."""
    repo = vcs.open_repo(proj.root)
    return repo, vcs.resolve_range(repo, rev_range)
