"""Render a review for people (text) and for tools (a SARIF 2.1.0 log as a plain dict)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from typing import Any

from hischange.sqlreview.engine import rules_for
from hischange.sqlreview.model import FileReview, Finding, Severity, SqlReview, SqlReviewSettings

__all__ = ["SARIF_SCHEMA", "render_human", "to_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "note"}
# Engine findings have no rule class; their metadata lives here.
_ENGINE_RULES: dict[str, tuple[str, Severity, str]] = {
    "HC000": (
        "not-analysable",
        "error",
        "A statement or file could not be analysed; a human must.",
    ),
    "HC001": ("encoding-fallback", "info", "The file is not UTF-8 and was decoded as GB18030."),
    "HC002": ("suppression-without-reason", "warning", "An inline suppression gave no reason."),
    "HC003": (
        "client-differs",
        "warning",
        "The database server and its command-line client would split the script differently.",
    ),
}


#: Control characters (a CR inside a string, NUL, ESC) would move the terminal's cursor or
#: colour the output; the human report shows them escaped (``\r``, ``\x00``).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ESCAPES = {"\r": "\\r", "\x00": "\\0"}


def _visible(text: str) -> str:
    return _CONTROL.sub(lambda m: _ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


def _first_line(text: str, limit: int = 100) -> str:
    line = _visible(text.lstrip().split("\n", 1)[0].rstrip())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _line(path: str, f: Finding) -> str:
    mark = f" [suppressed: {_visible(f.suppression_reason or '')}]" if f.suppressed else ""
    where = f"{_visible(path)}:{f.span.start_line}:{f.span.start_col}"
    return f"{where}: {f.code} {f.severity} {_visible(f.message)}{mark}"


def _render_file(fr: FileReview) -> list[str]:
    out = [f"== {_visible(fr.path)} ({fr.dialect}, {fr.encoding}, {len(fr.statements)} statements)"]
    by_statement: dict[int | None, list[Finding]] = {}
    for f in fr.findings:
        by_statement.setdefault(f.statement_index, []).append(f)
    for f in by_statement.pop(None, []):
        out.append(_line(fr.path, f))
    for index in sorted(k for k in by_statement if k is not None):
        st = fr.statements[index]
        out.append(f"-- statement {index + 1} (line {st.span.start_line}): {_first_line(st.text)}")
        out.extend("   " + _line(fr.path, f) for f in by_statement[index])
    for s in fr.suppressions:
        out.append(
            f"{fr.path}:{s.line}: suppression ({s.scope}) of {', '.join(s.codes)}:"
            f" {s.reason or '(no reason — not applied)'}"
        )
    return out


def render_human(review: SqlReview) -> str:
    """``file:line:col CODE severity message`` lines grouped by statement, then a summary."""
    lines: list[str] = []
    counts = {"error": 0, "warning": 0, "info": 0}
    suppressed = 0
    for fr in review.files:
        lines.extend(_render_file(fr))
        for f in fr.findings:
            if f.suppressed:
                suppressed += 1
            else:
                counts[f.severity] += 1
    statements = sum(len(fr.statements) for fr in review.files)
    lines.append(
        f"{len(review.files)} file(s), {statements} statement(s): {counts['error']} error(s),"
        f" {counts['warning']} warning(s), {counts['info']} info, {suppressed} suppressed"
    )
    return "\n".join(lines) + "\n"


def _rule_metadata(rules: Iterable[Any]) -> dict[str, dict[str, Any]]:
    meta: dict[str, dict[str, Any]] = {}
    for code, (name, severity, text) in _ENGINE_RULES.items():
        meta[code] = _descriptor(code, name, severity, text, text)
    for rule in rules:
        doc = inspect.getdoc(rule) or rule.name
        meta[rule.code] = _descriptor(rule.code, rule.name, rule.severity, doc.split("\n")[0], doc)
    return meta


def _descriptor(code: str, name: str, severity: Severity, short: str, full: str) -> dict[str, Any]:
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": _LEVEL[severity]},
    }


def _result(f: Finding, uri: str, index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.code,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri, "index": index},
                    "region": {
                        "startLine": f.span.start_line,
                        "startColumn": f.span.start_col,
                        "endLine": f.span.end_line,
                        # SARIF end columns are exclusive; our spans are inclusive.
                        "endColumn": f.span.end_col + 1,
                    },
                }
            }
        ],
    }
    if f.suppressed:
        result["suppressions"] = [{"kind": "inSource", "justification": f.suppression_reason or ""}]
    return result


def to_sarif(
    review: SqlReview, tool_version: str, rules: Iterable[Any] | None = None
) -> dict[str, Any]:
    """A SARIF 2.1.0 log. Rule metadata comes from ``rules``, else the registry's rules."""
    if rules is None:
        statement_rules, file_rules = rules_for(SqlReviewSettings(dialect=review.dialect))
        rules = [*statement_rules, *file_rules]
    meta = _rule_metadata(rules)
    artifacts: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for index, fr in enumerate(review.files):
        uri = fr.path.replace("\\", "/")
        artifacts.append(
            {
                "location": {"uri": uri},
                "length": fr.size,
                "encoding": fr.encoding,
                "hashes": {"sha-256": fr.sha256},
            }
        )
        for f in fr.findings:
            if f.code not in meta:
                meta[f.code] = _descriptor(f.code, f.rule, f.severity, f.rule, f.rule)
            results.append(_result(f, uri, index))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "hischange",
                        "version": tool_version,
                        "rules": [meta[k] for k in sorted(meta)],
                    }
                },
                "artifacts": artifacts,
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
