"""The commit-msg hook and the gate decide alike (issue 15): for a table of real-world
messages, each is committed with ``git commit`` (``-m``, ``-F`` or an editor, with the
cleanup mode and encoding of the case) through the installed hook, and ``custody check``
then judges the commit git stored. Both must agree, and agree with what the case expects."""

from __future__ import annotations

import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import Cli, NewChange, Repo, write_config

CONFIG = """
[custody]
trailer_keys = ["HIS-Change", "Jira"]
subject_patterns = ['\\[(CR-\\d{4}-\\d{4})\\]']
external_ids.jira = '(?P<id>HIS-\\d+)'
external_ids.oa = '(?P<id>XXK-\\d{4}-\\d{3})'
external_ids.zentao = '^#(?P<id>\\d+)\\b'

[custody.ignore]
reverts = true
autosquash = true
authors = ["*[bot]@users.noreply.github.com"]
"""

BOT = "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>"
DEPENDABOT = """Bump lodash from 4.17.20 to 4.17.21

Bumps [lodash](https://github.com/lodash/lodash) from 4.17.20 to 4.17.21.
- [Release notes](https://github.com/lodash/lodash/releases)
- [Commits](https://github.com/lodash/lodash/compare/4.17.20...4.17.21)

---
updated-dependencies:
- dependency-name: lodash
  dependency-type: direct:production
...

Signed-off-by: dependabot[bot] <support@github.com>
"""
GERRIT = "Change-Id: I8473b95934b5732ac55d26311a706c9c2bde9940"


@dataclass
class Case:
    """One message, how it is committed, and whether it should pass."""

    name: str
    #: the message; {A} {B} approved, {D} draft, {S} stale, {R} the revertable commit
    message: str
    #: "F" (-F file), "m" (one -m per paragraph), "editor", "merge"
    how: str = "F"
    expect: bool | None = True
    args: tuple[str, ...] = ()
    config: tuple[str, ...] = ()
    author: str | None = None
    encoding: str = "utf-8"
    env: dict[str, str] = field(default_factory=dict)


