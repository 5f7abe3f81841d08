"""The plan of the house holds: the import contracts catch violations, refusals are raised by
the rules only and each has a line in the catalogue, and no module loads ours by name."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from hischange.errors import RefusalRule

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "hischange"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _calls(path: Path, name: str) -> list[ast.Call]:
    tree = ast.parse(path.read_text("utf-8"))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
    ]


def test_refusals_are_raised_by_the_rules_only() -> None:
    """Every ``WorkflowError(...)`` is built in ``hischange/workflow/``, with a rule name."""
    outside = []
    for path in _modules():
        for call in _calls(path, "WorkflowError"):
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            if "workflow" not in path.relative_to(PACKAGE).parts:
                outside.append(where)
            assert any(k.arg == "rule" for k in call.keywords), f"{where} names no rule"
    assert outside == []


def test_the_catalogue_lists_every_refusal_rule_and_no_other() -> None:
    """docs/architecture.md's catalogue and ``RefusalRule`` name the same rules, and every
    rule is used by the code."""
    doc = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    section = doc.split("## Refusal rules", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+)` \|", section, re.MULTILINE)
    names = typing.get_args(RefusalRule)
    assert sorted(documented) == sorted(names)
    source = "\n".join(p.read_text("utf-8") for p in (PACKAGE / "workflow").glob("*.py"))
    unused = [n for n in names if f'rule="{n}"' not in source]
    assert unused == []


def test_no_module_of_ours_is_loaded_by_name() -> None:
    """``importlib.import_module`` and ``__import__`` appear nowhere in the package: the
    import graph the contracts check is the whole graph (entry points are for plugins)."""
    found = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path in _modules()
        for name in ("import_module", "__import__")
        for call in _calls(path, name)
    ]
    assert found == []


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")
def test_the_contracts_catch_planted_violations(tmp_path: Path) -> None:
    """In a copy of the package, a rule that imports the store, the ledger importing the
    rules, a rule that imports sqlparse and an adapter that imports the services each break
    their contract; the untouched contracts stay kept."""
    shutil.copytree(PACKAGE, tmp_path / "hischange", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    plants = {
        "workflow/kinds.py": "from hischange.store import Store\n",
        "ledger/chain.py": "from hischange.workflow import change\n",
        "workflow/people.py": "import sqlparse\n",
        "vcs/ancestry.py": "from hischange.services import changes\n",
    }
    for name, line in plants.items():
        path = tmp_path / "hischange" / name
        path.write_text(path.read_text("utf-8") + "\n" + line, encoding="utf-8")
    done = _lint_imports(tmp_path)
    out = " ".join(done.stdout.split())
    assert done.returncode != 0, out
    for contract in ("Layers:", "The rules do no I/O", "Adapters do not import the domain core"):
        assert re.search(re.escape(contract) + r"[^\n]*? BROKEN", out), (contract, out)
    assert re.search(r"The library never imports click or the CLI KEPT", out), out
    assert "workflow.kinds -> hischange.store" in out or "hischange.workflow.kinds" in out
