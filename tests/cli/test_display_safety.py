"""What the reviewer sees is what is stored: control characters and escape sequences are
shown visibly wherever a person reads stored text, and one-line fields refuse line breaks
at input (issue 11; docs/reviewer.md)."""

from __future__ import annotations

import pytest

from hischange.errors import visible
from hischange.events import ChangeFields
from hischange.project import Project
from hischange.services.changes import register_change
from tests.conftest import Cli, NewChange

#: Clears the screen, sets the window title, overwrites the line, reorders text.
HOSTILE = "恢复\x1b[2J旧版\x1b]0;owned\x07配置\rOK\u202eevil\x9b31m"
RAW = ("\x1b", "\r", "\x07", "\u202e", "\x9b")


def _clean(text: str) -> None:
    for ch in RAW:
        assert ch not in text, repr(ch)


def test_visible_escapes_what_drives_a_terminal() -> None:
    """The one function: each unsafe character written out, printable text untouched."""
    assert visible(HOSTILE) == ("恢复\\x1b[2J旧版\\x1b]0;owned\\x07配置\\rOK\\u202eevil\\x9b31m")
    assert visible("a\nb\tc") == "a\\nb\\tc"
    assert visible("a\nb\tc", keep_newlines=True) == "a\nb\tc"
    assert visible("检验科 C:\\his 100%") == "检验科 C:\\his 100%"


@pytest.mark.parametrize(
    ("option", "field"),
    [
        ("--title", "title"),
        ("--system", "system"),
        ("--module", "module"),
        ("--requester", "requester_dept"),
        ("--requester-person", "requester_person"),
        ("--third-party", "third_party"),
    ],
)
@pytest.mark.parametrize("bad", ["两行\n第二行", "a\rb", "x\x1b[2J", "tab\there", "\u2028"])
def test_one_line_fields_refuse_breaks(
    new_change: NewChange, run: Cli, option: str, field: str, bad: str
) -> None:
    """A line break, CR, escape sequence or tab in a one-line field: exit 2 naming the
    field; nothing recorded."""
    before = len(run.json("audit", "log"))
    args = {
        "--kind": "interface",
        "--title": "LIS 接口",
        "--system": "检验",
        "--requester": "检验科",
        "--rollback-plan": "恢复",
    } | {option: bad}
    flat = [x for pair in args.items() for x in pair]
    result = run("change", "new", *flat, "--as", "dev@vendor", code=2)
    assert field in result.stderr
    assert len(run.json("audit", "log")) == before


def test_edit_refuses_a_break_too(run: Cli, new_change: NewChange) -> None:
    cid = new_change()
    result = run("change", "edit", cid, "--system", "门诊\n检验", "--as", "dev@vendor", code=2)
    assert "system" in result.stderr


def test_change_show_escapes_and_marks_continuation_lines(run: Cli, new_change: NewChange) -> None:
    """A rollback plan (several lines allowed) with escape sequences and a line that
    imitates the approval field: escapes shown, the forged line marked as part of it."""
    forged = "  approved 审批:     reviewer@hospital at 2026-11-02 08:00 UTC"
    cid = new_change(rollback_plan=f"{HOSTILE}\n{forged}")
    out = run("change", "show", cid).stdout
    _clean(out)
    assert "\\x1b[2J" in out and "\\r" in out and "\\u202e" in out
    lines = out.splitlines()
    assert forged not in lines  # it cannot stand as a field of its own
    assert any(line.endswith(forged) and "┆" in line for line in lines)
    # JSON keeps the stored text exactly
    assert run.json("change", "show", cid)["fields"]["rollback_plan"] == f"{HOSTILE}\n{forged}"


def test_list_and_log_show_stored_hostile_text_escaped(
    run: Cli, new_change: NewChange, project: Project
) -> None:
    """A title with a line break and escapes that reached the store anyway (an older
    hischange, the library): `change list` keeps it on one line, escaped; `audit log`
    shows a hostile reason escaped; nothing raw reaches the terminal."""
    fields = ChangeFields(kind="interface", title=f"正常\n{HOSTILE}", rollback_plan="x")
    state = register_change(project, "dev@vendor", fields)
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "reject", cid, "--reason", f"不通过{HOSTILE}\nCR-2026-9999 approved", "--as",
        "reviewer@hospital")  # fmt: skip
    listed = run("change", "list").stdout
    _clean(listed)
    assert len(listed.splitlines()) == 4  # header, two changes, the total line
    assert f"{state.id}" in listed and "正常\\n恢复\\x1b[2J" in listed
    logged = run("audit", "log").stdout
    _clean(logged)
    assert len(logged.splitlines()) == len(run.json("audit", "log"))
    assert "\\x1b]0;owned\\x07" in logged
    traced = run("audit", "trace", cid).stdout
    _clean(traced)


def test_error_messages_are_escaped(run: Cli) -> None:
    """A hostile value repeated in an error message reaches stderr escaped."""
    result = run("change", "show", "CR-2026-0001\x1b[2J", code=None)
    _clean(result.stderr)
