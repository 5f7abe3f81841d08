"""audit verify / log / trace and init through the CLI."""

from __future__ import annotations

import re
import sqlite3
import tomllib
from hashlib import sha256
from pathlib import Path

import pytest
from pydantic import BaseModel

from tests.conftest import Cli, NewChange, Repo, write_config


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
    assert report["checked"] == [
        "chain",
        "head",
        "replay",
        "derived",
        "signatures",
        "attachments",
    ]
    assert report["trust"]["mode"] == "unsigned"


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


def _forged_ledger(tmp_path: Path, clock: object, title: str) -> Path:
    """A second, genuine ledger with the same commands and times but another title: what a
    rewrite of the whole chain looks like (every hash differs, and it verifies on its own)."""
    root = tmp_path / "forger"
    root.mkdir()
    write_config(root)
    forger = Cli(root, clock)  # type: ignore[arg-type]
    forger("init")
    cid = forger.json(
        "change", "new", "--kind", "interface", "--title", title, "--system", "检验",
        "--requester", "检验科", "--rollback-plan", "恢复旧版接口配置", "--as", "dev@vendor",
    )["id"]  # fmt: skip
    forger("change", "submit", cid, "--as", "dev@vendor")
    forger("change", "approve", cid, "--as", "reviewer@hospital")
    forger("change", "start", cid, "--as", "dev@vendor")
    assert forger.json("audit", "verify")["ok"] is True
    return root / ".hischange" / "hischange.db"


def test_verify_expect_head_catches_rewrite(
    run: Cli, new_change: NewChange, tmp_path: Path, clock: object
) -> None:
    """A head kept elsewhere catches a rewrite of the whole chain that verifies on its own:
    the current head and an older one (a release recorded at sequence 2) both exit 4, while
    before the rewrite the older head still matched a ledger that has grown since."""
    cid = _approved(run, new_change)
    older = run.json("audit", "verify")
    older_head = f"2:{run.json('audit', 'log', '--since', '1', '--limit', '1')[0]['hash']}"
    run("change", "start", cid, "--as", "dev@vendor")
    current = run.json("audit", "verify")
    assert current["head_seq"] == older["head_seq"] + 1 == 4
    current_head = f"{current['head_seq']}:{current['head_hash']}"
    run("audit", "verify", "--expect-head", older_head)  # an older head still matches
    run("audit", "verify", "--expect-head", current_head)

    forged = _forged_ledger(tmp_path, clock, "LIS 接口字段调整（改）")
    source, target = (
        sqlite3.connect(forged),
        sqlite3.connect(tmp_path / ".hischange" / "hischange.db"),
    )
    source.backup(target)  # the whole database replaced, journal included
    source.close()
    target.close()
    assert run.json("audit", "verify")["ok"] is True  # the rewrite verifies on its own
    for head in (older_head, current_head):
        report = run.json("audit", "verify", "--expect-head", head, code=4)
        assert [p["damage"] for p in report["problems"]] == ["head"]
        assert report["problems"][0]["seq"] == int(head.split(":")[0])


def test_verify_expect_head_beyond_the_end(run: Cli, new_change: NewChange) -> None:
    """A kept head past the ledger's end (events cut off the tail and the head row moved
    back) is a failure, not a pass."""
    _approved(run, new_change)
    report = run.json("audit", "verify", "--expect-head", f"9:{'ab' * 32}", code=4)
    assert [p["damage"] for p in report["problems"]] == ["head"]


def test_verify_expect_head_after_a_break_names_only_the_break(
    run: Cli, new_change: NewChange, tmp_path: Path
) -> None:
    """With the chain broken at 2, a kept head at 3 that still matches adds no second
    problem: verification keeps reading past the break to find the kept head."""
    _approved(run, new_change)
    head = run.json("audit", "verify")
    db = sqlite3.connect(tmp_path / ".hischange" / "hischange.db")
    body = db.execute("SELECT body FROM events WHERE seq = 2").fetchone()[0]
    db.execute("UPDATE events SET body = ? WHERE seq = 2", (body.replace(b"submitted", b"x"),))
    db.commit()
    db.close()
    report = run.json(
        "audit", "verify", "--expect-head", f"{head['head_seq']}:{head['head_hash']}", code=4
    )
    assert [(p["seq"], p["damage"]) for p in report["problems"]] == [(2, "edited")]


