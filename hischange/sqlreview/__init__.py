"""SQL review: decode, split per dialect, analyse with sqlparse, apply rules, render.

Never executes SQL. The only module family in hischange that imports sqlparse.
"""

from hischange.sqlreview.decode import decode_sql
from hischange.sqlreview.engine import review_contents, review_files, review_sql, rules_for
from hischange.sqlreview.model import (
    DIALECTS,
    Dialect,
    FileReview,
    Finding,
    Severity,
    Span,
    SqlReview,
    SqlReviewSettings,
    Statement,
    StatementKind,
    Suppression,
)
from hischange.sqlreview.output import json_chunks, render_human, to_sarif
from hischange.sqlreview.splitter import split_sql

__all__ = [
    "DIALECTS",
    "Dialect",
    "FileReview",
    "Finding",
    "Severity",
    "Span",
    "SqlReview",
    "SqlReviewSettings",
    "Statement",
    "StatementKind",
    "Suppression",
    "decode_sql",
    "json_chunks",
    "render_human",
    "review_contents",
    "review_files",
    "review_sql",
    "rules_for",
    "split_sql",
    "to_sarif",
]
