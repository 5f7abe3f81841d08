"""docs/configuration.md stays true: every TOML example is a valid configuration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hischange.config import Config, load_config
from hischange.errors import ConfigError
from hischange.sqlreview import SqlReviewSettings

DOC = Path(__file__).parents[1] / "docs" / "configuration.md"


def _blocks() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_documented_example_is_valid(index: int, tmp_path: Path) -> None:
    """Each documented TOML block loads as a Config (and [sqlreview] as its settings)."""
    path = tmp_path / "config.toml"
    path.write_text(_blocks()[index], encoding="utf-8")
    config = load_config(path)
    assert isinstance(config, Config)
    SqlReviewSettings.model_validate(config.sqlreview)


def test_bad_due_hours_is_named(tmp_path: Path) -> None:
    """A due_hours table missing an urgency is a configuration error naming it."""
    path = tmp_path / "config.toml"
    path.write_text("[due_hours]\nemergency = 4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="high"):
        load_config(path)


def test_non_utf8_config_is_refused(tmp_path: Path) -> None:
    """A GBK-encoded config file is refused with a clear message."""
    path = tmp_path / "config.toml"
    path.write_bytes('[roles]\napprovers = ["审批人"]\n'.encode("gbk"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_docs_show_the_template_init_writes() -> None:
    """docs/configuration.md shows the config.toml that `hischange init` writes, verbatim."""
    from hischange.project import CONFIG_TEMPLATE

    assert f"```toml\n{CONFIG_TEMPLATE}```" in DOC.read_text(encoding="utf-8")