def test_verify_expect_head_malformed_is_usage(run: Cli, new_change: NewChange) -> None:
    """A value that is not SEQ:HASH is the caller's mistake (exit 2, naming it), not an
    integrity failure at sequence 0."""
    _approved(run, new_change)
    for bad in ("garbage", "3:xyz", f"-1:{'0' * 64}", f"3:{'0' * 63}", ":"):
        result = run("audit", "verify", "--expect-head", bad, code=2)
        assert repr(bad) in result.stderr and "sequence 0" not in result.stdout + result.stderr


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
    assert "2026-11-02 16:00 CST" in run("audit", "trace", cid).stdout
    run("audit", "trace", "CR-2026-0042", code=3)


def test_init_is_idempotent_and_writes_roles_example(tmp_path: Path, clock: object) -> None:
    """init creates .hischange/ with a commented [roles] example; again changes nothing."""
    target = tmp_path / "repo"
    target.mkdir()
    cli = Cli(target, clock)  # type: ignore[arg-type]
    assert cli("init", code=2).stderr.count("--trust-root KEY.pub") == 1
    assert cli.json("init", "--unsigned")["created"] is True
    config = (target / ".hischange" / "config.toml").read_text(encoding="utf-8")
    assert "[roles]" in config and '# approvers = ["reviewer@hospital"]' in config
    assert 'trust = "none"' in config
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
    Cli(target, clock)("init", "--unsigned")  # type: ignore[arg-type]
    written = (target / ".hischange" / "config.toml").read_text(encoding="utf-8")
    written = written.replace('trust = "none"', '#trust = "auto"')
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


def _db(tmp_path: Path, *statements: tuple[str, tuple[object, ...]]) -> None:
    db = sqlite3.connect(tmp_path / ".hischange" / "hischange.db")
    for sql, params in statements:
        db.execute(sql, params)
    db.commit()
    db.close()


def test_verify_names_a_deleted_last_event(run: Cli, new_change: NewChange, tmp_path: Path) -> None:
    """The last event deleted: the chain alone looks whole, the ledger head row still
    records it, so `deleted` at 3 (not a projection difference). Deterministic, unlike the
    random damage test that caught the mutation "head row ignored" only by chance."""
    _approved(run, new_change)
    _db(tmp_path, ("DELETE FROM events WHERE seq = 3", ()))
    report = run.json("audit", "verify", code=4)
    assert (report["problems"][0]["seq"], report["problems"][0]["damage"]) == (3, "deleted")


def test_verify_names_a_stored_aggregate_no_event_made(
    run: Cli, new_change: NewChange, tmp_path: Path
) -> None:
    """A projection row planted with no event behind it is named (mutation: skipping
    aggregates the replay did not produce left the tests green)."""
    _approved(run, new_change)
    _db(
        tmp_path,
        (
            "INSERT INTO aggregates (kind, key, state, last_seq) VALUES (?, ?, ?, ?)",
            ("change", "CR-2026-0099", "{}", 1),
        ),
    )
    report = run.json("audit", "verify", code=4)
    details = [(p["damage"], p["detail"]) for p in report["problems"]]
    assert ("projection", "change CR-2026-0099 is stored but no event made it") in details


def test_verify_names_a_projection_with_another_last_sequence(
    run: Cli, new_change: NewChange, tmp_path: Path
) -> None:
    """A projection whose state is right but whose last sequence number was changed is
    drift (mutation: comparing the state only left the tests green)."""
    cid = _approved(run, new_change)
    _db(tmp_path, ("UPDATE aggregates SET last_seq = 1 WHERE key = ?", (cid,)))
    report = run.json("audit", "verify", code=4)
    assert [p["damage"] for p in report["problems"]] == ["projection"]
    assert cid in report["problems"][0]["detail"]