CASES = [
    Case("plain", "修复门诊挂号重复\n\nHIS-Change: {A}\n"),
    Case("m_hash_subject", "#123 修复挂号\n\nHIS-Change: {A}\n", "m"),
    Case("F_hash_subject", "#123 修复挂号\n\nHIS-Change: {A}\n"),
    Case("m_hash_unknown_zentao", "#999 其他科室\n\nHIS-Change: {A}\n", "m", False),
    Case("m_hash_body_line", "修复挂号\n\n#部分 说明\n\nHIS-Change: {A}\n", "m"),
    Case("editor_comment_line", "修复挂号\n# 备注: 不入库\n\nHIS-Change: {A}\n", "editor"),
    Case("editor_hash_subject_stripped", "#123 修复挂号\n\nHIS-Change: {A}\n", "editor", False),
    Case("editor_comment_in_trailer_block", "fix\n\nHIS-Change: {A}\n# note\n", "editor"),
    Case("verbatim_hash", "#123 fix\n\nHIS-Change: {A}\n", args=("--cleanup=verbatim",)),
    Case("strip_flag_with_m", "#1 修复\n\nHIS-Change: {A}\n", "m", False, ("--cleanup=strip",)),
    Case(
        "strip_config_with_F",
        "#1 x\n\nHIS-Change: {A}\n",
        expect=False,
        config=("-c", "commit.cleanup=strip"),
    ),
    Case(
        "whitespace_config_editor",
        "fix\n\nHIS-Change: {A}\n",
        "editor",
        None,
        config=("-c", "commit.cleanup=whitespace"),
    ),
    Case("scissors_editor", "fix\n\nHIS-Change: {A}\n", "editor", args=("-v",)),
    Case("scissors_mode_m", "fix\n\nHIS-Change: {A}\n", "m", args=("--cleanup=scissors",)),
    Case("dash_body", "fix\n\n---\nnotes for reviewers\n\nHIS-Change: {A}\n"),
    Case("dash_in_last_paragraph", "fix\n\nbody\n---\nHIS-Change: {A}\n", expect=None),
    Case(
        "gbk_F",
        "修复挂号收费\n\nHIS-Change: {A}\n",
        encoding="gbk",
        config=("-c", "i18n.commitEncoding=GBK"),
    ),
    Case(
        "gbk_m_hash",
        "#123 修复挂号\n\nHIS-Change: {A}\n",
        "m",
        encoding="gbk",
        config=("-c", "i18n.commitEncoding=GBK"),
    ),
    Case(
        "gbk_chinese_key",
        "修复\n\n需求编号: {A}\n",
        expect=False,
        encoding="gbk",
        config=("-c", "i18n.commitEncoding=GBK"),
    ),
    Case("crlf_F", "fix\r\n\r\nHIS-Change: {A}\r\n"),
    Case(
        "crlf_verbatim", "fix\r\n\r\nHIS-Change: {A}\r\n", expect=None, args=("--cleanup=verbatim",)
    ),
    Case("fixup", "fixup! 修复门诊挂号重复\n"),
    Case("squash", "squash! 修复门诊挂号重复\n\n补充说明\n"),
    Case("amend", "amend! 修复门诊挂号重复\n\n修复门诊挂号重复(改)\n"),
    Case("merge_no_id", "Merge branch 'side'\n", "merge"),
    Case("merge_draft", "Merge branch 'side'\n\nHIS-Change: {D}\n", "merge", False),
    Case("revert_linked", 'Revert "修复门诊挂号重复"\n\nThis reverts commit {R}.\n'),
    Case("revert_unlinked", 'Revert "baseline"\n\nThis reverts commit {BASE}.\n', expect=False),
    Case("dependabot_bot", DEPENDABOT, author=BOT),
    Case("dependabot_by_a_person", DEPENDABOT, expect=False),
    Case("gerrit_with_change", f"fix\n\n{GERRIT}\nHIS-Change: {{A}}\n"),
    Case("gerrit_only", f"fix\n\n{GERRIT}\n", expect=False),
    Case("jira_trailer", "fix\n\nJira: HIS-77\n"),
    Case("jira_subject", "HIS-77 修复检验接口\n"),
    Case("jira_unknown", "fix\n\nJira: HIS-78\n", expect=False),
    Case("oa_subject", "XXK-2026-031 门诊日结报表\n"),
    Case("subject_pattern", "[{A}] 修复\n"),
    Case("trailer_not_last", "fix\n\nHIS-Change: {A}\n\nmore text\n", expect=False),
    Case("trailer_with_signoff", "fix\n\nSigned-off-by: 张三 <z@vendor>\nHIS-Change: {A}\n"),
    Case("mixed_last_paragraph", "fix\n\nsome text\nHIS-Change: {A}\n", expect=False),
    Case("folded_two_ids", "fix\n\nHIS-Change: {A},\n  {B}\n"),
    Case("one_draft_of_two", "fix\n\nHIS-Change: {A}, {D}\n", expect=False),
    Case("unknown_id", "fix\n\nHIS-Change: CR-2026-0999\n", expect=False),
    Case("lower_case_id", "fix\n\nHIS-Change: {a}\n"),
    Case("not_an_id", "fix\n\nHIS-Change: TBD\n", expect=False),
    Case(
        "approver_authored",
        "fix\n\nHIS-Change: {A}\n",
        expect=False,
        author="审核 <reviewer@hospital>",
    ),
    Case("stale_approval", "fix\n\nHIS-Change: {S}\n", expect=False),
    Case("blank_lines_and_spaces", "fix   \n\n\n\nHIS-Change: {A}   \n\n\n"),
    Case("key_lower_case", "fix\n\nhis-change: {A}\n"),
    Case("full_width_colon", "fix\n\nHIS-Change： {A}\n", expect=False),
    Case("indented_trailer", "fix\n\n    HIS-Change: {A}\n", expect=False),
    Case("no_change", "修复\n", expect=False),
    Case("co_authored", "fix\n\nHIS-Change: {A}\nCo-authored-by: 李四 <li@vendor>\n"),
    Case("pr_squash_title", "Merge pull request #12 from vendor/fix (#12)\n\nHIS-Change: {A}\n"),
]


