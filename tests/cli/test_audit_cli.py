"""audit verify / log / trace and init through the CLI."""

from __future__ import annotations

import re
import sqlite3
import tomllib
from hashlib import sha256
from pathlib import Path

from pydantic import BaseModel

from tests.conftest import Cli, NewChange, Repo


def _approved(run: Cli, new_change: NewChange) -> str:
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital")
    return cid


def test_verify_ok_json(run: Cli, new_change: NewChange) -> None:
    """An untouched store verifies; JSON names the head."""
    _approved(run, new_change)
    report = run.json("audit", "verify")
    assert report["ok"] is True
    assert report["events"] == 3 and report["head_seq"] == 3
    assert report["checked"] == ["chain", "head", "replay"]


def test_verify_catches_edited_payload(run: Cli, new_change: NewChange, tmp_path: Path) -> None:
    """Editing a stored event's bytes exits 4 and names its sequence number."""
    _approved(run, new_change)
    db = sqlite3.connect(tmp_path / ".hischange" / "hischange.db")
    body = db.execute("SELECT body FROM events WHERE seq = 2").fetchone()[0]
    db.execute(
        "UPDATE events SET body = ? WHERE seq = 2", (body.replace(b"submitted", b"approved"),)
    )
    db.commit()
    db.close()
    result = run("audit", "verify", code=4)
    assert "sequence 2: edited" in result.stdout


def test_verify_catches_projection_drift(run: Cli, new_change: NewChange, tmp_path: Path) -> None:
    """Editing a projection row (state column) is drift: exit 4."""
    cid = _approved(run, new_change)
    db = sqlite3.connect(tmp_path / ".hischange" / "hischange.db")
    db.execute("UPDATE changes SET state = 'closed' WHERE change_id = ?", (cid,))
    db.commit()
    db.close()
    result = run("audit", "verify", code=4)
    assert "projection" in result.stdout and cid in result.stdout


def test_verify_expect_head_catches_rewrite(run: Cli, new_change: NewChange) -> None:
    """A head held elsewhere that no longer matches exits 4."""
    _approved(run, new_change)
    head = run.json("audit", "verify")
    good = f"{head['head_seq']}:{head['head_hash']}"
    run("audit", "verify", "--expect-head", good)
    run("audit", "verify", "--expect-head", f"{head['head_seq']}:{'0' * 64}", code=4)


def test_log_filters(run: Cli, new_change: NewChange) -> None:
    """audit log supports --since, --change and --limit."""
    a = _approved(run, new_change)
    b = new_change()
    assert [e["seq"] for e in run.json("audit", "log", "--since", "2")] == [3, 4]
    assert {e["event"]["change_id"] for e in run.json("audit", "log", "--change", b)} == {b}
    assert len(run.json("audit", "log", "--limit", "1")) == 1
    assert a in run("audit", "log").stdout


def test_trace_shows_actor_time_hash(run: Cli, new_change: NewChange) -> None:
    """audit trace lists each event of the change with actor, time and hash."""
    cid = _approved(run, new_change)
    events = run.json("audit", "trace", cid)
    assert [e["event"]["type"] for e in events] == [
        "change_registered",
        "change_submitted",
        "change_approved",
    ]
    assert events[2]["actor"] == "reviewer@hospital"
    assert all(len(e["hash"]) == 64 for e in events)
    assert "2026-11-02 08:00 UTC" in run("audit", "trace", cid).stdout
    run("audit", "trace", "CR-2026-0042", code=3)


def test_init_is_idempotent_and_writes_roles_example(tmp_path: Path, clock: object) -> None:
    """init creates .hischange/ with a commented [roles] example; again changes nothing."""
    target = tmp_path / "repo"
    target.mkdir()
    cli = Cli(target, clock)  # type: ignore[arg-type]
    assert cli.json("init")["created"] is True
    config = (target / ".hischange" / "config.toml").read_text(encoding="utf-8")
    assert "[roles]" in config and '# approvers = ["reviewer@hospital"]' in config
    assert cli.json("init")["created"] is False


def test_no_project_is_not_found(tmp_path: Path, clock: object) -> None:
    """Commands outside a project exit 3 and say to run init."""
    cli = Cli(tmp_path / "nowhere", clock)  # type: ignore[arg-type]
    (tmp_path / "nowhere").mkdir()
    assert "hischange init" in cli("change", "list", code=3).stderr


