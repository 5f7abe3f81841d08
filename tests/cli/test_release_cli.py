"""Releases, artifacts and deployments through the CLI on a real repository."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli, FrozenClock, NewChange, Repo

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="2" failures="0" errors="0" skipped="0" time="0.1">
<testcase classname="t" name="test_a" time="0.05"/>
<testcase classname="t" name="test_b" time="0.05"/>
</testsuite></testsuites>
"""


def _junit(tmp_path: Path) -> str:
    path = tmp_path.parent / f"{tmp_path.name}-junit.xml"
    path.write_text(JUNIT, encoding="utf-8")
    return str(path)


def deploy(
    run: Cli, version: str, env: str, *extra: str, operator: str = "ops@vendor", code: int = 0
) -> None:
    """Record a successful deployment at 总院 operated (and recorded) by ``operator``."""
    run(
        "deploy", "record", version, "--env", env, "--site", "总院", "--operator", operator,
        "--result", "success", *extra, "--as", operator, code=code,
    )  # fmt: skip


def ready_change(
    run: Cli,
    new_change: NewChange,
    repo: Repo,
    tmp_path: Path,
    *,
    kind: str = "bugfix",
    files: dict[str, str | bytes] | None = None,
    author: str = "dev@vendor",
    **opts: str,
) -> str:
    """A change taken through approval, a linked commit, passing evidence and ready."""
    cid = new_change(kind=kind, **opts)
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital")
    run("change", "start", cid, "--as", "dev@vendor")
    repo.commit(
        f"{kind} work\n\nHIS-Change: {cid}", files or {f"{cid}.py": "x = 1\n"}, author=author
    )
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    run("evidence", "add", cid, "--junit", _junit(tmp_path), "--env", "test", "--as", "dev@vendor")
    run("change", "ready", cid, "--as", "dev@vendor")
    return cid


