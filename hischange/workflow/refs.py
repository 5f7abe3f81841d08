"""External references (外部编号) of a change, pure: a hospital's or vendor's own ticket ids
(``jira:HIS-1234``, ``oa:XXK-2026-031``) that a change carries, one per system, each naming
one change."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from hischange.errors import UsageError, WorkflowError
from hischange.events import AnyEvent, ChangeRefsEdited
from hischange.workflow.change import ChangeState

__all__ = ["REF_RE", "ExternalRef", "decide_refs", "parse_ref"]


#: ``system:id``: a system name (letters, digits, ``_``, ``-``) and an id without spaces.
REF_RE = re.compile(r"(?P<system>[A-Za-z][A-Za-z0-9_-]*):(?P<id>\S*)")


class ExternalRef(BaseModel):
    """Which change carries an external reference (the ``extref`` index); ``change_id``
    None once it was removed from its change."""

    model_config = ConfigDict(frozen=True)

    ref: str
    change_id: str | None


def parse_ref(text: str) -> tuple[str, str]:
    """``(system, id)`` of ``system:id``; the system in lower case, the id as written (an
    empty id removes the system's reference)."""
    found = REF_RE.fullmatch(text.strip())
    if found is None:
        raise UsageError(
            f"{text!r} is not an external reference",
            hint="write SYSTEM:ID, e.g. --ref jira:HIS-1234 (--ref jira: removes it)",
        )
    return found.group("system").lower(), found.group("id")


def decide_refs(
    state: ChangeState,
    recorded: tuple[str, ...],
    given: tuple[str, ...],
    owners: dict[str, str | None],
    reason: str,
) -> list[AnyEvent]:
    """Set external references (``recorded``: the change's references now): ``system:id``
    replaces the change's reference in that system, ``system:`` removes it. An id carried
    by another change (``owners``: ref → the change carrying it) is refused: an external id
    names one change."""
    current = dict(parse_ref(r) for r in recorded)
    wanted = dict(current)
    for text in given:
        system, ident = parse_ref(text)
        if ident:
            wanted[system] = ident
        else:
            wanted.pop(system, None)
    refs = tuple(f"{k}:{v}" for k, v in sorted(wanted.items()))
    for ref in refs:
        owner = owners.get(ref)
        if owner is not None and owner != state.id:
            raise WorkflowError(
                f"{ref} is already the reference of {owner}; an external id names one change",
                hint=f"remove it from {owner} first (change edit {owner} --ref "
                f"{ref.split(':')[0]}: --reason …), or check the id",
                rule="external_ref_taken",
            )
    if refs == recorded:
        raise UsageError(f"nothing to change in {state.id}: its references are as recorded")
    before = set(recorded)
    return [
        ChangeRefsEdited(
            change_id=state.id,
            refs=refs,
            added=tuple(r for r in refs if r not in before),
            removed=tuple(r for r in recorded if r not in set(refs)),
            reason=reason,
        )
    ]
