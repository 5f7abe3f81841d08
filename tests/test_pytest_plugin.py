"""The pytest plugin, run through pytester in a temporary repository + project."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hischange.project import Project, find_project, init_project
from hischange.services.changes import approve_change, make_fields, register_change, submit_change
from hischange.services.evidence import evidence_cases
from tests.conftest import write_config

pytest_plugins = ["pytester"]

SUITE = """
def test_register():
    assert {"dept": "门诊"}["dept"] == "门诊"

def test_orders():
    assert 1 + 1 == 2
"""


def _git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "dev",
        "GIT_AUTHOR_EMAIL": "dev@vendor",
        "GIT_COMMITTER_NAME": "dev",
        "GIT_COMMITTER_EMAIL": "dev@vendor",
    }
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture(scope="session")
def _migrations_imported(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Create a store once before any pytester snapshot of sys.modules: pytester removes
    modules first imported during a test, and re-importing Alembic's SQLAlchemy dialect
    functions in the next test would warn (an error under filterwarnings=error)."""
    init_project(tmp_path_factory.mktemp("store"))[0].close()


@pytest.fixture
def sample(
    _migrations_imported: None, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, str]:
    """A git repository with a hischange project, one approved change and a committed suite."""
    root = pytester.path
    monkeypatch.setenv("HISCHANGE_USER", "ci@vendor")
    write_config(root)
    proj, _ = init_project(root)
    cid = register_change(
        proj, "dev@vendor", make_fields({"kind": "bugfix", "title": "t", "rollback_plan": "r"})
    ).id
    submit_change(proj, "dev@vendor", cid)
    approve_change(proj, "reviewer@hospital", cid)
    proj.close()
    pytester.makepyfile(test_his=SUITE)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "test_his.py")
    _git(root, "commit", "-q", "-m", "suite")
    return root, cid


def _evidence(root: Path) -> list[dict[str, Any]]:
    proj: Project = find_project(root)
    try:
        return proj.store.aggregates_of("evidence")
    finally:
        proj.close()


def _last_event(root: Path) -> dict[str, Any]:
    import json

    proj = find_project(root)
    try:
        rows = list(proj.store.stored_events())
        return dict(json.loads(rows[-1].body)["event"])
    finally:
        proj.close()


def test_option_records_evidence_for_head(
    pytester: pytest.Pytester, sample: tuple[Path, str]
) -> None:
    """With --hischange-change the run is recorded once, for HEAD, with counts and config."""
    root, cid = sample
    result = pytester.runpytest_subprocess("--hischange-change", cid)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"hischange: recorded EV-*-0001 (passing; pytest: 2 tests*{cid}*"])
    (item,) = _evidence(root)
    assert item["commit"] == _git(root, "rev-parse", "HEAD")
    assert (item["passed"], item["change_ids"], item["env"]) == (True, [cid], "test")
    event = _last_event(root)
    assert event["detail"]["run"]["totals"]["tests"] == 2
    # The cases are in the attachment store, by reference; the event keeps the failed ones.
    assert event["detail"]["run"]["cases_ref"]["count"] == 2
    assert event["detail"]["run"]["failed_cases"] == []
    proj = find_project(root)
    try:
        names = {c["name"] for _, c in evidence_cases(proj, item["evidence_id"])}
    finally:
        proj.close()
    assert names == {"test_register", "test_orders"}
    assert event["detail"]["configuration"]["python"]
    assert event["detail"]["dirty"] is False


def test_without_option_or_marker_nothing_is_recorded(
    pytester: pytest.Pytester, sample: tuple[Path, str]
) -> None:
    """A plain run records nothing and prints nothing about hischange."""
    root, _ = sample
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=2)
    assert "hischange:" not in result.stdout.str()
    assert _evidence(root) == []


def test_marker_selects_the_change_and_failure_is_recorded(
    pytester: pytest.Pytester, sample: tuple[Path, str]
) -> None:
    """A marked test names the change; a failing run is recorded as not passing (exit 1)."""
    root, cid = sample
    pytester.makepyfile(
        test_marked=f"""
import pytest

@pytest.mark.hischange("{cid.lower()}")
def test_dispense():
    assert 2 == 3
"""
    )
    result = pytester.runpytest_subprocess("--strict-markers")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["hischange: recorded * (NOT passing; pytest: 3 tests, 1 failure,*"]
    )
    (item,) = _evidence(root)
    assert item["change_ids"] == [cid] and item["passed"] is False
    event = _last_event(root)
    assert event["detail"]["marked"] == {cid: ["test_marked.py::test_dispense"]}
    assert event["detail"]["dirty"] is False  # the new file is untracked, HEAD unchanged


def test_unknown_change_by_option_refused_before_running(
    pytester: pytest.Pytester, sample: tuple[Path, str]
) -> None:
    """An unknown change named by the option stops the run with a usage error (exit 4)."""
    root, _ = sample
    result = pytester.runpytest_subprocess("--hischange-change", "CR-2026-0999")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--hischange-change: no change CR-2026-0999*"])
    assert _evidence(root) == []


def test_unknown_change_by_marker_fails_the_run_without_traceback(
    pytester: pytest.Pytester, sample: tuple[Path, str]
) -> None:
    """A marker naming an unknown change: tests pass, nothing recorded, exit 4, one clear line."""
    root, _ = sample
    pytester.makepyfile(
        test_marked="""
import pytest

@pytest.mark.hischange("CR-2026-0999")
def test_ok():
    pass
"""
    )
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["hischange: evidence NOT recorded: no change CR-2026-0999*"])
    assert "Traceback" not in result.stdout.str()
    assert _evidence(root) == []


def test_collection_error_counts_as_error(
    pytester: pytest.Pytester, sample: tuple[Path, str]
) -> None:
    """A module that fails to import makes the evidence fail: its tests never ran."""
    root, cid = sample
    pytester.makepyfile(test_broken="import no_such_module_for_hischange\n")
    pytester.runpytest_subprocess("--hischange-change", cid)
    (item,) = _evidence(root)
    assert item["passed"] is False and "1 error," in item["summary"]


def test_marker_of_a_closed_change_is_skipped_and_the_rest_recorded(
    pytester: pytest.Pytester, sample: tuple[Path, str]
) -> None:
    """A marker naming a change that takes no more evidence (closed, rejected, withdrawn) is
    reported and skipped: the run is recorded for the other changes and exits 0, not 4."""
    from hischange.services.changes import withdraw_change

    root, cid = sample
    proj = find_project(root)
    old = register_change(
        proj, "dev@vendor", make_fields({"kind": "bugfix", "title": "o", "rollback_plan": "r"})
    ).id
    withdraw_change(proj, "dev@vendor", old, reason="superseded")
    proj.close()
    pytester.makepyfile(
        test_marked=f"""
import pytest

@pytest.mark.hischange("{old}")
def test_old():
    pass

@pytest.mark.hischange("{cid}")
def test_new():
    pass
"""
    )
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([f"hischange: skipped the marker for {old}: it is withdrawn*"])
    (item,) = _evidence(root)
    assert item["change_ids"] == [cid] and item["passed"] is True
    pytester.makepyfile(
        test_marked=f'import pytest\n\n@pytest.mark.hischange("{old}")\ndef test_old():\n    pass\n'
    )
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["hischange: nothing recorded: every marked change is closed, rejected or withdrawn"]
    )
    assert len(_evidence(root)) == 1
