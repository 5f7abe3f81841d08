"""The package metadata tells PyPI and pip what hischange is and what it needs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).parents[1] / "pyproject.toml"

#: Runtime dependencies with a known break above a version (see the comment in pyproject.toml).
BOUNDED = {"defusedxml", "pydantic", "sqlparse"}


def _project() -> dict[str, object]:
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    project: dict[str, object] = data["project"]
    return project


def test_classifiers_say_what_it_is() -> None:
    """The classifiers name the pytest plugin, the console tool, Chinese and QA."""
    classifiers = _project()["classifiers"]
    assert isinstance(classifiers, list)
    for needed in (
        "Framework :: Pytest",
        "Environment :: Console",
        "Natural Language :: Chinese (Simplified)",
        "Topic :: Software Development :: Quality Assurance",
    ):
        assert needed in classifiers


def test_project_urls() -> None:
    """Homepage, documentation, changelog and issues are linked."""
    urls = _project()["urls"]
    assert isinstance(urls, dict)
    assert {"Homepage", "Documentation", "Changelog", "Issues"} <= set(urls)
    assert all(str(u).startswith("https://") for u in urls.values())


def test_upper_bounds_only_where_a_break_is_known() -> None:
    """Runtime and plugin dependencies carry an upper bound exactly where pyproject.toml
    names a known break."""
    project = _project()
    extras = project["optional-dependencies"]
    assert isinstance(extras, dict)
    dependencies = project["dependencies"]
    assert isinstance(dependencies, list)
    specs = [*dependencies, *extras["postgres"], *extras["demo"]]
    bounded = {re.split(r"[\[<>=]", s)[0].lower() for s in specs if "<" in s}
    assert bounded == BOUNDED
