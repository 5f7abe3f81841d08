"""Human and SARIF 2.1.0 output."""

from __future__ import annotations

import json
from typing import Any

from hischange.sqlreview import render_human, review_sql, to_sarif

_GBK_SQL = "-- 清理\nSELECT 1;\n-- hischange: disable-file=HC001 vendor file\nSELECT 2;"


def _review() -> Any:
    return review_sql(_GBK_SQL.encode("gbk"), dialect="oracle", path="db\\changes\\x.sql")


def test_human_lines_and_summary() -> None:
    """Human output has file:line:col CODE severity message and a summary line."""
    out = render_human(_review())
    assert "db\\changes\\x.sql:1:1: HC001 info encoding fallback" in out
    assert out.rstrip().splitlines()[-1].startswith("1 file, 2 statements: 0 errors")


def _check_types(obj: dict[str, Any], spec: dict[str, type]) -> None:
    for key, kind in spec.items():
        assert key in obj, key
        assert isinstance(obj[key], kind), (key, obj[key])


def test_sarif_structure() -> None:
    """The SARIF log has the 2.1.0 required keys and value types, hashes and suppressions."""
    log = json.loads(json.dumps(to_sarif(_review(), "1.2.3")))
    _check_types(log, {"$schema": str, "version": str, "runs": list})
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    _check_types(run, {"tool": dict, "results": list, "artifacts": list})
    driver = run["tool"]["driver"]
    _check_types(driver, {"name": str, "version": str, "rules": list})
    assert driver["name"] == "hischange"
    for rule in driver["rules"]:
        _check_types(rule, {"id": str, "shortDescription": dict, "fullDescription": dict})
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    ids = {r["id"] for r in driver["rules"]}
    artifact = run["artifacts"][0]
    assert artifact["location"]["uri"] == "db/changes/x.sql"
    assert len(artifact["hashes"]["sha-256"]) == 64
    assert run["results"], "the GBK file must produce an HC001 result"
    for result in run["results"]:
        _check_types(result, {"ruleId": str, "level": str, "message": dict, "locations": list})
        assert result["ruleId"] in ids and result["level"] in ("error", "warning", "note", "none")
        region = result["locations"][0]["physicalLocation"]["region"]
        for key in ("startLine", "startColumn", "endLine", "endColumn"):
            assert isinstance(region[key], int) and region[key] >= 1
    suppressed = [r for r in run["results"] if "suppressions" in r]
    assert suppressed[0]["suppressions"] == [{"kind": "inSource", "justification": "vendor file"}]


def test_counts_in_the_human_report_are_singular_for_one() -> None:
    """One file with one statement and one warning says so: no "1 statements" (issue 18)."""
    review = review_sql(b"UPDATE t SET a = 1 WHERE id = 1;\n", dialect="oracle", path="one.sql")
    out = render_human(review)
    assert "1 statement)" in out and "1 statements" not in out
    assert out.rstrip().splitlines()[-1].startswith("1 file, 1 statement: 0 errors, ")
