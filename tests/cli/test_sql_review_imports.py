"""`sql review FILE` is quick where it is felt (issue 16 item 10): a plain review imports
neither SQLAlchemy nor GitPython; they are imported only when a store or git is needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import Repo

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
heavy = ("sqlalchemy", "alembic", "git")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def _imported(root: Path, *args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HISCHANGE_")}
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
    assert _imported(repo.path, "sql", "review", "v_fee.sql") == ["git"]
    assert _imported(repo.path, "sql", "review", "fee.sql", "--base", "v3.2.0") == ["git"]
    recorded = _imported(repo.path, "sql", "review", "fee.sql", "--change", "CR-2026-0001")
    assert "sqlalchemy" in recorded
