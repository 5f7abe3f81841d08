"""Render a review for tools (a SARIF 2.1.0 log as a plain dict, JSON in pieces); for people
see ``human``."""

from __future__ import annotations

import dataclasses
import inspect
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from hischange.sqlreview.engine import rules_for
from hischange.sqlreview.human import render_human
from hischange.sqlreview.model import Finding, Severity, SqlReview, SqlReviewSettings

__all__ = ["SARIF_SCHEMA", "json_chunks", "render_human", "to_sarif"]

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


def json_chunks(review: SqlReview) -> Iterator[str]:
    """``json.dumps(review.model_dump(mode="json"), ensure_ascii=False, indent=2,
    sort_keys=True)`` in pieces, the same text: each statement is turned into a dict only when
    the writer reaches it, so a script of a million statements is never held as JSON (nor as
    one dict tree) at once. The files' other fields are small and dumped whole."""
    files = []
    for fr in review.files:
        entry = {
            f.name: _dumped(getattr(fr, f.name))
            for f in dataclasses.fields(fr)
            if f.name != "statements"
        }
        entry["statements"] = _EachDumped(fr.statements)
        files.append(entry)
    top = {"dialect": review.dialect, "files": files}
    return json.JSONEncoder(ensure_ascii=False, indent=2, sort_keys=True).iterencode(top)


def _dumped(value: Any) -> Any:
    return (
        value.model_dump(mode="json")
        if hasattr(value, "model_dump")
        else ([_dumped(v) for v in value] if isinstance(value, tuple | list) else value)
    )


class _EachDumped(list[Any]):
    """A list to the JSON encoder (which is the pure-Python one whenever ``indent`` is set):
    its length is the statements', its items are dumped one at a time as it iterates."""

    def __init__(self, items: Sequence[Any]) -> None:
        super().__init__()
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self) -> Iterator[Any]:
        return (item.model_dump(mode="json") for item in self._items)


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
