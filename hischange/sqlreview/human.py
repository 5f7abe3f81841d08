"""The review for people in a terminal: each flagged statement shown (whole for an error,
``context`` lines around the finding otherwise), its findings, a summary; colour on request.

SQL text is hostile input: control characters are shown escaped, and colour codes are added
only around our own words, never taken from the file.
"""

from __future__ import annotations

from hischange.errors import visible as _visible
from hischange.sqlreview.model import FileReview, Finding, Severity, SqlReview, Statement

__all__ = ["render_human", "visible"]

_COLOURS: dict[Severity, str] = {"error": "31;1", "warning": "33", "info": "36"}


def visible(text: str) -> str:
    """``text`` with control characters escaped (``\\r``, ``\\x1b``) so they neither move
    the terminal's cursor nor colour the output; tabs stay. hischange's one function for
    it, ``hischange.errors.visible``."""
    return _visible(text, keep_newlines=True)


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def _line(path: str, f: Finding, color: bool) -> str:
    mark = f" [suppressed: {visible(f.suppression_reason or '')}]" if f.suppressed else ""
    where = f"{visible(path)}:{f.span.start_line}:{f.span.start_col}"
    severity = f.severity if f.suppressed else _paint(f.severity, _COLOURS[f.severity], color)
    return f"{where}: {f.code} {severity} {visible(f.message)}{mark}"


def _statement_lines(st: Statement, findings: list[Finding], context: int) -> list[str]:
    """The statement's lines, numbered as in the file: all of them when an unsuppressed error
    concerns it, else ``context`` lines either side of each finding's first line."""
    lines = st.text.split("\n")
    first = st.span.start_line
    whole = any(f.severity == "error" and not f.suppressed for f in findings)
    shown: set[int] = set()
    if whole:
        shown = set(range(len(lines)))
    else:
        for f in findings:
            # a statement rule's span runs to the statement's end: its start is the line
            lo = max(f.span.start_line - first - context, 0)
            hi = min(f.span.start_line - first + context, len(lines) - 1)
            shown.update(range(lo, hi + 1))
    width = len(str(first + len(lines) - 1))
    out: list[str] = []
    previous = -1
    for i in sorted(shown):
        if previous != -1 and i != previous + 1:
            out.append(f"   {'':>{width}} ┆")
        text = visible(lines[i].removesuffix("\r"))
        out.append(f"   {first + i:>{width}} │ {text}")
        previous = i
    return out


def _render_file(fr: FileReview, context: int, color: bool) -> list[str]:
    counted = _n(len(fr.statements), "statement")
    head = f"== {visible(fr.path)} ({fr.dialect}, {fr.encoding}, {counted})"
    out = [_paint(head, "1", color)]
    if fr.changes:
        out.append(f"   changes: {', '.join(fr.changes)}")
    out.append(f"   sha256: {fr.sha256}" + (f"  base: {fr.base}" if fr.base else ""))
    by_statement: dict[int | None, list[Finding]] = {}
    for f in fr.findings:
        by_statement.setdefault(f.statement_index, []).append(f)
    for f in by_statement.pop(None, []):
        out.append(_line(fr.path, f, color))
    for index in sorted(k for k in by_statement if k is not None):
        st = fr.statements[index]
        found = by_statement[index]
        out.append(f"-- statement {index + 1} (line {st.span.start_line}):")
        out.extend(_statement_lines(st, found, context))
        out.extend("   " + _line(fr.path, f, color) for f in found)
    for s in fr.suppressions:
        out.append(
            f"{visible(fr.path)}:{s.line}: suppression ({s.scope}) of {', '.join(s.codes)}:"
            f" {visible(s.reason or '(no reason — not applied)')}"
        )
    return out


def render_human(review: SqlReview, context: int = 3, color: bool = False) -> str:
    """Per file: each flagged statement (whole for an error, else ``context`` lines around each
    finding), ``file:line:col CODE severity message`` lines, then a summary."""
    lines: list[str] = []
    counts = {"error": 0, "warning": 0, "info": 0}
    suppressed = 0
    for fr in review.files:
        lines.extend(_render_file(fr, context, color))
        for f in fr.findings:
            if f.suppressed:
                suppressed += 1
            else:
                counts[f.severity] += 1
    statements = sum(len(fr.statements) for fr in review.files)
    lines.append(
        f"{_n(len(review.files), 'file')}, {_n(statements, 'statement')}: "
        f"{_n(counts['error'], 'error')}, {_n(counts['warning'], 'warning')}, "
        f"{counts['info']} info, {suppressed} suppressed"
    )
    return "\n".join(lines) + "\n"


def _n(count: int, noun: str) -> str:
    """``1 statement``, ``2 statements``: the count with the noun in its number."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
