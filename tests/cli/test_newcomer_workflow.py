"""Issue 18 (items 1–11): what a new user tripped over following the README and the guides."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_release_cli import _junit, deploy, ready_change
from tests.conftest import Cli, NewChange, Repo


def test_attach_same_file_twice_records_one_artifact(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """`release attach` is idempotent: the same file (name and content) attached twice, or
    named twice in one command, is one artifact row and one event."""
    ready_change(run, new_change, repo, tmp_path)
    run("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    war = tmp_path.parent / f"{tmp_path.name}-his.war"
    war.write_bytes(b"PK\x03\x04 outpatient 3.2.1")
    run("release", "attach", "3.2.1", str(war), str(war), "--as", "dev@vendor")
    events = len(run.json("audit", "log"))
    rel = run.json("release", "attach", "3.2.1", str(war), "--as", "dev@vendor")
    assert len(rel["artifacts"]) == 1
    assert len(run.json("audit", "log")) == events
    assert len(run.json("release", "show", "3.2.1")["artifacts"]) == 1


def test_retroactive_approval_says_it_was_retroactive(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """Approving a verified emergency change says it was retroactively approved (事后审批) and
    that the state stays verified; an ordinary approval says approved."""
    cid = new_change(kind="bugfix", urgency="emergency", emergency=True)
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "start", cid, "--as", "dev@vendor")
    repo.commit(f"hotfix\n\nHIS-Change: {cid}", {"hot.py": "1"})
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    run("evidence", "add", cid, "--junit", _junit(tmp_path), "--env", "test", "--as", "dev@vendor")
    run("change", "ready", cid, "--as", "dev@vendor")
    run("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    for env in ("test", "production"):
        deploy(run, "3.2.1", env)
    run("change", "verify", cid, "--as", "reviewer@hospital")
    out = run("change", "approve", cid, "--as", "reviewer@hospital").stdout
    assert f"{cid} retroactively approved (事后审批) by reviewer@hospital" in out
    assert "it stays verified" in out
    other = new_change(kind="bugfix")
    run("change", "submit", other, "--as", "dev@vendor")
    out = run("change", "approve", other, "--as", "reviewer@hospital").stdout
    assert out.strip() == f"{other} approved (审批通过); it is now approved"
