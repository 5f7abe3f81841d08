"""SARIF 2.1.0 logs for tools (code scanning in a CI or a forge): the custody gate's
violations. (SQL review findings have their own SARIF writer in ``hischange.sqlreview``.)"""

from __future__ import annotations

from hischange.workflow.custody import CODES, CustodyReport, IgnoredCommit, Violation

__all__ = ["custody_sarif"]


#: Where a finding about a commit that changes no file is anchored: the custody rules.
CONFIG_URI = ".hischange/config.toml"


def _location(v: Violation | IgnoredCommit) -> dict[str, object]:
    """The commit as a logical location, anchored to a file it changed (or the project's
    config for a commit that changes none): code-scanning tools need a physical location."""
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": v.path or CONFIG_URI, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 1},
        },
        "logicalLocations": [{"name": v.sha[:12], "fullyQualifiedName": v.sha, "kind": "commit"}],
        "message": {"text": f"commit {v.sha[:12]} {v.subject}"},
    }


def custody_sarif(report: CustodyReport, tool_version: str) -> dict[str, object]:
    """The gate's violations as a SARIF 2.1.0 log (one result per violation)."""
    rules = [
        {"id": code, "name": text.replace(" ", "-"), "shortDescription": {"text": text}}
        for code, text in CODES.items()
    ]
    results: list[dict[str, object]] = [
        {
            "ruleId": v.code,
            "level": v.severity,
            "message": {"text": f"{v.sha[:12]} {v.subject}: {v.message}"},
            "locations": [_location(v)],
            "partialFingerprints": {"commitSha": v.sha},
            "properties": {"commit": v.sha, "changeId": v.change_id},
        }
        for v in report.violations
    ]
    # ignored commits stay in the log, as results suppressed by the configured rule
    results += [
        {
            "ruleId": i.code,
            "level": "note",
            "message": {"text": f"{i.sha[:12]} {i.subject}: ignored by [custody] {i.detail}"},
            "locations": [_location(i)],
            "partialFingerprints": {"commitSha": i.sha},
            "suppressions": [
                {"kind": "external", "justification": f"[custody] {i.detail}", "status": "accepted"}
            ],
            "properties": {"commit": i.sha, "changeId": None, "ignoredBy": i.rule},
        }
        for i in report.ignored
    ]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "hischange-custody",
                        "version": tool_version,
                        "informationUri": "https://pypi.org/project/hischange/",
                        "rules": rules,
                    }
                },
                "results": results,
                "properties": {"range": report.range, "commits": report.commits},
            }
        ],
    }
