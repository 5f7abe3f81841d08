"""``SqlReviewSettings`` is a plain dataclass; ``model_validate`` takes well-typed settings as
they are and leaves everything else to the pydantic schema it builds on first use. Both ways
must give the same settings (and the schema the same errors as the pydantic model had)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hischange import config
from hischange.services import sql as sqlrecord
from hischange.sqlreview import SqlReviewSettings, _validate

_names = st.lists(st.text(max_size=8), max_size=4)
_values: dict[str, Any] = {
    "dialect": st.sampled_from(["oracle", "tsql", "mysql", "postgres", "db2", 3]),
    "disabled": _names,
    "severity": st.dictionaries(
        st.sampled_from(["HC101", "HC111"]), st.sampled_from(["error", "info", "fatal"])
    ),
    "protected_tables": st.one_of(_names, st.just("pmi"), st.just([1])),
    "pii_columns": _names,
    "forward_pattern": st.sampled_from([r"(?i)\.sql$", "x", 7]),
    "max_statement_preview": st.one_of(st.integers(-2, 100_002), st.just("5"), st.just(True)),
    "table_name_pattern": st.sampled_from(["", "[a-z_]+", "(unclosed"]),
    "require_comments": st.sampled_from([True, False, "yes", 1]),
    "max_varchar_length": st.one_of(st.integers(-2, 5000), st.just(2.0)),
    "colour": st.just("red"),
}


@given(st.fixed_dictionaries({}, optional=_values))
def test_plain_settings_agree_with_the_pydantic_schema(raw: dict[str, Any]) -> None:
    """Whatever the fast path accepts, the schema accepts the same way; what it declines is
    the schema's to accept or to word as an error."""
    fast = _validate._plain_settings(raw)
    try:
        checked = _validate._settings_schema().model_validate(raw)
    except ValidationError:
        assert fast is None
        with pytest.raises(ValidationError):
            SqlReviewSettings.model_validate(raw)
        return
    slow = SqlReviewSettings(
        **{f.name: getattr(checked, f.name) for f in dataclasses.fields(SqlReviewSettings)}
    )
    assert SqlReviewSettings.model_validate(raw) == slow
    if fast is not None:
        assert fast == slow


def test_bounds_are_kept() -> None:
    """The bounds the pydantic model declared hold (the hostile cases word them end to end)."""
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        SqlReviewSettings.model_validate({"max_statement_preview": 0})
    with pytest.raises(ValidationError, match="valid integer"):
        SqlReviewSettings.model_validate({"max_statement_preview": "5"})
    with pytest.raises(ValidationError, match="not a regular expression"):
        SqlReviewSettings.model_validate({"index_name_pattern": "(x"})
    assert SqlReviewSettings.model_validate({}) == SqlReviewSettings()


def test_plain_review_knows_where_the_configuration_is() -> None:
    """The plain review's own names for the state folder and config file are the project's."""
    assert (sqlrecord._STATE_DIR, sqlrecord._CONFIG_NAME) == (config.STATE_DIR, config.CONFIG_NAME)