def test_cut_release_auto_version_tag_and_manifest(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A bugfix-only range is a patch release; the tag carries the manifest digest and head."""
    cid = ready_change(run, new_change, repo, tmp_path)
    head = run.json("audit", "verify")
    rel = run.json("release", "cut", "--from", "v3.2.0", "--as", "dev@vendor")
    assert rel["version"] == "3.2.1" and rel["bump_reason"].startswith("patch")
    assert [c["change_id"] for c in rel["changes"]] == [cid]
    assert (rel["ledger_head_seq"], rel["ledger_head_hash"]) == (
        head["head_seq"],
        head["head_hash"],
    )
    tag = repo.text("tag", "-l", "--format=%(contents)", "v3.2.1")
    assert rel["manifest_digest"] in tag and f"{head['head_seq']}:{head['head_hash']}" in tag
    assert run.json("change", "show", cid)["state"] == "released"
    assert run.json("audit", "verify")["ok"]


def test_minor_and_major_bumps(run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path) -> None:
    """An interface change gives a minor bump; a change marked breaking a major one."""
    ready_change(run, new_change, repo, tmp_path, kind="report")
    assert run.json("release", "cut", "--from", "v3.2.0", "--as", "d@v")["version"] == "3.3.0"
    ready_change(run, new_change, repo, tmp_path, kind="report", breaking=True)
    rel = run.json("release", "cut", "--from", "v3.3.0", "--as", "d@v")
    assert rel["version"] == "4.0.0" and "breaking" in rel["bump_reason"]


def test_refusal_lists_every_missing_piece(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """The cut refuses naming each problem of each change, and records the refusal."""
    a = new_change(kind="bugfix")
    run("change", "submit", a, "--as", "dev@vendor")
    b = new_change(kind="bugfix")
    run("change", "submit", b, "--as", "dev@vendor")
    run("change", "approve", b, "--as", "reviewer@hospital")
    repo.commit(f"a\n\nHIS-Change: {a}", {"a": "1"})
    repo.commit(f"b\n\nHIS-Change: {b}", {"b": "1"})
    repo.commit("nothing", {"c": "1"})
    result = run("release", "cut", "--from", "v3.2.0", "--as", "dev@vendor", code=5)
    for needle in (f"{a} is submitted", f"{b} is approved", "HC-C001", "HC-C003", "no passing"):
        assert needle in result.stderr, needle
    log = run.json("audit", "log")
    assert log[-1]["event"]["type"] == "command_refused"
    assert repo.text("tag", "-l") == "v3.2.0"


def test_explicit_version_rules(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """Explicit versions must be valid semver, greater than the last; prereleases order."""
    ready_change(run, new_change, repo, tmp_path)
    run("release", "cut", "banana", "--from", "v3.2.0", "--as", "d@v", code=2)
    assert (
        run.json("release", "cut", "3.3.0-rc.1", "--from", "v3.2.0", "--as", "d@v")["version"]
        == "3.3.0-rc.1"
    )
    ready_change(run, new_change, repo, tmp_path)
    run("release", "cut", "3.3.0-rc.1", "--from", "v3.3.0-rc.1", "--as", "d@v", code=2)
    run("release", "cut", "3.2.9", "--from", "v3.3.0-rc.1", "--as", "d@v", code=2)
    assert (
        run.json("release", "cut", "3.3.0", "--from", "v3.3.0-rc.1", "--as", "d@v")["version"]
        == "3.3.0"
    )


def test_dirty_tree_and_existing_tag(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A dirty tree is refused unless --allow-dirty (recorded); an existing tag is refused."""
    ready_change(run, new_change, repo, tmp_path)
    (repo.path / "README.md").write_text("edited\n")
    assert "uncommitted" in run("release", "cut", "--from", "v3.2.0", "--as", "d@v", code=5).stderr
    repo.text("tag", "-a", "v3.2.1", "-m", "someone else's")
    assert (
        "already exists"
        in run("release", "cut", "--from", "v3.2.0", "--allow-dirty", "--as", "d@v", code=2).stderr
    )
    rel = run.json("release", "cut", "3.2.2", "--from", "v3.2.0", "--allow-dirty", "--as", "d@v")
    assert rel["dirty"] is True


def test_sql_must_be_approved_at_released_content(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A SQL file in the range must be approved for its change at the committed SHA-256."""
    sql = "UPDATE drug_stock SET qty = 0 WHERE drug_code = 'X';\n"
    cid = ready_change(
        run,
        new_change,
        repo,
        tmp_path,
        files={"db/fix.sql": sql, "db/fix.rollback.sql": sql},
    )
    result = run("release", "cut", "--from", "v3.2.0", "--as", "d@v", code=5)
    assert "db/fix.sql" in result.stderr
    run(
        "sql",
        "review",
        str(repo.path / "db/fix.sql"),
        str(repo.path / "db/fix.rollback.sql"),
        "--change",
        cid,
        "--as",
        "dev@vendor",
    )
    run("sql", "approve", cid, str(repo.path / "db/fix.sql"), "--as", "dba@hospital")
    run("sql", "approve", cid, str(repo.path / "db/fix.rollback.sql"), "--as", "dba@hospital")
    rel = run.json("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    assert {p for _, p, _ in rel["sql_files"]} == {"db/fix.sql", "db/fix.rollback.sql"}


def test_notes_in_both_languages(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """Notes group by kind and count free and negotiated changes, in zh and en, md and html."""
    ready_change(run, new_change, repo, tmp_path, kind="report", billing="negotiated", effort="2.5")
    run("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    zh = run("release", "notes", "3.3.0").stdout
    assert "# 发布说明 3.3.0" in zh and "### 报表" in zh and "另行协商: 1" in zh and "2.5" in zh
    assert "| 发布时间 | 2026-11-02 16:00 CST |" in zh  # site time (08:00 UTC)
    en = run("release", "notes", "3.3.0", "--lang", "en").stdout
    assert "# Release notes 3.3.0" in en and "Negotiated changes: 1" in en
    html = run("release", "notes", "3.3.0", "--format", "html").stdout
    assert html.startswith("<!DOCTYPE html>") and "LIS 接口字段调整" in html


def test_artifacts_and_verify(run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path) -> None:
    """Attached artifacts are found by content; any other file is not a released artifact."""
    ready_change(run, new_change, repo, tmp_path)
    run("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    war = tmp_path.parent / f"{tmp_path.name}-his.war"
    war.write_bytes(b"PK\x03\x04 outpatient 3.2.1")
    run("release", "attach", "3.2.1", str(war), "--as", "dev@vendor")
    found = run.json("artifact", "verify", str(war))
    assert found["releases"] == ["3.2.1"]
    war.write_bytes(b"PK\x03\x04 tampered")
    assert "not a released artifact" in run("artifact", "verify", str(war), code=1).stderr
    run("release", "attach", "9.9.9", str(war), "--as", "dev@vendor", code=3)


def test_deploy_rules_rollback_and_close(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """Production needs a test deployment first; rollback needs a target that ran there;
    verify by the requester side closes the change."""
    a = ready_change(run, new_change, repo, tmp_path, requester_person="li@hospital")
    run("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    deploy(run, "3.2.1", "production", code=5)
    deploy(run, "3.2.1", "test")
    deploy(run, "3.2.1", "production", operator="dev@vendor", code=5)
    deploy(
        run,
        "3.2.1",
        "production",
        "--bastion-session",
        "BH-42",
        "--session-opened",
        "2026-11-02T01:00Z",
    )
    assert run.json("change", "show", a)["state"] == "deployed"
    recorded = [
        e["event"] for e in run.json("audit", "log") if e["event"]["type"] == "deployment_recorded"
    ]
    assert recorded[-1]["remote_session"]["session_id"] == "BH-42"
    b = ready_change(run, new_change, repo, tmp_path)
    run("release", "cut", "--from", "v3.2.1", "--as", "d@v")
    deploy(run, "3.2.2", "test")
    deploy(run, "3.2.2", "production")
    run(
        "deploy",
        "rollback",
        "3.2.2",
        "--env",
        "production",
        "--to",
        "3.2.0",
        "--reason",
        "x",
        "--as",
        "ops@vendor",
        code=3,
    )
    run(
        "deploy",
        "rollback",
        "3.2.1",
        "--env",
        "production",
        "--to",
        "3.2.2",
        "--reason",
        "x",
        "--as",
        "ops@vendor",
        code=5,
    )
    run(
        "deploy",
        "rollback",
        "3.2.2",
        "--env",
        "production",
        "--to",
        "3.2.1",
        "--reason",
        "医保结算异常",
        "--as",
        "ops@vendor",
    )
    assert run.json("change", "show", b)["state"] == "rolled_back"
    run("change", "verify", a, "--as", "dev@vendor", code=5)
    assert run.json("change", "verify", a, "--as", "li@hospital")["state"] == "closed"
    trace = [e["event"]["type"] for e in run.json("audit", "trace", a)]
    assert (
        trace[0] == "change_registered"
        and "release_cut" in trace
        and "deployment_recorded" in trace
    )
    assert run.json("audit", "verify")["ok"]


def test_emergency_path(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, clock: FrozenClock
) -> None:
    """An emergency change ships before approval, shows as overdue, and closes only after a
    retroactive approval and a post-implementation review."""
    cid = new_change(kind="bugfix", urgency="emergency", emergency=True)
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "start", cid, "--as", "dev@vendor")
    repo.commit(f"hotfix\n\nHIS-Change: {cid}", {"hot.py": "1"})
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    run("evidence", "add", cid, "--junit", _junit(tmp_path), "--env", "test", "--as", "dev@vendor")
    run("change", "ready", cid, "--as", "dev@vendor")
    rel = run("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    assert "UNAPPROVED EMERGENCY" in rel.stdout
    for env in ("test", "production"):
        deploy(run, "3.2.1", env)
    clock.advance(hours=30)
    assert cid in [c["id"] for c in run.json("change", "list", "--overdue")]
    assert run.json("change", "verify", cid, "--as", "reviewer@hospital")["state"] == "verified"
    run("change", "close", cid, "--as", "reviewer@hospital", code=5)
    run("change", "approve", cid, "--as", "reviewer@hospital")
    run("change", "review", cid, "--pir", "根因: 取整函数; 已补测试", "--as", "reviewer@hospital")
    assert run.json("change", "show", cid)["state"] == "closed"


def test_overdue_retroactive_approval(run: Cli, new_change: NewChange, clock: FrozenClock) -> None:
    """An emergency change started unapproved is overdue once its retroactive approval is
    later than retro_approval_hours, even before its due time."""
    cid = new_change(kind="bugfix", urgency="low", emergency=True)
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "start", cid, "--as", "dev@vendor")
    clock.advance(hours=23)
    assert cid not in [c["id"] for c in run.json("change", "list", "--overdue")]
    clock.advance(hours=2)
    assert cid in [c["id"] for c in run.json("change", "list", "--overdue")]
    run("change", "approve", cid, "--as", "reviewer@hospital")
    assert cid not in [c["id"] for c in run.json("change", "list", "--overdue")]


def test_signing_failure_records_nothing(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """With a signing key git cannot use, the cut fails cleanly: no tag, no release event."""
    ready_change(run, new_change, repo, tmp_path)
    config = tmp_path / ".hischange" / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[release]\nsigning_key = "NO-SUCH-KEY"\n',
        encoding="utf-8",
    )
    events = len(run.json("audit", "log"))
    result = run("release", "cut", "--from", "v3.2.0", "--as", "d@v", code=None)
    assert result.exit_code != 0 and "Traceback" not in result.stderr
    assert repo.text("tag", "-l") == "v3.2.0"
    assert len(run.json("audit", "log")) == events
    run("release", "show", "3.2.1", code=3)


DEPLOY_ARGS = ("--site", "总院", "--operator", "ops@vendor", "--result", "success")


def test_empty_range_and_unknown_release(run: Cli, repo: Repo) -> None:
    """An empty range is a usage error; deploying or showing an unknown release exits 3."""
    assert "no commits" in run("release", "cut", "--from", "HEAD", "--as", "d@v", code=2).stderr
    result = run("deploy", "record", "9.9.9", "--env", "test", *DEPLOY_ARGS, "--as", "o", code=3)
    assert "no release 9.9.9" in result.stderr
    run("release", "notes", "9.9.9", code=3)


def test_unknown_environment_lists_configured(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """An environment not in [release] environments is refused with the valid ones."""
    ready_change(run, new_change, repo, tmp_path)
    run("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    result = run("deploy", "record", "3.2.1", "--env", "moon", *DEPLOY_ARGS, "--as", "o", code=2)
    assert "moon" in result.stderr and "production" in result.stderr


def test_manifest_digest_recomputes(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """Anyone can recompute the release's manifest digest from `release show --format json`."""
    from hischange.workflow.release import ReleaseState, manifest_digest

    ready_change(run, new_change, repo, tmp_path)
    run("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    shown = ReleaseState.model_validate(run.json("release", "show", "3.2.1"))
    assert manifest_digest(shown) == shown.manifest_digest
    forged = shown.model_copy(update={"commits": shown.commits[:-1]})
    assert manifest_digest(forged) != shown.manifest_digest


def test_gate_without_a_report_still_says_why(run: Cli, tmp_path: Path) -> None:
    """A gate that printed no report (artifact verify of an unknown file) still names the
    failure on stderr with its exit code 1."""
    stray = tmp_path / "stray.war"
    stray.write_bytes(b"PK stray")
    result = run("artifact", "verify", str(stray), code=1)
    assert "error [gate_failed]" in result.stderr and "not a released artifact" in result.stderr


def test_notes_speak_one_language_with_units_and_the_tip(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """Chinese notes carry no English bump reason, give effort in 人天 and the range's tip as
    the commit it resolved to (not "HEAD"); English notes say the reason once."""
    cid = ready_change(
        run, new_change, repo, tmp_path, kind="report", billing="negotiated", effort="3"
    )
    run("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    head = repo.text("rev-parse", "HEAD")
    zh = run("release", "notes", "3.3.0").stdout
    assert f"次版本号: 含新增或修改的功能 ({cid})" in zh and "minor" not in zh
    assert "另行协商 (3 人天)" in zh
    assert f"`v3.2.0..{head[:12]}`" in zh and f"`{head}`" in zh and "..HEAD" not in zh
    en = run("release", "notes", "3.3.0", "--lang", "en").stdout
    assert f"| minor: new or changed function ({cid}) |" in en and en.count("minor") == 1
    assert "negotiated (3 person-days)" in en
    html = run("release", "notes", "3.3.0", "--format", "html").stdout
    assert "另行协商 (3 人天)" in html and f"v3.2.0..{head[:12]}" in html


def test_notes_list_a_sql_file_once_and_stress_the_emergency(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A SQL file reviewed and approved for two changes is one row naming both, and an
    unapproved emergency change's warning is emphasised (bold in Markdown, strong in HTML)."""
    sql = "UPDATE drug_stock SET qty = 0 WHERE drug_code = 'X';\n"
    files = {"db/fix.sql": sql, "db/fix.rollback.sql": sql}
    first = ready_change(run, new_change, repo, tmp_path, files=files)
    urgent = new_change(kind="bugfix", urgency="emergency", emergency=True)
    run("change", "submit", urgent, "--as", "dev@vendor")
    run("change", "start", urgent, "--as", "dev@vendor")
    repo.commit(f"hotfix\n\nHIS-Change: {urgent}", {"hot.py": "1"})
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    run("evidence", "add", urgent, "--junit", _junit(tmp_path), "--env", "test")
    run("change", "ready", urgent, "--as", "dev@vendor")
    for cid in (first, urgent):
        paths = [str(repo.path / p) for p in files]
        run("sql", "review", *paths, "--change", cid, "--as", "dev@vendor")
        for path in paths:
            run("sql", "approve", cid, path, "--as", "dba@hospital")
    run("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    md = run("release", "notes", "3.2.1").stdout
    rows = [line for line in md.splitlines() if line.startswith("| `db/fix.sql`")]
    assert len(rows) == 1 and f"{first}, {urgent}" in rows[0] and "已审批" in rows[0]
    assert "**⚠ 紧急变更，发布时未审批**" in md
    html = run("release", "notes", "3.2.1", "--format", "html", "--lang", "en").stdout
    assert '<strong class="warning">⚠ emergency change, released before approval</strong>' in html
