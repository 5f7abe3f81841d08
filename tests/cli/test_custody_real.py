"""Code custody on real vendor histories (issue 15), through the CLI with real git
repositories: history truth, separation of duties at the gate, and the gate's reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, NewChange, Repo, write_config


def _approved(run: Cli, new_change: NewChange, approver: str = "reviewer@hospital") -> str:
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", approver)
    return cid


def _replace_message(repo: Repo, sha: str, message: str) -> str:
    """Plant a replace ref: git shows ``message`` for ``sha`` from now on."""
    tree = repo.text("rev-parse", f"{sha}^{{tree}}")
    parent = repo.text("rev-parse", f"{sha}^")
    fake = repo.commit(message, parents=[parent], update="")
    assert repo.text("rev-parse", f"{fake}^{{tree}}") == tree
    repo.text("replace", sha, fake)
    assert message.splitlines()[0] in repo.text("log", "-1", "--format=%B", sha)
    return fake


def test_check_and_scan_read_the_real_message_under_a_replace_ref(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """A replace ref that shows a linked message for an unlinked commit fools neither the
    gate nor the scan: both read the commit as it was made."""
    cid = _approved(run, new_change)
    sha = repo.commit("紧急修复 without a change", {"a.py": "1\n"})
    _replace_message(repo, sha, f"紧急修复\n\nHIS-Change: {cid}")
    report = run.json("custody", "check", "v3.2.0..HEAD", code=1)
    assert [(v["code"], v["sha"]) for v in report["violations"]] == [("HC-C001", sha)]
    scan = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert (scan["commits"], scan["linked"], scan["new_links"]) == (1, 0, 0)
    assert run.json("change", "show", cid)["commits"] == []


def test_replace_ref_cannot_hide_a_linked_commit_from_verify(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """A linked commit replaced by another stays the one verify checks (and it is there)."""
    cid = _approved(run, new_change)
    sha = repo.commit(f"linked\n\nHIS-Change: {cid}", {"a.py": "1\n"})
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    _replace_message(repo, sha, "rewritten\n\nno change here")
    run("custody", "check", "v3.2.0..HEAD")
    run("custody", "verify")


def test_grafts_are_refused_with_a_clear_error(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """A graft file rewrites parents and git cannot be told to ignore it: check and scan
    refuse the repository (exit 4) naming the file and what to do."""
    cid = _approved(run, new_change)
    repo.commit(f"one\n\nHIS-Change: {cid}", {"a.py": "1\n"})
    tip = repo.commit("two, unlinked", {"a.py": "2\n"})
    grafts = repo.path / ".git" / "info" / "grafts"
    grafts.parent.mkdir(exist_ok=True)
    grafts.write_text(f"{tip} {repo.text('rev-parse', 'v3.2.0^{commit}')}\n")
    for args in (("check", "v3.2.0..HEAD"), ("scan", "v3.2.0..HEAD", "--as", "dev@vendor")):
        result = run("custody", *args, code=4)
        assert "graft" in result.stderr and "grafts" in result.stderr
    grafts.unlink()
    run("custody", "check", "v3.2.0..HEAD", code=1)


def test_not_a_repository_hint_names_an_option_that_exists(run: Cli) -> None:
    """Outside a repository the hint names `--project`, which the CLI has, not `--repo`."""
    result = run("custody", "check", "HEAD", code=3)
    assert "--project" in result.stderr and "--repo" not in result.stderr
    assert "--project" in run("--help").stdout


def test_gate_flags_commits_authored_by_the_approver_whenever_made(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """A commit authored by the change's approver after the approval fails the gate with
    HC-C007 naming the approver; the developer's own commits pass; SARIF knows the rule."""
    cid = _approved(run, new_change)
    repo.commit(f"by the developer\n\nHIS-Change: {cid}", {"a.py": "1\n"})
    late = repo.commit(
        f"by the approver\n\nHIS-Change: {cid}", {"a.py": "2\n"}, author="Reviewer@Hospital"
    )
    report = run.json("custody", "check", "v3.2.0..HEAD", code=1)
    assert [(v["code"], v["sha"], v["change_id"]) for v in report["violations"]] == [
        ("HC-C007", late, cid)
    ]
    assert "approved" in report["violations"][0]["message"]
    assert "职责分离" in report["violations"][0]["message"]
    sarif = json.loads(run("custody", "check", "v3.2.0..HEAD", "--format", "sarif", code=1).stdout)
    assert "HC-C007" in [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["HC-C007"]


def test_approve_still_refuses_an_author_of_scanned_commits(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """`change approve` keeps refusing an approver who authored scanned commits (exit 5)."""
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    repo.commit(f"by reviewer\n\nHIS-Change: {cid}", {"r": "1"}, author="reviewer@hospital")
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert (
        "authored commits"
        in run("change", "approve", cid, "--as", "reviewer@hospital", code=5).stderr
    )
    refused = run.json("audit", "log")[-1]["event"]
    assert (refused["type"], refused["rule"]) == ("command_refused", "separation_of_duties")


def test_names_no_change_message_uses_the_configured_trailer_key(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """With `trailer_keys = ["Change-Id"]` the HC-C001 fix names `Change-Id`, not HIS-Change."""
    write_config(tmp_path, '\n[custody]\ntrailer_keys = ["Change-Id"]\n')
    repo.commit("no link", {"a.py": "1\n"})
    report = run.json("custody", "check", "v3.2.0..HEAD", code=1)
    message = report["violations"][0]["message"]
    assert "`Change-Id: CR-YYYY-NNNN`" in message and "HIS-Change" not in message


def test_empty_range_passes_check_and_scan_with_exit_0(run: Cli, repo: Repo) -> None:
    """A range with no commits (nothing pushed since the tag) is not a usage error: check
    passes with exit 0 and says so, scan records nothing; both in JSON too."""
    assert "no commits" in run("custody", "check", "v3.2.0..HEAD").stdout
    report = run.json("custody", "check", "v3.2.0..HEAD")
    assert (report["commits"], report["violations"]) == (0, [])
    assert "no commits" in run("custody", "scan", "HEAD..HEAD", "--as", "dev@vendor").stdout
    scan = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert (scan["commits"], scan["new_links"]) == (0, 0)


def test_human_scan_output_bounds_unknown_ids(run: Cli, repo: Repo) -> None:
    """Hundreds of unknown ids give one short line: the count and the first examples; JSON
    still lists every one."""
    ids = [f"CR-2025-{n:04d}" for n in range(1, 301)]
    for start in range(0, 300, 100):
        trailers = "\n".join(f"HIS-Change: {cid}" for cid in ids[start : start + 100])
        repo.commit(f"legacy batch {start}\n\n{trailers}", {"a.py": f"{start}\n"})
    out = run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor").stdout
    line = next(x for x in out.splitlines() if "unknown" in x)
    assert "300 unknown change ids" in line and "CR-2025-0001" in line
    assert "CR-2025-0300" not in out and len(out) < 1000
    assert "290 more" in line
    full = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert full["unknown_changes"] == ids


def test_evidence_on_the_surviving_tip_is_current_after_a_force_push(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A force-push drops the change's last linked commit: evidence recorded on the
    surviving tip is current, not stale against a commit the repository no longer has."""
    cid = _approved(run, new_change)
    run("change", "start", cid, "--as", "dev@vendor")
    kept = repo.commit(f"first\n\nHIS-Change: {cid}", {"a.py": "1\n"})
    dropped = repo.commit(f"second\n\nHIS-Change: {cid}", {"a.py": "2\n"})
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    repo.text("reset", "-q", "--hard", kept)
    repo.text("reflog", "expire", "--expire=now", "--all")
    repo.text("gc", "-q", "--prune=now")
    report = tmp_path.parent / f"{tmp_path.name}-junit.xml"
    report.write_text(
        '<?xml version="1.0"?><testsuite name="t" tests="1" failures="0">'
        '<testcase classname="t" name="ok"/></testsuite>\n',
        encoding="utf-8",
    )
    run("evidence", "add", cid, "--junit", str(report), "--env", "test", "--as", "ci@vendor")
    item = run.json("evidence", "list", cid)["items"][0]
    assert (item["commit"], item["stale"]) == (kept, False)
    assert dropped[:8] in item["why"] and "no longer in the repository" in item["why"]


def test_sarif_results_carry_locations(run: Cli, new_change: NewChange, repo: Repo) -> None:
    """Every SARIF result has a location: the commit (logical) anchored to a file it
    changed, or to the project config for a commit that changes no file."""
    cid = _approved(run, new_change)
    repo.commit(f"ok\n\nHIS-Change: {cid}", {"ok.py": "1\n"})
    bad = repo.commit("no change named", {"src/门诊/挂号.py": "x\n"})
    empty = repo.commit("empty commit, no change named")
    sarif = json.loads(run("custody", "check", "v3.2.0..HEAD", "--format", "sarif", code=1).stdout)
    results = {r["properties"]["commit"]: r for r in sarif["runs"][0]["results"]}
    assert set(results) == {bad, empty}
    for sha, uri in ((bad, "src/门诊/挂号.py"), (empty, ".hischange/config.toml")):
        (location,) = results[sha]["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == uri
        assert location["logicalLocations"][0]["fullyQualifiedName"] == sha


BOT = "49699333+dependabot[bot]@users.noreply.github.com"


def test_dependabot_commit_ignored_by_author_rule_is_listed(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A Dependabot-style commit names no change: it fails the gate until an author rule
    ignores it; then the gate passes and JSON, SARIF and the human output list it as
    ignored with the rule that ignored it."""
    cid = _approved(run, new_change)
    repo.commit(f"ok\n\nHIS-Change: {cid}", {"a.py": "1\n"})
    bot = repo.commit(
        "Bump lodash from 4.17.20 to 4.17.21\n\n"
        "Signed-off-by: dependabot[bot] <support@github.com>",
        {"package-lock.json": "{}\n"},
        author=BOT,
    )
    assert run.json("custody", "check", "v3.2.0..HEAD", code=1)["violations"][0]["sha"] == bot
    write_config(tmp_path, '\n[custody.ignore]\nauthors = ["*[bot]@users.noreply.github.com"]\n')
    report = run.json("custody", "check", "v3.2.0..HEAD")
    assert report["violations"] == []
    (ignored,) = report["ignored"]
    assert (ignored["sha"], ignored["rule"], ignored["code"]) == (bot, "author", "HC-C001")
    assert "*[bot]@users.noreply.github.com" in ignored["detail"]
    assert ignored["path"] == "package-lock.json"
    sarif = json.loads(run("custody", "check", "v3.2.0..HEAD", "--format", "sarif").stdout)
    (result,) = sarif["runs"][0]["results"]
    assert result["properties"] == {"commit": bot, "changeId": None, "ignoredBy": "author"}
    assert result["suppressions"][0]["kind"] == "external" and result["locations"]
    human = run("custody", "check", "v3.2.0..HEAD").stdout
    assert f"ignored {bot[:12]}" in human and "author 1" in human


def test_ignore_rules_for_reverts_autosquash_subjects_and_merges(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A revert of a linked commit, a fixup! not yet on a protected ref, a subject regex and
    a merge (merge_policy) are each ignored and listed with their rule; a revert of an
    unlinked commit and a fixup! already on main are not."""
    write_config(
        tmp_path,
        "\n[custody.ignore]\nreverts = true\nautosquash = true\n"
        "subjects = ['^\\[skip-custody\\]']\n",
    )
    cid = _approved(run, new_change)
    linked = repo.commit(f"linked\n\nHIS-Change: {cid}", {"a.py": "1\n"})
    stray = repo.commit("stray fix, no change", {"b.py": "1\n"})
    revert_ok = repo.commit(f'Revert "linked"\n\nThis reverts commit {linked}.\n', {"a.py": "0\n"})
    revert_bad = repo.commit(f'Revert "stray"\n\nThis reverts commit {stray}.\n', {"b.py": "0\n"})
    fix_main = repo.commit("fixup! linked", {"a.py": "2\n"})
    skip = repo.commit("[skip-custody] regenerate lockfile", {"c.lock": "1\n"})
    repo.text("checkout", "-q", "-b", "feature")
    fix_side = repo.commit("fixup! linked", {"a.py": "3\n"})
    repo.text("checkout", "-q", "main")
    repo.text("merge", "-q", "--no-ff", "feature", "-m", "Merge branch 'feature'")
    merge = repo.text("rev-parse", "HEAD")
    repo.text("checkout", "-q", "-b", "work", fix_side)
    repo.commit("fixup! linked", {"a.py": "4\n"})
    unmerged = repo.text("rev-parse", "HEAD")
    repo.text("checkout", "-q", "main")
    report = run.json("custody", "check", "v3.2.0..work", code=1)
    flagged = sorted(v["sha"] for v in report["violations"])
    assert flagged == sorted([stray, revert_bad, fix_main, fix_side])
    rules = {i["sha"]: i["rule"] for i in report["ignored"]}
    assert rules == {revert_ok: "revert", skip: "subject", unmerged: "autosquash"}
    merged = run.json("custody", "check", "v3.2.0..main", code=1)
    assert {i["sha"]: i["rule"] for i in merged["ignored"]}[merge] == "merge_policy"


def test_bad_ignore_regex_is_a_configuration_error(run: Cli, repo: Repo, tmp_path: Path) -> None:
    """A subject regex that does not compile is named when the config is read (exit 6)."""
    write_config(tmp_path, "\n[custody.ignore]\nsubjects = ['(unclosed']\n")
    assert "(unclosed" in run("custody", "check", "v3.2.0..HEAD", code=6).stderr


def test_scan_reports_values_that_name_no_change(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """With `trailer_keys = ["Change-Id"]` (Gerrit ids) a scan links nothing, but says so:
    the count of values that name no change and the first examples, in JSON and human
    output; an incremental scan gives the same figures as a full one."""
    write_config(tmp_path, '\n[custody]\ntrailer_keys = ["Change-Id"]\n')
    for n in range(12):
        repo.commit(f"gerrit {n}\n\nChange-Id: I{n:040x}", {"a.py": f"{n}\n"})
    first = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert (first["linked"], first["unmatched_values"]) == (0, 12)
    assert first["unmatched_examples"][0] == f"Change-Id: I{0:040x}"
    assert len(first["unmatched_examples"]) == 10
    human = run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor").stdout
    assert "12 values under a change trailer key named no change id" in human
    repo.commit("gerrit 12\n\nChange-Id: Iffff", {"a.py": "12\n"})
    again = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    full = run.json("custody", "scan", "v3.2.0..HEAD", "--full", "--as", "dev@vendor")
    assert again["unmatched_values"] == full["unmatched_values"] == 13
    assert again["unmatched_examples"] == full["unmatched_examples"]


def test_verify_in_a_shallow_clone_says_beyond_the_boundary_with_exit_1(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A linked commit below a shallow clone's boundary is not "absent" (exit 4, history
    rewritten) but "beyond the shallow boundary" (exit 1), naming `git fetch --unshallow`."""
    cid = _approved(run, new_change)
    old = repo.commit(f"a\n\nHIS-Change: {cid}", {"a": "1"})
    repo.commit(f"b\n\nHIS-Change: {cid}", {"b": "1"})
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    clone = tmp_path.parent / f"{tmp_path.name}-shallow"
    repo.text("clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone))
    shutil.copytree(tmp_path / ".hischange", clone / ".hischange", dirs_exist_ok=True)
    other = Cli(clone, run.clock)
    result = other("custody", "verify", code=1)
    assert f"MISSING {old[:12]} (beyond the shallow boundary)" in result.stdout
    assert "absent" not in result.stdout
    assert "git fetch --unshallow" in result.stderr
    data = other.json("custody", "verify", code=1)
    assert [m["reason"] for m in data["missing"]] == ["shallow"]


def test_change_refs_new_edit_unique_and_audited(run: Cli, new_change: NewChange) -> None:
    """`change new --ref` records external references; `change edit --ref` replaces one per
    system or removes it (with a reason, the approval kept); an id another change carries
    is refused (exit 5, `external_ref_taken`, recorded); audit trace shows the edits."""
    cid = new_change("--ref", "jira:HIS-1234", "--ref", "OA:XXK-2026-031")
    assert run.json("change", "show", cid)["refs"] == ["jira:HIS-1234", "oa:XXK-2026-031"]
    assert "jira:HIS-1234" in run("change", "show", cid).stdout
    other = new_change()
    refused = run("change", "edit", other, "--ref", "jira:HIS-1234", "--reason", "x", code=5)
    assert "already the reference of" in refused.stderr and cid in refused.stderr
    last = run.json("audit", "log")[-1]["event"]
    assert (last["type"], last["rule"]) == ("command_refused", "external_ref_taken")
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital")
    assert "--reason" in run("change", "edit", cid, "--ref", "jira:HIS-1235", code=2).stderr
    run("change", "edit", cid, "--ref", "jira:HIS-1235", "--ref", "oa:", "--reason", "重开单")
    shown = run.json("change", "show", cid)
    assert shown["refs"] == ["jira:HIS-1235"] and shown["state"] == "approved"
    assert shown["approval"] is not None
    run("change", "edit", other, "--ref", "jira:HIS-1234", "--reason", "moved")
    assert run.json("change", "show", other)["refs"] == ["jira:HIS-1234"]
    with_refs = [
        e for e in run.json("audit", "trace", cid) if e["event"]["type"] == "change_refs_edited"
    ]
    assert [e["event"]["removed"] for e in with_refs] == [[], ["jira:HIS-1234", "oa:XXK-2026-031"]]
    dup = run(
        "change", "new", "--kind", "interface", "--title", "t", "--system", "s",
        "--requester", "r", "--ref", "jira:HIS-1235", "--as", "dev@vendor", code=5,
    )  # fmt: skip
    assert "already the reference of" in dup.stderr
    assert run.json("audit", "verify")["ok"]


EXTERNAL = """
[custody]
trailer_keys = ["HIS-Change", "Jira"]
external_ids = { jira = '(?P<id>HIS-\\d+)', oa = '(?P<id>XXK-\\d{4}-\\d{3})' }
"""


def test_external_ids_in_trailers_and_subjects_link_to_the_change_carrying_them(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A trailer or a subject naming an external id links to the change carrying it; an
    unknown external id is kept pending and shown like an unknown CR id (then linked once a
    change carries it); a value matching no shape is reported, never dropped."""
    write_config(tmp_path, EXTERNAL)
    cid = _approved(run, new_change)
    run("change", "edit", cid, "--ref", "jira:HIS-1234", "--reason", "Jira 工单")
    by_trailer = repo.commit("挂号改造\n\nJira: HIS-1234", {"a.py": "1\n"})
    by_subject = repo.commit("HIS-1234 修复挂号金额", {"a.py": "2\n"})
    pending = repo.commit("OA 单\n\nHIS-Change: oa:XXK-2026-031", {"b.py": "1\n"})
    repo.commit("坏值\n\nJira: NOPE-1", {"c.py": "1\n"})
    scan = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert (scan["linked"], scan["new_links"]) == (2, 2)
    assert scan["unknown_changes"] == ["oa:XXK-2026-031"]
    assert (scan["unmatched_values"], scan["unmatched_examples"]) == (1, ["Jira: NOPE-1"])
    assert run.json("change", "show", cid)["commits"] == [by_trailer, by_subject]
    report = run.json("custody", "check", "v3.2.0..HEAD", code=1)
    codes = sorted((v["code"], v["change_id"]) for v in report["violations"])
    # the bad value: HC-C006, and its commit names no change (HC-C001)
    assert codes == [("HC-C001", None), ("HC-C002", "oa:XXK-2026-031"), ("HC-C006", None)]
    later = new_change("--ref", "oa:XXK-2026-031")
    again = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert (again["new_links"], again["unknown_changes"]) == (1, [])
    assert run.json("change", "show", later)["commits"] == [pending]
    full = run.json("custody", "scan", "v3.2.0..HEAD", "--full", "--as", "dev@vendor")
    assert {k: v for k, v in full.items() if k not in ("new_links", "already_recorded")} == {
        k: v for k, v in again.items() if k not in ("new_links", "already_recorded")
    }


def test_external_id_shape_without_id_group_is_a_configuration_error(
    run: Cli, repo: Repo, tmp_path: Path
) -> None:
    """An external id shape without a named group `id` is refused when the config is read."""
    write_config(tmp_path, "\n[custody]\nexternal_ids = { jira = 'HIS-\\d+' }\n")
    assert "(?P<id>" in run("custody", "check", "v3.2.0..HEAD", code=6).stderr


def test_verify_proposes_replacements_and_supersede_records_them(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """A rebase rewrote two linked commits, one of them edited on the way (so the scan
    cannot pair them one for one): verify names each missing commit with its likely
    replacements (same patch-id first, then the change's other commits) and exits 4;
    `custody supersede` records the replacements, after which verify passes and `audit
    trace` shows the supersession."""
    cid = _approved(run, new_change)
    old_a = repo.commit(f"挂号 a\n\nHIS-Change: {cid}", {"a.py": "1\n"})
    old_b = repo.commit(f"挂号 b\n\nHIS-Change: {cid}", {"b.py": "1\n"})
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    repo.text("reset", "-q", "--hard", "v3.2.0")
    new_a = repo.commit(f"挂号 a (rebased)\n\nHIS-Change: {cid}", {"a.py": "1\n"})
    new_b = repo.commit(f"挂号 b (rebased, fixed)\n\nHIS-Change: {cid}", {"b.py": "2\n"})
    scan = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert scan["superseded"] == 0
    report = run.json("custody", "verify", code=4)
    found = {m["sha"]: [(c["sha"], c["why"]) for c in m["candidates"]] for m in report["missing"]}
    assert found[old_a][0] == (new_a, "patch-id")
    assert set(found[old_b]) == {(new_a, "same change"), (new_b, "same change")}
    human = run("custody", "verify", code=4).stdout
    assert f"likely replacement {new_a[:12]} (patch-id)" in human
    assert "--reason" in run("custody", "supersede", old_a[:8], "--by", new_a, code=2).stderr
    run("custody", "supersede", old_a[:8], "--by", new_a[:8], "--reason", "rebased",
        "--as", "dev@vendor")  # fmt: skip
    run("custody", "supersede", old_b, "--by", new_b, "--reason", "rebased", "--as", "dev@vendor")
    ok = run.json("custody", "verify")
    assert (ok["missing"], ok["superseded"]) == ([], 2)
    traced = [e["event"] for e in run.json("audit", "trace", cid)]
    superseded = [e for e in traced if e["type"] == "commits_superseded"]
    assert [(e["old"], e["by"]) for e in superseded] == [([old_a], new_a), ([old_b], new_b)]
    assert run.json("audit", "verify")["ok"]
    assert (
        "no linked commit"
        in run("custody", "supersede", "deadbeef00", "--by", new_a, "--reason", "x", code=3).stderr
    )


def test_scan_supersedes_rebased_commits_when_patch_ids_match_one_for_one(
    run: Cli, new_change: NewChange, repo: Repo
) -> None:
    """A plain rebase keeps every patch: the scan that links the rebased commits records
    that they supersede the dropped ones (one event each, how=patch-id), verify passes."""
    cid = _approved(run, new_change)
    old_a = repo.commit(f"a\n\nHIS-Change: {cid}", {"a.py": "1\n"})
    old_b = repo.commit(f"b\n\nHIS-Change: {cid}", {"b.py": "1\n"})
    run("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    repo.text("reset", "-q", "--hard", "v3.2.0")
    repo.commit("upstream moved on\n\nHIS-Change: " + cid, {"z.py": "0\n"})
    new_a = repo.commit(f"a\n\nHIS-Change: {cid}", {"a.py": "1\n"})
    new_b = repo.commit(f"b\n\nHIS-Change: {cid}", {"b.py": "1\n"})
    scan = run.json("custody", "scan", "v3.2.0..HEAD", "--as", "dev@vendor")
    assert (scan["new_links"], scan["superseded"]) == (3, 2)
    assert run.json("custody", "verify")["superseded"] == 2
    events = [e["event"] for e in run.json("audit", "trace", cid)]
    pairs = {(e["old"][0], e["by"], e["how"]) for e in events if e["type"] == "commits_superseded"}
    assert pairs == {(old_a, new_a, "patch-id"), (old_b, new_b, "patch-id")}
    again = run.json("custody", "scan", "v3.2.0..HEAD", "--full", "--as", "dev@vendor")
    assert again["superseded"] == 0


def test_hook_install_refuses_a_hooks_path_outside_the_repository(
    run: Cli, repo: Repo, tmp_path: Path
) -> None:
    """A core.hooksPath outside the repository is shared by other repositories: install
    refuses it (exit 2, naming --global) and installs there with --global; a hooksPath
    inside the repository is fine."""
    shared = tmp_path.parent / f"{tmp_path.name}-shared-hooks"
    repo.text("config", "core.hooksPath", str(shared))
    refused = run("hook", "install", code=2)
    assert "outside this repository" in refused.stderr and "--global" in refused.stderr
    assert not (shared / "commit-msg").exists()
    run("hook", "install", "--global")
    assert (shared / "commit-msg").exists()
    repo.text("config", "core.hooksPath", ".githooks")
    run("hook", "install")
    assert (repo.path / ".githooks" / "commit-msg").exists()


def test_hook_names_a_stale_approval_as_stale(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """A change edited after approval: the hook says its approval is stale and what to do,
    not that an approved change is not approved."""
    cid = _approved(run, new_change)
    run("change", "edit", cid, "--title", "范围扩大", "--as", "dev@vendor")
    msg = tmp_path.parent / f"{tmp_path.name}-MSG"
    msg.write_text(f"fix\n\nHIS-Change: {cid}\n", encoding="utf-8")
    out = run("hook", "check-msg", str(msg), code=1).stdout
    assert "approval is stale" in out and "approve" in out
    assert "only approved changes" not in out


def test_hook_honours_external_ids_and_subject_patterns(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """The hook accepts what the gate links: an external id carried by an approved change
    (trailer or subject) and a configured subject pattern; an unknown external id is named."""
    write_config(tmp_path, EXTERNAL + "subject_patterns = ['\\[(CR-\\d{4}-\\d{4})\\]']\n")
    cid = _approved(run, new_change)
    run("change", "edit", cid, "--ref", "jira:HIS-77", "--reason", "Jira")
    msg = tmp_path.parent / f"{tmp_path.name}-MSG"
    for text in ("fix\n\nJira: HIS-77\n", "HIS-77 fix\n", f"[{cid}] fix\n"):
        msg.write_text(text, encoding="utf-8")
        run("hook", "check-msg", str(msg))
    msg.write_text("fix\n\nJira: HIS-78\n", encoding="utf-8")
    out = run("hook", "check-msg", str(msg), code=1).stdout
    assert "names jira:HIS-78, which no registered change carries" in out


def test_check_reads_only_the_states_of_the_changes_the_range_names(
    run: Cli, new_change: NewChange, repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate reads the states of the changes its range names, each once, not every
    change in the ledger (30 registered, 1 named: 1 read), whichever reader answers (the
    full store, or the standard-library reader of a local SQLite file)."""
    from hischange.store import Store
    from hischange.store.lite import LiteReader

    cid = _approved(run, new_change)
    for _ in range(29):
        new_change()
    repo.commit(f"a\n\nHIS-Change: {cid}", {"a.py": "1\n"})
    repo.commit(f"b\n\nHIS-Change: {cid}", {"a.py": "2\n"})
    reads: list[str] = []
    for cls in (Store, LiteReader):
        every, one, some = cls.aggregates_of, cls.aggregate, cls.aggregates_in

        def no_full_load(self: Any, kind: str, every: Any = every) -> list[dict[str, Any]]:
            assert kind != "change", "custody check loaded every change"
            return every(self, kind)  # type: ignore[no-any-return]

        def counted_read(self: Any, kind: str, key: str, one: Any = one) -> Any:
            reads.append(f"{kind}:{key}")
            return one(self, kind, key)

        def counted_reads(
            self: Any, kind: str, keys: Any, chunk: int = 500, some: Any = some
        ) -> Any:
            keys = list(keys)
            reads.extend(f"{kind}:{key}" for key in keys)
            return some(self, kind, keys, chunk)

        monkeypatch.setattr(cls, "aggregates_of", no_full_load)
        monkeypatch.setattr(cls, "aggregate", counted_read)
        monkeypatch.setattr(cls, "aggregates_in", counted_reads)
    run("custody", "check", "v3.2.0..HEAD")
    assert [r for r in reads if r.startswith("change:")] == [f"change:{cid}"]
