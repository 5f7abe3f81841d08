"""House standards the hospital's DBA sets (issue 16 item 8): the HC2xx rules are off by
default and configured under [sqlreview] in .hischange/config.toml."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli, write_config

NEW_TABLE = "CREATE TABLE PatientNote (id NUMBER(10), note VARCHAR2(4000), body CLOB);\n"
STANDARDS = """
[sqlreview]
table_name_pattern = "his_[a-z0-9_]+"
required_columns = ["创建时间", "修改时间"]
denied_types = ["clob"]
require_comments = true
max_varchar_length = 2000

[sqlreview.severity]
HC204 = "error"
"""


def _codes(data: dict[str, object]) -> list[str]:
    files = data["files"]
    assert isinstance(files, list)
    return sorted(f["code"] for f in files[0]["findings"] if f["code"].startswith("HC2"))


def test_standards_are_off_until_the_dba_configures_them(run: Cli, tmp_path: Path) -> None:
    """Without settings no HC2xx finding appears; with them each configured standard fires,
    and a severity override makes a missing audit column an error (exit 1)."""
    (tmp_path / "t.sql").write_text(NEW_TABLE, encoding="utf-8")
    assert _codes(run.json("sql", "review", str(tmp_path / "t.sql"))) == []
    write_config(tmp_path, STANDARDS)
    data = run.json("sql", "review", str(tmp_path / "t.sql"), code=1)
    assert _codes(data) == ["HC201", "HC204", "HC204", "HC205", *["HC206"] * 4, "HC207"]
    errors = {f["code"] for f in data["files"][0]["findings"] if f["severity"] == "error"}
    assert errors == {"HC204"}


def test_a_bad_pattern_is_a_configuration_error_naming_it(run: Cli, tmp_path: Path) -> None:
    """A naming pattern that is not a regular expression exits 6 and names the key and value;
    so does a negative maximum VARCHAR length."""
    (tmp_path / "t.sql").write_text(NEW_TABLE, encoding="utf-8")
    write_config(tmp_path, '[sqlreview]\nindex_name_pattern = "idx_[a-z"\n')
    result = run("sql", "review", str(tmp_path / "t.sql"), code=6)
    assert "index_name_pattern" in result.stderr and "'idx_[a-z'" in result.stderr
    write_config(tmp_path, "[sqlreview]\nmax_varchar_length = -1\n")
    result = run("sql", "review", str(tmp_path / "t.sql"), code=6)
    assert "max_varchar_length" in result.stderr and "-1" in result.stderr
