"""Validation of the review models from plain data, with pydantic, built on first use.

The models are plain dataclasses so that a review imports no pydantic; reading settings from
a project's configuration (or a dumped review back) is where validation is wanted, and only
then is pydantic imported. ``SqlReviewSettings`` keeps the constraints it had as a pydantic
model (the error messages are pydantic's, as before).
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from typing import Any, TypeVar, cast

__all__ = ["validate"]

T = TypeVar("T")


def validate(cls: type[T], data: Any) -> T:
    """``data`` validated into ``cls``; raises ``pydantic.ValidationError``."""
    from hischange.sqlreview.model import SqlReviewSettings

    if cls is SqlReviewSettings:
        fast = _plain_settings(data)
        if fast is not None:
            return fast  # type: ignore[no-any-return]
        checked = _settings_schema().model_validate(data)
        names = [f.name for f in dataclasses.fields(SqlReviewSettings)]
        return cls(**{name: getattr(checked, name) for name in names})
    result: T = _adapter(cast(Any, cls)).validate_python(data)
    return result


@cache
def _adapter(cls: type[Any]) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(cls)


_NAME_PATTERNS = ("table_name_pattern", "index_name_pattern", "constraint_name_pattern")
_LIMITS = {"max_statement_preview": (1, 100_000), "max_varchar_length": (0, None)}
_SEVERITIES = ("error", "warning", "info")


def _plain_settings(data: Any) -> Any:
    """The settings when every value is already of its exact type and within its bounds (what
    a hand-written config.toml nearly always holds), else None: pydantic then converts the
    value or words the error, exactly as before."""
    from hischange.sqlreview.model import DIALECTS, SqlReviewSettings

    if not isinstance(data, dict):
        return None
    fields = SqlReviewSettings.model_fields
    values: dict[str, Any] = {}
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
            return None
        kind = field.type if isinstance(field.type, str) else ""
        if key == "dialect":
            if value not in DIALECTS or type(value) is not str:
                return None
        elif key == "severity":
            if not isinstance(value, dict) or not all(
                type(k) is str and type(v) is str and v in _SEVERITIES for k, v in value.items()
            ):
                return None
            value = dict(value)
        elif kind.startswith(("tuple[str", "frozenset[str")):
            if not isinstance(value, list | tuple) or not all(type(v) is str for v in value):
                return None
            value = frozenset(value) if kind.startswith("frozenset") else tuple(value)
        elif kind == "str":
            if type(value) is not str:
                return None
            if key in _NAME_PATTERNS and not _compiles(value):
                return None
        elif kind == "bool":
            if type(value) is not bool:
                return None
        elif kind == "int":
            low, high = _LIMITS[key]
            if type(value) is not int or value < low or (high is not None and value > high):
                return None
        else:
            return None
        values[key] = value
    return SqlReviewSettings(**values)


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


@cache
def _settings_schema() -> Any:
    """A pydantic model of ``SqlReviewSettings``: its fields and defaults plus the bounds."""
    import typing

    from pydantic import ConfigDict, Field, create_model, field_validator

    from hischange.sqlreview.model import SqlReviewSettings

    hints = typing.get_type_hints(SqlReviewSettings)
    bounds: dict[str, dict[str, Any]] = {
        "max_statement_preview": {"ge": 1, "le": 100_000, "strict": True},
        "max_varchar_length": {"ge": 0},
    }
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(SqlReviewSettings):
        if f.default_factory is not dataclasses.MISSING:
            spec = Field(default_factory=f.default_factory, **bounds.get(f.name, {}))
        else:
            spec = Field(f.default, **bounds.get(f.name, {}))
        fields[f.name] = (hints[f.name], spec)

    def _pattern(cls: Any, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value

    check: Any = field_validator(*_NAME_PATTERNS)(classmethod(_pattern))
    return create_model(
        "SqlReviewSettings",
        __config__=ConfigDict(frozen=True),
        __validators__={"_compiles": check},
        **fields,
    )
