"""Pydantic models assembled from values that already have their field types, unvalidated.

Hot loops (the history reader, appends, the replay of ``audit verify``) build models from
values they computed themselves or read with the declared types. Validating them again, or
``model_construct``'s walk over every field for defaults, cost as much as the rest of such a
loop. A caller passes every field with its declared type; each caller's tests compare the
result with the validated model, so a pydantic release that changes these internals is
caught. A leaf module: it imports nothing of hischange, so every layer may use it.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["assemble", "trusted"]

_M = TypeVar("_M", bound=BaseModel)
_new = object.__new__
_set = object.__setattr__


def assemble(cls: type[_M], values: dict[str, Any], fields_set: Set[str]) -> _M:
    """An instance of ``cls`` holding ``values`` (all fields, declared types) as they are.

    ``fields_set`` becomes the model's ``model_fields_set``; it may be shared between
    instances of a frozen model (nothing adds to it), else pass a fresh set.
    """
    made = _new(cls)
    _set(made, "__dict__", values)
    _set(made, "__pydantic_fields_set__", fields_set)
    _set(made, "__pydantic_extra__", None)
    _set(made, "__pydantic_private__", None)
    return made


_ALL_FIELDS: dict[type[BaseModel], set[str]] = {}


def _all_fields(cls: type[BaseModel]) -> set[str]:
    return _ALL_FIELDS.setdefault(cls, set(cls.model_fields))


def trusted(cls: type[_M], values: dict[str, Any]) -> _M:
    """Build ``cls`` from values that already have the field types, without validation.

    For the history reader's hot loop only: ``model_construct`` costs about 7 µs a call
    (it walks every field for defaults), this about 1 µs. Every field must be given; the
    result compares equal to the validated model (see tests/vcs/test_models.py).
    """
    # one shared set per class: frozen models never add to it, and copies copy it first
    return assemble(cls, values, _ALL_FIELDS.get(cls) or _all_fields(cls))
