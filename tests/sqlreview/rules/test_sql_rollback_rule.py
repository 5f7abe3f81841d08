"""HC116: a forward migration script needs its rollback script."""

from __future__ import annotations

from pathlib import Path

import pytest

from hischange.errors import ConfigError
from hischange.sqlreview.model import SqlReviewSettings
from hischange.sqlreview.rules.base import FileContext
from hischange.sqlreview.rules.hc116_missing_rollback import MissingRollback, expected_rollback


def _check(path: str | None, siblings: tuple[str, ...] = (), **settings: str) -> list[str]:
    s = SqlReviewSettings.model_validate(settings)
    ctx = FileContext(
        path=path, dialect="oracle", settings=s, statements=(), sibling_paths=siblings
    )
    return [h.message for h in MissingRollback().check_file(ctx)]


def test_forward_without_rollback_fires(tmp_path: Path) -> None:
    """A forward script with no rollback on disk or in the review is reported."""
    forward = tmp_path / "0007_add_view.sql"
    forward.write_text("SELECT 1 FROM dual;", encoding="utf-8")
    assert _check(str(forward)) == [
        "no rollback script 0007_add_view.rollback.sql next to 0007_add_view.sql"
    ]


def test_rollback_on_disk_satisfies(tmp_path: Path) -> None:
    """A rollback script next to the forward one on disk silences the rule."""
    forward = tmp_path / "0007_add_view.sql"
    forward.write_text("SELECT 1 FROM dual;", encoding="utf-8")
    (tmp_path / "0007_add_view.rollback.sql").write_text("SELECT 1 FROM dual;", encoding="utf-8")
    assert _check(str(forward)) == []


def test_rollback_among_reviewed_siblings_satisfies() -> None:
    """A rollback script in the same review (not yet on disk) silences the rule."""
    assert _check("db/0007.sql", siblings=("db/0007.sql", "db/0007.rollback.sql")) == []
    assert _check("db/0007.sql", siblings=("other/0007.rollback.sql",)) != []


def test_rollback_script_itself_is_exempt() -> None:
    """The rollback script does not need a rollback of its own."""
    assert _check("db/0007_add_view.rollback.sql") == []
    assert _check("db/0007_add_view.down.sql") == []


def test_no_path_cannot_be_judged() -> None:
    """SQL text reviewed without a path gives no finding."""
    assert _check(None) == []


def test_custom_naming_convention(tmp_path: Path) -> None:
    """Projects can name rollbacks their own way (V7__x.sql needs U7__x.sql)."""
    conv = {
        "forward_pattern": r"^V(\d+__.*\.sql)$",
        "rollback_replacement": r"U\1",
        "rollback_pattern": r"^U\d+__",
    }
    assert expected_rollback("V7__add_view.sql", conv["forward_pattern"], r"U\1") == (
        "U7__add_view.sql"
    )
    assert expected_rollback("README.md", conv["forward_pattern"], r"U\1") is None
    forward = tmp_path / "V7__add_view.sql"
    forward.write_text("", encoding="utf-8")
    assert _check(str(forward), **conv) == [
        "no rollback script U7__add_view.sql next to V7__add_view.sql"
    ]
    (tmp_path / "U7__add_view.sql").write_text("", encoding="utf-8")
    assert _check(str(forward), **conv) == []
    assert _check(str(tmp_path / "U7__add_view.sql"), **conv) == []


def test_bad_pattern_is_a_config_error() -> None:
    """An invalid regular expression in the settings is a ConfigError naming the setting."""
    with pytest.raises(ConfigError, match="forward_pattern"):
        _check("db/0007.sql", forward_pattern="(")
    with pytest.raises(ConfigError, match="rollback_replacement"):
        _check("db/0007.sql", rollback_replacement=r"\9")
