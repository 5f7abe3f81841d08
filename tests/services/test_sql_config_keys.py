"""The plain `sql review` path checks config.toml's sections and keys against a written-out
list (no pydantic import); it must be exactly what the configuration models accept."""

from __future__ import annotations

from pydantic import BaseModel

from hischange.config import Config
from hischange.services.sql import CONFIG_KEYS, _known_keys


def test_config_keys_are_the_models_fields() -> None:
    expected: dict[str, frozenset[str] | None] = {}
    for name, field in Config.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel) and name != "sqlreview":
            expected[name] = frozenset(kind.model_fields)
        else:
            expected[name] = None
    assert expected == CONFIG_KEYS


def test_a_typo_in_any_section_is_not_known() -> None:
    assert _known_keys({"release": {"tag_prefix": "v"}, "sqlreview": {"dialect": "oracle"}})
    assert not _known_keys({"release": {"tag_prefx": "v"}})
    assert not _known_keys({"sqlreveiw": {"dialect": "oracle"}})
