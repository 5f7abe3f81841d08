"""What the DBA reads (issue 16 item 9): the HTML review and the human output show whole
statements, the findings at their lines, the diff against the base and the SHA-256."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from tests.conftest import Cli, NewChange, Repo

HOSTILE = (
    "CREATE OR REPLACE VIEW v_report AS SELECT dept_code FROM t;\n"
    "UPDATE t SET note = '</td><script>alert(1)</script>'\n"
    "  WHERE\n"
    "  1 = 1;\n"
)


def _setup(repo: Repo, new_change: NewChange) -> tuple[str, Path]:
    repo.commit(
        "v1",
        {"db/v_report.sql": "CREATE OR REPLACE VIEW v_report AS SELECT dept_code, fee FROM t;\n"},
    )
    repo.text("tag", "-a", "v3.3.0", "-m", "3.3.0")
    cid = new_change()
    repo.commit(f"drop fee\n\nHIS-Change: {cid}", {"db/v_report.sql": HOSTILE})
    return cid, repo.path / "db/v_report.sql"


def test_html_review_shows_statements_findings_diff_sha_and_summary(
    run: Cli, repo: Repo, new_change: NewChange
) -> None:
    """--format html: every statement line in full and highlighted, the finding in the row of
    the line it concerns, the diff against the base, the SHA-256 and a per-change summary;
    zh-CN by default."""
    cid, path = _setup(repo, new_change)
    page = run("sql", "review", "--range", "v3.3.0..HEAD", "--format", "html", code=1).stdout
    assert '<html lang="zh-CN">' in page and "SQL 审核报告" in page
    assert hashlib.sha256(path.read_bytes()).hexdigest() in page
    flagged = re.search(r'<tr class="flag"><td class="n">4</td>(.*?)</tr>', page)
    assert flagged and "HC102" in flagged.group(1)  # the always-true WHERE is on line 4
    assert '<span class="k">UPDATE</span>' in page
    assert re.search(r"<td>" + cid + r"</td><td>1</td><td>2</td><td>2</td>", page)
    assert '<span class="del">-CREATE OR REPLACE VIEW v_report AS SELECT dept_code, fee' in page
    assert "HC140" in page


def test_html_escapes_hostile_sql_and_speaks_english_on_request(
    run: Cli, repo: Repo, new_change: NewChange
) -> None:
    """SQL text cannot inject markup (a </td><script> in a string literal stays text), and
    --lang en gives the English page."""
    _cid, path = _setup(repo, new_change)
    page = run("sql", "review", str(path), "--format", "html", "--lang", "en", code=1).stdout
    assert '<html lang="en">' in page and "<h1>SQL review</h1>" in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)" in page


def test_human_output_prints_the_whole_statement_for_an_error(
    run: Cli, repo: Repo, new_change: NewChange
) -> None:
    """An error shows every line of its statement, numbered as in the file; --context limits
    what is shown around warnings and infos."""
    _cid, path = _setup(repo, new_change)
    out = run("sql", "review", str(path), "--base", "v3.3.0", "--context", "0", code=1).stdout
    for number, line in enumerate(HOSTILE.splitlines(), 1):
        if number > 1:
            assert f"   {number} │ {line}" in out
    assert "1 │ CREATE OR REPLACE VIEW" in out  # the HC140 info/error statement


def test_human_context_lines_around_a_warning(run: Cli, tmp_path: Path) -> None:
    """A statement with only a warning shows the flagged line and --context N lines either
    side, not the whole statement."""
    lines = [
        "SELECT a",
        *[f"  , c{i}" for i in range(6)],
        "FROM t1, t2",
        "WHERE t1.x = 1",
        "  AND t2.y = 2;",
    ]
    (tmp_path / "q.sql").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = run("sql", "review", str(tmp_path / "q.sql"), "--context", "1").stdout
    assert "q.sql:8:1: HC114 warning" in out  # the implicit cross join, line 8
    assert " 7 │   , c5" in out and " 8 │ FROM t1, t2" in out and " 9 │ WHERE t1.x = 1" in out
    assert "│ SELECT a" not in out and "│   , c4" not in out and "t2.y" not in out


def test_colour_on_request_never_from_the_file(run: Cli, tmp_path: Path) -> None:
    """--color always colours the severity; an ESC in the SQL is still shown escaped; the
    default (auto) writes no colour where NO_COLOR is set or the output is not a terminal."""
    (tmp_path / "d.sql").write_text("DELETE FROM t -- \x1b[2J\n;\n", encoding="utf-8")
    coloured = run("sql", "review", str(tmp_path / "d.sql"), "--color", "always", code=1).stdout
    assert "\x1b[31;1merror\x1b[0m" in coloured and "\\x1b[2J" in coloured
    assert coloured.count("\x1b[") == coloured.count("\x1b[0m") * 2
    run.env["NO_COLOR"] = "1"
    assert "\x1b" not in run("sql", "review", str(tmp_path / "d.sql"), code=1).stdout
