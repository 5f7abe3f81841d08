"""`sql review FILE` is quick where it is felt (issue 16 item 10): a plain review imports
neither SQLAlchemy nor GitPython, nor pydantic (the configuration models) nor
importlib.metadata (plugin discovery); each is imported only when it is needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import Repo
from tests.support.cli import Cli

SCRIPT = "UPDATE reg_fee SET fee = 12 WHERE fee_code = 'GH01';\n"
VIEW = "CREATE OR REPLACE VIEW v_fee AS SELECT fee_code, fee FROM reg_fee;\n"
_PROBE = """
import json, sys
from hischange.cli.main import main
sys.argv = ["hischange", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
heavy = ("sqlalchemy", "alembic", "git", "pydantic", "importlib.metadata")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def _imported(root: Path, *args: str, path: Path | None = None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HISCHANGE_")}
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(path), *sys.path])
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    imported: list[str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return imported


def test_plain_file_review_imports_neither_sqlalchemy_nor_gitpython(repo: Repo) -> None:
    """In a project that is a git repository, reviewing a script with no view loads neither
    the store's nor git's library (`sys.modules` of the real command in a subprocess)."""
    (repo.path / "fee.sql").write_text(SCRIPT, encoding="utf-8")
    assert _imported(repo.path, "sql", "review", "fee.sql") == []
    assert _imported(repo.path, "sql", "review", "fee.sql", "--format", "json") == []


def test_git_and_the_store_are_imported_when_needed(repo: Repo) -> None:
    """A view needs its base version (git, for HC140); --base needs git; recording with
    --change needs the store."""
    (repo.path / "fee.sql").write_text(SCRIPT, encoding="utf-8")
    (repo.path / "v_fee.sql").write_text(VIEW, encoding="utf-8")
    assert _imported(repo.path, "sql", "review", "v_fee.sql") == [
        "git",
        "importlib.metadata",
        "pydantic",
    ]
    based = _imported(repo.path, "sql", "review", "fee.sql", "--base", "v3.2.0")
    assert based == ["git", "importlib.metadata", "pydantic"]
    recorded = _imported(repo.path, "sql", "review", "fee.sql", "--change", "CR-2026-0001")
    assert "sqlalchemy" in recorded


def test_sqlreview_settings_need_no_pydantic_unless_one_is_wrong(repo: Repo, run: Cli) -> None:
    """Well-typed [sqlreview] settings are taken as they are; a wrong one is worded by pydantic
    as before (exit 6, a configuration error), and so is a configuration file that is not TOML."""
    (repo.path / "fee.sql").write_text(SCRIPT, encoding="utf-8")
    config = repo.path / ".hischange" / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text + '\n[sqlreview]\ndialect = "postgres"\nprotected_tables = ["reg_fee"]\n'
        'max_statement_preview = 80\ndisabled = []\nseverity = { HC101 = "info" }\n',
        encoding="utf-8",
    )
    assert _imported(repo.path, "sql", "review", "fee.sql") == []
    fee = str(repo.path / "fee.sql")
    out = run.json("sql", "review", fee, code=None)
    assert out["dialect"] == "postgres"
    assert "HC115" in {f["code"] for f in out["files"][0]["findings"]}  # the table was read
    config.write_text(text + "\n[sqlreview]\nmax_statement_preview = 0\n", encoding="utf-8")
    bad = run("sql", "review", fee, code=6)
    assert "max_statement_preview" in bad.stderr and "greater than or equal to 1" in bad.stderr
    config.write_text(text + "\n[sqlreview\n", encoding="utf-8")
    broken = run("sql", "review", fee, code=6)
    assert "malformed TOML" in broken.stderr


def test_plain_review_finds_an_installed_rule_plugin(repo: Repo, tmp_path: Path) -> None:
    """Plugin discovery without importlib.metadata still finds an installed plugin: its
    ``entry_points.txt`` names the group, so the metadata is read and the rule runs."""
    site = tmp_path / "site"
    info = site / "his_site_rules-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: his-site-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[hischange.sqlreview.rules]\nHC901 = his_site_rules:NoFee\n", encoding="utf-8"
    )
    (site / "his_site_rules.py").write_text(
        "from hischange.sqlreview.rules.base import Hit, StatementRule\n"
        "class NoFee(StatementRule):\n"
        "    code, name, severity, family = 'HC901', 'no-fee', 'info', 'style'\n"
        "    def check(self, ctx):\n"
        "        return [Hit(message='fee touched')] if 'fee' in ctx.statement.text else []\n",
        encoding="utf-8",
    )
    (repo.path / "fee.sql").write_text(SCRIPT, encoding="utf-8")
    assert _imported(repo.path, "sql", "review", "fee.sql", path=site) == ["importlib.metadata"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}
    proc = subprocess.run(
        [sys.executable, "-m", "hischange", "sql", "review", "fee.sql"],
        cwd=repo.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "HC901" in proc.stdout, proc.stdout + proc.stderr
