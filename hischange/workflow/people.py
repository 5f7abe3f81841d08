"""Who is who: the one way identities are compared in every role and duty rule.

An identity is compared without surrounding spaces and without case (``Dev@Vendor `` and
``dev@vendor`` are one person), in every rule alike: a role list in config.toml with a stray
space must not let a person approve a change yet refuse them the same change's SQL.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["is_one_of", "person_key", "same_person"]


def person_key(identity: str) -> str:
    """The form identities are compared in."""
    return identity.strip().casefold()


def same_person(a: str, b: str) -> bool:
    """Whether two identities name one person (an empty identity names no one)."""
    return bool(person_key(a)) and person_key(a) == person_key(b)


def is_one_of(identity: str, people: Iterable[str]) -> bool:
    """Whether ``identity`` is in ``people`` (a role list, a change's authors)."""
    key = person_key(identity)
    return bool(key) and any(key == person_key(p) for p in people)