def _editor(tmp: Path, message_file: Path) -> str:
    """An editor that writes the message above git's template (comments, scissors, diff)."""
    script = tmp / "editor.sh"
    script.write_text(
        f'#!/bin/sh\n{{ cat "{message_file}"; cat "$1"; }} > "$1.new" && mv "$1.new" "$1"\n',
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def _git(repo: Repo, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=repo.path, env=env, capture_output=True, check=False)


def _commit(repo: Repo, case: Case, message: str, tmp: Path, n: int) -> tuple[bool, str, str]:
    """Commit through the hook; when it refuses, again with --no-verify. Returns (hook
    accepted, the commit, the hook's output)."""
    data = message.encode(case.encoding)
    msg_file = tmp / f"msg-{n}"
    msg_file.write_bytes(data)
    env = {**repo.env, **case.env, "GIT_EDITOR": _editor(tmp, msg_file)}
    if case.author:
        name, _, email = case.author.partition(" <")
        env |= {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email.rstrip(">")}
    (repo.path / f"case-{n}.txt").write_text(case.name, encoding="utf-8")
    repo.git("add", f"case-{n}.txt")
    if case.how == "m":
        paragraphs = [p for p in message.split("\n\n") if p.strip()]
        given = [a for p in paragraphs for a in ("-m", p.rstrip("\n"))]
        # git joins -m paragraphs itself, in the commit encoding the hook must read
        given = [a.encode(case.encoding).decode("utf-8", "surrogateescape") for a in given]
    elif case.how == "editor":
        given = []
    else:
        given = ["-F", str(msg_file)]
    if case.how == "merge":
        side = repo.text("rev-parse", "HEAD")
        repo.git("checkout", "-q", "-b", f"side-{n}", "HEAD~1")
        (repo.path / f"side-{n}.txt").write_text("side", encoding="utf-8")
        repo.git("add", f"side-{n}.txt")
        repo.git("commit", "-q", "--no-verify", "-m", f"side {n}\n\nHIS-Change: {CIDS['A']}")
        repo.git("checkout", "-q", "feature")
        assert repo.text("rev-parse", "HEAD") == side
        done = _git(repo, ["merge", "--no-ff", "-q", f"side-{n}", "-F", str(msg_file)], env)
        if done.returncode != 0:
            again = ["commit", "-q", "--no-verify", "-F", str(msg_file)]
            if not (repo.path / ".git" / "MERGE_HEAD").exists():
                again = ["merge", "--no-ff", "-q", "--no-verify", f"side-{n}", "-F", str(msg_file)]
            assert _git(repo, again, env).returncode == 0
    else:
        argv = [*case.config, "commit", "-q", *case.args, *given]
        done = _git(repo, argv, env)
        if done.returncode != 0:
            again = [*case.config, "commit", "-q", "--no-verify", *case.args, *given]
            retry = _git(repo, again, env)
            assert retry.returncode == 0, retry.stderr.decode("utf-8", "replace")
    out = (done.stdout + done.stderr).decode(case.encoding, "replace")
    return done.returncode == 0, repo.text("rev-parse", "HEAD"), out


CIDS: dict[str, str] = {}


def test_hook_and_gate_agree_on_real_world_messages(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path
) -> None:
    """Each message of the table, committed with git through the installed hook, is
    accepted by the hook exactly when ``custody check`` accepts the commit git stored."""
    assert len(CASES) >= 40
    write_config(tmp_path, CONFIG)
    ids = {}
    for name in ("A", "B", "S"):
        cid = new_change()
        run("change", "submit", cid, "--as", "dev@vendor")
        run("change", "approve", cid, "--as", "reviewer@hospital")
        ids[name] = cid
    ids["D"] = new_change()
    run("change", "edit", ids["S"], "--title", "范围扩大", "--as", "dev@vendor")
    run("change", "edit", ids["A"], "--ref", "jira:HIS-77", "--ref", "oa:XXK-2026-031",
        "--ref", "zentao:123", "--reason", "工单")  # fmt: skip
    CIDS.clear()
    CIDS.update(ids)
    repo.git("checkout", "-q", "-b", "feature")
    linked = repo.commit(f"修复门诊挂号重复\n\nHIS-Change: {ids['A']}\n", {"r.txt": "r\n"})
    run("hook", "install")
    tmp = tmp_path.parent / f"{tmp_path.name}-agree"
    tmp.mkdir()
    values = {**ids, "a": ids["A"].lower(), "R": linked, "BASE": repo.text("rev-parse", "v3.2.0")}
    hook: dict[str, tuple[bool, str, Case]] = {}
    for n, case in enumerate(CASES):
        message = case.message
        for key, value in values.items():
            message = message.replace("{" + key + "}", value)
        accepted, sha, out = _commit(repo, case, message, tmp, n)
        hook[sha] = (accepted, out, case)
    report = run.json("custody", "check", f"{linked}..HEAD", code=None)
    failing = {v["sha"] for v in report["violations"] if v["severity"] == "error"}
    disagree = []
    for sha, (accepted, out, case) in hook.items():
        gate = sha not in failing
        if accepted != gate or (case.expect is not None and accepted != case.expect):
            shown = [v["code"] for v in report["violations"] if v["sha"] == sha]
            disagree.append(f"{case.name}: hook {accepted}, gate {gate} {shown}, expected "
                            f"{case.expect}; hook said: {out.strip()[:300]}")  # fmt: skip
    assert not disagree, "\n".join(disagree)
    ignored = {i["sha"]: i["rule"] for i in report["ignored"]}
    rules = {hook[sha][2].name: rule for sha, rule in ignored.items() if sha in hook}
    assert rules == {
        "fixup": "autosquash",
        "squash": "autosquash",
        "amend": "autosquash",
        "merge_no_id": "merge_policy",
        "revert_linked": "revert",
        "dependabot_bot": "author",
    }