def test_verify_surfaces_a_replay_that_cannot_run(
    run: Cli, new_change: NewChange, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the chain is sound, a replay that fails is surfaced as its own problem (named
    `replay`, with the error, at the event), not as projection drift and not as a
    traceback (mutation: swallowing the replay's error left the tests green)."""
    from hischange.project import find_project
    from hischange.services import audit

    _approved(run, new_change)

    def broken(*_: object) -> None:
        raise RuntimeError("projector failed")

    monkeypatch.setattr(audit, "project", broken)
    proj = find_project(run.root)
    try:
        report = audit.verify_store(proj)
    finally:
        proj.close()
    assert not report.ok and report.head_seq is None
    assert [(p.seq, p.damage) for p in report.problems] == [(1, "replay")]
    assert "projector failed" in report.problems[0].detail


def test_verify_names_an_event_whose_type_hides_in_its_payload(
    run: Cli, new_change: NewChange, tmp_path: Path
) -> None:
    """A forged last event, correctly hashed and linked and the head row moved on, whose
    type column says `change_submitted` while the event is `evidence_recorded` carrying
    `"type":"change_submitted"` inside its payload: the byte-level check finds that text,
    so only the parsed event's type shows the lie; it is named `edited` at 4 (mutation:
    not comparing the parsed type with the column left the tests green)."""
    from datetime import datetime

    from hischange.events import EvidenceRecorded
    from hischange.ledger import canonical, chain_hash, envelope

    cid = _approved(run, new_change)
    db = sqlite3.connect(tmp_path / ".hischange" / "hischange.db")
    prev, at = db.execute("SELECT hash, at FROM events WHERE seq = 3").fetchone()
    event = EvidenceRecorded(
        evidence_id="EV-2026-0001",
        change_ids=(cid,),
        kind="onsite",
        commit=None,
        env="test",
        passed=True,
        summary="forged",
        detail={"type": "change_submitted"},
    ).model_dump(mode="json")
    when = datetime.fromisoformat(at)
    body = canonical(envelope(seq=4, at=when, actor="dev@vendor", prev_hash=prev, event=event))
    digest = chain_hash(prev, body)
    db.execute(
        "INSERT INTO events (seq, at, actor, type, change_id, algorithm, prev_hash, hash, body)"
        " VALUES (4, ?, 'dev@vendor', 'change_submitted', ?, 'sha256', ?, ?, ?)",
        (at, cid, prev, digest, body),
    )
    db.execute("UPDATE ledger_head SET seq = 4, hash = ?", (digest,))
    db.commit()
    db.close()
    report = run.json("audit", "verify", code=4)
    assert (report["problems"][0]["seq"], report["problems"][0]["damage"]) == (4, "edited")


def test_verify_names_an_edited_aggregate_state(
    run: Cli, new_change: NewChange, tmp_path: Path
) -> None:
    """The stored state of a change (the aggregate's JSON, not the typed columns) edited:
    projection drift at the change's last event (mutation: treating every stored state as
    equal was caught only by chance, by the random damage test)."""
    cid = _approved(run, new_change)
    db = sqlite3.connect(tmp_path / ".hischange" / "hischange.db")
    state = db.execute("SELECT state FROM aggregates WHERE key = ?", (cid,)).fetchone()[0]
    db.execute(
        "UPDATE aggregates SET state = ? WHERE key = ?",
        (state.replace("LIS 接口字段调整", "LIS 接口字段调整改"), cid),
    )
    db.commit()
    db.close()
    report = run.json("audit", "verify", code=4)
    assert [(p["seq"], p["damage"]) for p in report["problems"]] == [(3, "projection")]
