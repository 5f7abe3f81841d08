"""Issue 18 (items 1–11): what a new user tripped over following the README and the guides."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_release_cli import JUNIT, _junit, deploy, ready_change
from tests.conftest import ROLES, Cli, FrozenClock, NewChange, Repo


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


def test_evidence_record_defaults_to_head_like_evidence_add(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """`evidence record` without --commit or --version binds to HEAD, as `evidence add` does,
    and both commands' help says so."""
    cid = new_change()
    head = repo.commit("work", {"a.py": "1\n"})
    data = run.json(
        "evidence", "record", cid, "--result", "pass", "--steps", "1. 挂号",
        "--expected", "ok", "--actual", "ok", "--as", "tester@hospital",
    )  # fmt: skip
    assert data["evidence"]["commit"] == head
    for command in ("add", "record"):
        text = " ".join(run("evidence", command, "--help").stdout.split())
        assert "default: HEAD" in text, command


def test_evidence_record_outside_git_names_both_options(run: Cli, new_change: NewChange) -> None:
    """Outside a git repository `evidence record` needs --commit or --version, and says so."""
    cid = new_change()
    result = run(
        "evidence", "record", cid, "--result", "pass", "--steps", "s",
        "--expected", "ok", "--actual", "ok", "--as", "tester@hospital", code=2,
    )  # fmt: skip
    assert "--commit SHA or --version" in result.stderr


