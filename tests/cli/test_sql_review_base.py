"""SQL review through the CLI, issue 16 item 9: files belong to the changes whose commits
modified them, and every form of review compares views with a base version (HC140)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli, NewChange, Repo

VIEW = "CREATE OR REPLACE VIEW v_report AS SELECT {} FROM t;\n"
SAFE = "UPDATE drug_stock SET qty = 0 WHERE drug_code = '{}';\n"


def _two_changes(repo: Repo, new_change: NewChange) -> tuple[str, str]:
    a, b = new_change(), new_change()
    repo.commit(f"a\n\nHIS-Change: {a}", {"db/a.sql": SAFE.format("A")})
    repo.commit(f"b\n\nHIS-Change: {b}", {"db/b.sql": SAFE.format("B")})
    repo.commit(f"a again\n\nHIS-Change: {a}", {"db/a.sql": SAFE.format("A2")})
    return a, b


def test_range_attributes_each_file_to_the_changes_that_modified_it(
    run: Cli, repo: Repo, new_change: NewChange
) -> None:
    """--range lists each file with the changes of the commits that touched it, and
    --change records only that change's files (not every file of the range)."""
    a, b = _two_changes(repo, new_change)
    data = run.json("sql", "review", "--range", "v3.2.0..HEAD", "--change", a, "--as", "dev@vendor")
    owners = {f["path"]: f["changes"] for f in data["files"]}
    assert owners == {"db/a.sql": [a], "db/b.sql": [b]}
    assert [f["path"] for f in run.json("sql", "status", a)["files"]] == ["db/a.sql"]
    assert run.json("sql", "status", b)["files"] == []
    run("sql", "review", "--range", "v3.2.0..HEAD", "--change", b, "--as", "dev@vendor")
    assert [f["path"] for f in run.json("sql", "status", b)["files"]] == ["db/b.sql"]


def test_range_change_that_modified_no_file_is_a_usage_error(
    run: Cli, repo: Repo, new_change: NewChange
) -> None:
    """Recording a range's review for a change none of whose commits touched its SQL is
    refused with exit 2, naming each file's owners; nothing is recorded."""
    a, _b = _two_changes(repo, new_change)
    other = new_change()
    result = run("sql", "review", "--range", "v3.2.0..HEAD", "--change", other, code=2)
    assert other in result.stderr and f"db/a.sql: {a}" in result.stderr
    assert run.json("sql", "status", other)["files"] == []


def _breaking_view_change(repo: Repo, new_change: NewChange) -> str:
    repo.commit("view v1", {"db/v_report.sql": VIEW.format("dept_code, visits, fee")})
    cid = new_change()
    repo.commit(
        f"drop fee\n\nHIS-Change: {cid}", {"db/v_report.sql": VIEW.format("dept_code, visits")}
    )
    repo.commit("unrelated", {"README.md": "HIS 2\n"})
    return cid


def test_file_review_for_a_change_compares_with_the_version_before_it(
    run: Cli, repo: Repo, new_change: NewChange
) -> None:
    """`sql review FILE --change CR` finds the dropped view column (HC140 error, exit 1)
    against the version before the change's first commit of the file, and records it."""
    cid = _breaking_view_change(repo, new_change)
    path = str(repo.path / "db/v_report.sql")
    result = run("sql", "review", path, "--change", cid, "--as", "dev@vendor", code=1)
    assert "HC140" in result.stdout and "fee" in result.stdout.lower()
    assert run.json("sql", "status", cid)["files"][0]["errors"] == 1
    data = run.json("sql", "review", path, "--change", cid, "--as", "dev@vendor", code=1)
    assert data["files"][0]["changes"] == [cid]  # the HTML summary groups it under cid


def test_file_review_with_base_ref_and_default_head(run: Cli, repo: Repo) -> None:
    """--base REF compares the working file with REF's version; without it (and without a
    change) an uncommitted edit is compared with HEAD."""
    repo.commit("view v1", {"db/v_report.sql": VIEW.format("dept_code, visits, fee")})
    repo.text("tag", "-a", "v3.3.0", "-m", "3.3.0")
    repo.commit("view v2", {"db/v_report.sql": VIEW.format("dept_code, visits")})
    path = str(repo.path / "db/v_report.sql")
    data = run.json("sql", "review", path, "--base", "v3.3.0", code=1)
    assert [f["code"] for f in data["files"][0]["findings"] if f["severity"] == "error"] == [
        "HC140"
    ]
    assert (
        "-CREATE OR REPLACE VIEW v_report AS SELECT dept_code, visits, fee FROM t;"
        in (data["files"][0]["diff"])
    )
    assert run.json("sql", "review", path)["files"][0]["diff"] == []
    (repo.path / "db/v_report.sql").write_text(VIEW.format("dept_code"), encoding="utf-8")
    assert "visits" in run("sql", "review", path, code=1).stdout.lower()