def test_malformed_config_names_file_and_line(run: Cli, tmp_path: Path) -> None:
    """A malformed config exits 6 naming the file and the line."""
    (tmp_path / ".hischange" / "config.toml").write_text(
        "[roles]\napprovers = [\n", encoding="utf-8"
    )
    result = run("change", "list", code=6)
    assert "config.toml" in result.stderr and "line" in result.stderr


def test_unknown_config_key_exit_6(run: Cli, tmp_path: Path) -> None:
    """An unknown key is a configuration error with the key named."""
    (tmp_path / ".hischange" / "config.toml").write_text(
        "[roles]\napprover = []\n", encoding="utf-8"
    )
    assert "roles.approver" in run("change", "list", code=6).stderr


def test_newer_store_refused(run: Cli, tmp_path: Path) -> None:
    """A store made by a newer hischange exits 6 and says which version made it."""
    db = sqlite3.connect(tmp_path / ".hischange" / "hischange.db")
    db.execute("UPDATE alembic_version SET version_num = '9999'")
    db.execute("UPDATE store_meta SET value = '9.9.0' WHERE key = 'hischange_version'")
    db.commit()
    db.close()
    result = run("change", "list", code=6)
    assert "newer hischange" in result.stderr and "9.9.0" in result.stderr


def test_show_and_trace_name_commits_files_releases_and_evidence(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """`change show` lists the change's commits, SQL files (with review and approval) and
    releases; `audit trace` names the change on every event and shows what each records:
    commit SHAs, SQL files, the version, the evidence id."""
    from tests.cli.test_release_cli import ready_change

    sql = "UPDATE drug_stock SET qty = 0 WHERE drug_code = 'X';\n"
    files = {"db/fix.sql": sql, "db/fix.rollback.sql": sql}
    cid = ready_change(run, new_change, repo, tmp_path, files=files)
    sha = repo.text("rev-parse", "HEAD")
    paths = [str(repo.path / p) for p in files]
    run("sql", "review", *paths, "--change", cid, "--as", "dev@vendor")
    for path in paths:
        run("sql", "approve", cid, path, "--as", "dba@hospital")
    run("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    shown = run("change", "show", cid).stdout
    assert sha[:12] in shown and "dev@vendor" in shown
    assert "db/fix.sql" in shown and "approved 已审批 by dba@hospital" in shown
    assert "releases 版本:     3.2.1" in shown
    trace = {line.split()[5]: line for line in run("audit", "trace", cid).stdout.splitlines()}
    assert (
        f"commits_linked         {cid} range=v3.2.0..HEAD commits={sha[:12]}"
        in (trace["commits_linked"])
    )
    assert f"files=db/fix.sql@{sha256(sql.encode()).hexdigest()[:12]}" in trace["sql_reviewed"]
    assert "version=3.2.1 tag=v3.2.1" in trace["release_cut"]
    assert "evidence=EV-2026-0001" in trace["evidence_recorded"]
    assert f"commit={sha[:12]} result=pass" in trace["evidence_recorded"]


def _uncommented(template: str) -> str:
    """The template with every commented setting switched on: a "#" goes unless "# " and a
    word follow it (an explanation)."""
    lines = [line[1:] if re.match(r"#(?! \S)", line) else line for line in template.splitlines()]
    return "\n".join(lines) + "\n"


def test_init_config_shows_every_setting_with_its_default(tmp_path: Path, clock: object) -> None:
    """The config.toml that init writes names every section and key of the configuration,
    and switching all of them on gives exactly the default configuration."""
    from hischange.config import Config
    from hischange.sqlreview import SqlReviewSettings

    target = tmp_path / "repo"
    target.mkdir()
    Cli(target, clock)("init")  # type: ignore[arg-type]
    written = (target / ".hischange" / "config.toml").read_text(encoding="utf-8")
    data = tomllib.loads(_uncommented(written))
    config = Config.model_validate(data)
    assert config.model_copy(update={"sqlreview": {}}) == Config()
    assert SqlReviewSettings.model_validate(config.sqlreview) == SqlReviewSettings()
    for name, field in Config.model_fields.items():
        assert re.search(rf"^#? ?\[?{name}\b", written, flags=re.M), name
        section = field.default if isinstance(field.default, BaseModel) else None
        for key in type(section).model_fields if section is not None else ():
            assert re.search(rf"^#? ?{key} =", written, flags=re.M), f"{name}.{key}"
    assert set(data["sqlreview"]) == set(SqlReviewSettings.model_fields)