def test_evidence_add_expands_a_quoted_glob(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`evidence add --junit 'target/surefire-reports/*.xml'` (a pattern a Windows shell left
    unexpanded) reads every matching report; a pattern matching nothing is exit 2."""
    cid = new_change()
    reports = tmp_path / "target" / "surefire-reports"
    reports.mkdir(parents=True)
    for name in ("TEST-a.xml", "TEST-b.xml"):
        (reports / name).write_text(JUNIT.replace('name="pytest"', f'name="{name}"'))
    monkeypatch.chdir(tmp_path)
    data = run.json(
        "evidence", "add", cid, "--junit", "target/surefire-reports/*.xml", "--env", "test",
        "--as", "dev@vendor",
    )  # fmt: skip
    assert data["evidence"]["passed"]
    assert len(run.json("audit", "log")[-1]["event"]["detail"]["reports"]) == 2
    result = run(
        "evidence", "add", cid, "--junit", "target/nothing/*.xml", "--env", "test",
        "--as", "dev@vendor", code=2,
    )  # fmt: skip
    assert "target/nothing/*.xml" in result.stderr


@pytest.mark.parametrize(
    ("toml", "key", "closest"),
    [
        (
            '[sqlreview]\nprotected_table = ["pat_master_index"]\n',
            "protected_table",
            "protected_tables",
        ),
        ('[custody]\nprotected_ref = ["refs/heads/main"]\n', "protected_ref", "protected_refs"),
        ('[sqlreveiw]\ndialect = "oracle"\n', "sqlreveiw", "sqlreview"),
        ("[release]\ntag_prefx = 'v'\n", "tag_prefx", "tag_prefix"),
    ],
)
def test_unknown_config_key_names_key_file_and_closest(
    run: Cli, tmp_path: Path, toml: str, key: str, closest: str
) -> None:
    """An unknown config key (a typo) is a configuration error (exit 6) naming the key, the
    file and the closest valid name, in every section including [sqlreview]."""
    config = tmp_path / ".hischange" / "config.toml"
    config.write_text(ROLES + toml, encoding="utf-8")
    script = tmp_path / "0001_x.sql"
    script.write_text("SELECT 1 FROM dual;\n", encoding="utf-8")
    result = run("sql", "review", str(script), code=6)
    message = " ".join(result.stderr.split())
    assert f"unknown key {key!r}" in message
    assert f"did you mean {closest!r}?" in message
    assert str(config) in message


def test_sql_review_of_a_file_needs_no_project(tmp_path: Path, clock: FrozenClock) -> None:
    """A DBA can lint a script received by e-mail outside any project: the review runs with
    the default settings (exit 1 on an error finding, JSON as usual); recording it for a
    change still needs a project (exit 3)."""
    mail = tmp_path / "mail"
    mail.mkdir()
    script = mail / "fix.sql"
    script.write_text("DELETE FROM pat_master_index;\n", encoding="utf-8")
    run = Cli(mail, clock)
    result = run("sql", "review", str(script), code=1)
    assert "HC101" in result.stdout and "no hischange project here" in result.stderr
    data = json.loads(run("sql", "review", str(script), "--format", "json", code=1).stdout)
    assert data["files"][0]["path"] == script.as_posix()
    run("sql", "review", str(script), "--change", "CR-2026-0001", code=3)
    assert not (mail / ".hischange").exists()


def test_change_ready_needs_the_changes_sql_approved(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """`change ready` refuses (exit 5, rule sql_approval_required, recorded) while an SQL file
    reviewed for the change is not approved, or was edited after approval; approved at its
    current content, the change becomes ready."""
    sql = "UPDATE drug_stock SET qty = 0 WHERE drug_code = 'X';\n"
    cid = new_change(kind="bugfix")
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital")
    run("change", "start", cid, "--as", "dev@vendor")
    files = {"db/fix.sql": sql, "db/fix.rollback.sql": sql}
    repo.commit(f"fix\n\nHIS-Change: {cid}", dict(files))
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    script = str(repo.path / "db/fix.sql")
    run("sql", "review", script, "--change", cid, "--as", "dev@vendor")
    run("evidence", "add", cid, "--junit", _junit(tmp_path), "--env", "test", "--as", "dev@vendor")
    result = run("change", "ready", cid, "--as", "dev@vendor", code=5)
    assert "SQL db/fix.sql is not approved" in result.stderr
    refused = run.json("audit", "log")[-1]["event"]
    assert (refused["type"], refused["rule"]) == ("command_refused", "sql_approval_required")
    run("sql", "approve", cid, script, "--as", "dba@hospital")
    (repo.path / "db/fix.sql").write_text(sql + "-- edited\n", encoding="utf-8")
    result = run("change", "ready", cid, "--as", "dev@vendor", code=5)
    assert "SQL db/fix.sql changed since its approval" in result.stderr
    (repo.path / "db/fix.sql").write_text(sql, encoding="utf-8")
    assert run.json("change", "ready", cid, "--as", "dev@vendor")["state"] == "ready"


def test_release_cut_dry_run_writes_nothing(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """`release cut --dry-run` shows the version, the changes and every problem that would
    refuse the cut (exit 1 then), and writes nothing: no tag, no event, the ledger head is
    unchanged, not even custody links."""
    cid = ready_change(run, new_change, repo, tmp_path)
    waiting = new_change(kind="report")
    run("change", "submit", waiting, "--as", "dev@vendor")
    repo.commit(f"report\n\nHIS-Change: {waiting}", {"r.py": "1\n"})
    head = run.json("audit", "verify")["head_hash"]
    result = run("release", "cut", "--from", "v3.2.0", "--dry-run", "--as", "d@v", code=1)
    assert "dry run" in result.stdout and "WOULD BE REFUSED" in result.stdout
    assert f"{waiting} is submitted" in result.stdout
    plan = run.json("release", "cut", "--from", "v3.2.0", "--dry-run", "--as", "d@v", code=1)
    assert plan["version"] == "3.3.0" and set(plan["changes"]) == {cid, waiting}
    assert any(waiting in p for p in plan["problems"])
    assert run.json("audit", "verify")["head_hash"] == head
    assert repo.text("tag", "-l") == "v3.2.0"
    repo.text("reset", "-q", "--hard", "HEAD~1")
    plan = run.json("release", "cut", "--from", "v3.2.0", "--dry-run", "--as", "d@v")
    assert (plan["version"], plan["changes"], plan["problems"]) == ("3.2.1", [cid], [])
    assert run.json("audit", "verify")["head_hash"] == head
    assert run.json("release", "cut", "--from", "v3.2.0", "--as", "d@v")["version"] == "3.2.1"


def _two_releases_in_production(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """3.2.1 then 3.2.2 deployed to test and production at 总院."""
    ready_change(run, new_change, repo, tmp_path)
    run("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    deploy(run, "3.2.1", "test")
    deploy(
        run, "3.2.1", "production", "--bastion-session", "BH-42",
        "--session-opened", "2026-11-02T01:00Z", "--session-closed", "2026-11-02T02:00Z",
        "--window-start", "2026-11-02 09:00", "--window-end", "2026-11-02 11:00",
    )  # fmt: skip
    ready_change(run, new_change, repo, tmp_path)
    run("release", "cut", "--from", "v3.2.1", "--as", "d@v")
    deploy(run, "3.2.2", "test")
    deploy(run, "3.2.2", "production")


def test_rollback_shows_in_release_show_and_deploy_where(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, clock: FrozenClock
) -> None:
    """After `deploy rollback`, `release show` names the version restored (rolled_back_to and
    the rollback), carries each deployment's bastion session and maintenance window, and
    `deploy where` says what runs where, since when and how; the ledger still verifies."""
    _two_releases_in_production(run, new_change, repo, tmp_path)
    clock.advance(hours=2)
    run(
        "deploy", "rollback", "3.2.2", "--env", "production", "--to", "3.2.1",
        "--reason", "医保结算异常", "--as", "ops@vendor",
    )  # fmt: skip
    rel = run.json("release", "show", "3.2.2")
    production = [d for d in rel["deployments"] if d["env"] == "production"]
    assert production[-1]["rolled_back_to"] == "3.2.1"
    assert rel["rollbacks"][0]["to_version"] == "3.2.1"
    assert rel["rollbacks"][0]["reason"] == "医保结算异常"
    assert "rolled back (已回退) to 3.2.1" in run("release", "show", "3.2.2").stdout
    old = run.json("release", "show", "3.2.1")
    (prod,) = [d for d in old["deployments"] if d["env"] == "production"]
    assert prod["remote_session"]["session_id"] == "BH-42"
    assert prod["window_start"].startswith("2026-11-02T01:00")
    assert prod["rolled_back_to"] == ""
    sites = run.json("deploy", "where")
    where = {(s["env"], s["site"]): s for s in sites}
    assert where[("production", "总院")]["version"] == "3.2.1"
    assert where[("production", "总院")]["how"].startswith("rollback from 3.2.2")
    assert where[("production", "总院")]["since"].startswith("2026-11-02T10:00")
    assert where[("test", "总院")]["version"] == "3.2.2"
    human = run("deploy", "where", "--env", "production").stdout
    assert "production@总院: 3.2.1 since 2026-11-02 18:00 CST" in human and "test@" not in human
    assert run.json("audit", "verify")["ok"]


def test_release_import_registers_the_baseline_as_rollback_target(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """Adopting hischange mid-contract: `release import 3.2.0 --running production:总院`
    registers the version already in production (tag, commit, artifacts), so a rollback of
    the first hischange release can restore it; it shows in `deploy where`."""
    war = tmp_path.parent / f"{tmp_path.name}-his-3.2.0.war"
    war.write_bytes(b"PK\x03\x04 outpatient 3.2.0")
    base = run.json(
        "release", "import", "3.2.0", "--running", "production:总院", "--running", "test:总院",
        "--artifact", str(war), "--note", "交接清单", "--as", "ops@vendor",
    )  # fmt: skip
    assert (base["tag"], base["head_commit"]) == ("v3.2.0", repo.text("rev-list", "-n1", "v3.2.0"))
    assert base["baseline"] is True and base["artifacts"][0]["name"] == war.name
    assert run.json("artifact", "verify", str(war))["releases"] == ["3.2.0"]
    shown = run("release", "show", "3.2.0").stdout
    assert "release 3.2.0 (v3.2.0) baseline (版本基线)" in shown
    assert "manifest sha256" not in shown and "ledger head" not in shown  # a baseline has none
    run("release", "import", "3.2.0", "--as", "ops@vendor", code=2)
    ready_change(run, new_change, repo, tmp_path)
    assert run.json("release", "cut", "--from", "v3.2.0", "--as", "d@v")["version"] == "3.2.1"
    deploy(run, "3.2.1", "test")
    deploy(run, "3.2.1", "production")
    run("release", "import", "3.1.0", "--running", "production:总院", "--as", "o@v", code=2)
    run(
        "deploy", "rollback", "3.2.1", "--env", "production", "--to", "3.2.0",
        "--reason", "医保结算异常", "--as", "ops@vendor",
    )  # fmt: skip
    where = {(s["env"], s["site"]): s for s in run.json("deploy", "where")}
    assert where[("production", "总院")]["version"] == "3.2.0"
    assert where[("production", "总院")]["history"] == ["3.2.0", "3.2.1"]
    assert [r["version"] for r in run.json("release", "list")] == ["3.2.0", "3.2.1"]
    assert run.json("audit", "verify")["ok"]


def test_hook_survives_a_moved_virtualenv_and_says_how_to_fix(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit-msg hook finds hischange on PATH when the virtualenv that installed it is
    gone (moved or recreated); with neither, the commit fails with a message that says how
    to fix it, not a bare 'No such file'."""
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital")
    python = sys.executable
    monkeypatch.setattr(sys, "executable", str(tmp_path / "gone-venv" / "bin" / "python"))
    run("hook", "install")
    shims = tmp_path.parent / f"{tmp_path.name}-bin"
    shims.mkdir()
    shim = shims / "hischange"
    shim.write_text(f'#!/bin/sh\nexec "{python}" -m hischange "$@"\n')
    shim.chmod(0o755)
    system_path = os.pathsep.join(
        str(Path(p).parent) for p in (shutil.which("git"), shutil.which("sh")) if p
    )

    def commit(path: str, message: str) -> subprocess.CompletedProcess[str]:
        (repo.path / "z.txt").write_text(message)
        repo.text("add", "z.txt")
        env = {**repo.env, "PATH": path, "GIT_AUTHOR_NAME": "d", "GIT_AUTHOR_EMAIL": "dev@vendor"}
        return subprocess.run(
            ["git", "commit", "-q", "-m", message],
            cwd=repo.path, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip

    done = commit(f"{shims}{os.pathsep}{system_path}", f"ok\n\nHIS-Change: {cid}")
    assert done.returncode == 0, done.stderr
    done = commit(system_path, f"again\n\nHIS-Change: {cid}")
    assert done.returncode != 0
    assert "cannot find hischange" in done.stderr and "hischange hook install" in done.stderr