def test_base_must_be_one_revision_and_not_with_a_range(run: Cli, repo: Repo) -> None:
    """--base names one revision: a range there, or --base with --range, is a usage error."""
    (repo.path / "x.sql").write_text(SAFE.format("X"), encoding="utf-8")
    result = run("sql", "review", str(repo.path / "x.sql"), "--base", "v3.2.0..HEAD", code=2)
    assert "'v3.2.0..HEAD'" in result.stderr
    run("sql", "review", "--range", "v3.2.0..HEAD", "--base", "v3.2.0", code=2)


def test_staged_review_compares_the_index_with_head(run: Cli, repo: Repo) -> None:
    """--staged reviews what the next commit holds (the index, not the working file) and
    compares its views with HEAD: a staged dropped column is HC140."""
    repo.commit("view v1", {"db/v_report.sql": VIEW.format("dept_code, visits, fee")})
    target = repo.path / "db/v_report.sql"
    target.write_text(VIEW.format("dept_code, visits"), encoding="utf-8")
    repo.text("add", "db/v_report.sql")
    target.write_text(VIEW.format("dept_code, visits, fee"), encoding="utf-8")
    data = run.json("sql", "review", "--staged", code=1)
    assert [f["path"] for f in data["files"]] == ["db/v_report.sql"]
    assert "HC140" in [f["code"] for f in data["files"][0]["findings"]]
    repo.text("add", "db/v_report.sql")
    assert "no *.sql files are staged" in run("sql", "review", "--staged", code=2).stderr


def test_range_reviews_per_change_let_the_release_list_each_file_once(
    run: Cli, repo: Repo, new_change: NewChange, tmp_path: Path
) -> None:
    """Two changes each with their own script: reviewing the range once per change records
    each file for its own change only, so after approval `release cut` passes and lists each
    file once, under the change that modified it."""
    from tests.cli.test_release_cli import ready_change

    a = ready_change(run, new_change, repo, tmp_path, files={"db/a.sql": SAFE.format("A")})
    b = ready_change(run, new_change, repo, tmp_path, files={"db/b.sql": SAFE.format("B")})
    for cid in (a, b):
        run("sql", "review", "--range", "v3.2.0..HEAD", "--change", cid, "--as", "dev@vendor")
    for cid, name in ((a, "db/a.sql"), (b, "db/b.sql")):
        run("sql", "approve", cid, str(repo.path / name), "--as", "dba@hospital")
    rel = run.json("release", "cut", "--from", "v3.2.0", "--as", "d@v")
    assert sorted((c, p) for c, p, _ in rel["sql_files"]) == [(a, "db/a.sql"), (b, "db/b.sql")]


def test_dropped_view_column_found_in_a_file_review_makes_the_release_major(
    run: Cli, repo: Repo, new_change: NewChange, tmp_path: Path
) -> None:
    """The reporting view that lost a column through `sql review FILE --change CR` is a
    breaking change (HC140 error): approved with an accepted risk, the release is a major
    version, not a minor one."""
    from tests.cli.test_release_cli import ready_change

    repo.commit("view v1", {"db/v_report.sql": VIEW.format("dept_code, visits, fee")})
    repo.text("tag", "-a", "v3.3.0", "-m", "3.3.0")
    files = {"db/v_report.sql": VIEW.format("dept_code, visits")}
    cid = ready_change(run, new_change, repo, tmp_path, kind="report", files=files)
    path = str(repo.path / "db/v_report.sql")
    run("sql", "review", path, "--change", cid, "--as", "dev@vendor", code=1)
    run("sql", "approve", cid, path, "--as", "dba@hospital", "--accept-risk", "上报平台已同步")
    rel = run.json("release", "cut", "--from", "v3.3.0", "--as", "d@v")
    assert rel["version"] == "4.0.0"
