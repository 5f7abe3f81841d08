"""The review pipeline: bytes → decode → split → analyse → rules → settings → suppressions.

Inputs, and why they are typed this way: a ``str`` is always SQL text (never probed as a file
name, which would make the result depend on the working directory), ``bytes`` is file content,
and an ``os.PathLike`` is a file to read. A ``str`` is hashed as its UTF-8 bytes.
"""

from __future__ import annotations

import hashlib
import os
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from hischange.files import MAX_SQL_BYTES, read_regular
from hischange.sqlreview.analysis import build_context, build_context_builtin
from hischange.sqlreview.decode import FALLBACK_ENCODINGS, decode_sql
from hischange.sqlreview.hazards import line_col, text_hazards
from hischange.sqlreview.model import (
    Dialect,
    FileReview,
    Finding,
    Severity,
    Span,
    SqlReview,
    SqlReviewSettings,
    Statement,
    Statements,
)
from hischange.sqlreview.registry import BUILTIN_RULES, load_rules
from hischange.sqlreview.rules.base import FileContext, FileRule, Hit, RuleContext, StatementRule
from hischange.sqlreview.splitter import split_sql_unclosed
from hischange.sqlreview.suppress import ParsedSuppression, find_suppressions

__all__ = ["review_files", "review_sql", "rules_for"]

_FILE_SPAN = Span(start_line=1, start_col=1, end_line=1, end_col=1)

BuildContext = Callable[[Statement, Dialect, SqlReviewSettings, str | None], "RuleContext | str"]
RuleSet = tuple[list[StatementRule], list[FileRule]]


def rules_for(settings: SqlReviewSettings) -> RuleSet:
    """The enabled statement and file rules for ``settings``."""
    return load_rules(settings)


def _finding(
    code: str, rule: str, severity: Severity, message: str, span: Span, index: int | None
) -> Finding:
    return Finding(
        code=code, rule=rule, severity=severity, message=message, span=span, statement_index=index
    )


def _refine(statement: Statement, offset: int) -> Span:
    """The span from ``offset`` within the statement to the statement's end."""
    if offset <= 0 or offset >= len(statement.text):
        return statement.span
    head = statement.text[:offset]
    lines = head.count("\n")
    col = offset - head.rfind("\n") if lines else statement.span.start_col + offset
    span = statement.span
    return Span(
        start_line=span.start_line + lines,
        start_col=col,
        end_line=span.end_line,
        end_col=span.end_col,
    )


def _text_span(text: str, offset: int) -> Span:
    """A one-character span at ``offset`` of the whole text."""
    line, col = line_col(text, offset)
    return Span(start_line=line, start_col=col, end_line=line, end_col=col)


def _statement_findings(
    statements: Sequence[Statement],
    rules: list[StatementRule],
    dialect: Dialect,
    settings: SqlReviewSettings,
    path: str | None,
    build: BuildContext,
) -> list[Finding]:
    out: list[Finding] = []
    for st in statements:
        if st.kind == "sqlplus":
            continue  # a client command: listed in the review, nothing for SQL rules to see
        try:
            ctx = build(st, dialect, settings, path)
        except Exception as exc:
            ctx = f"analysis failed: {type(exc).__name__}: {exc}"
        if isinstance(ctx, str):
            out.append(
                _finding(
                    "HC000",
                    "not-analysable",
                    "error",
                    f"not analysable ({ctx}) — needs a human reviewer",
                    st.span,
                    st.index,
                )
            )
            continue
        for rule in rules:
            if dialect not in rule.dialects:
                continue
            try:
                hits: Iterable[Hit] = list(rule.check(ctx))
            except Exception as exc:
                out.append(
                    _finding(
                        "HC000",
                        "rule-crashed",
                        "error",
                        f"rule {rule.code} ({rule.name}) failed: {type(exc).__name__}:"
                        f" {exc} — statement needs a human reviewer",
                        st.span,
                        st.index,
                    )
                )
                continue
            for hit in hits:
                out.append(
                    _finding(
                        rule.code,
                        rule.name,
                        rule.severity_for(dialect),
                        hit.message,
                        _refine(st, hit.offset),
                        st.index,
                    )
                )
    return out


def _file_hit_place(text: str, ctx: FileContext, offset: int) -> tuple[Span, int | None]:
    """Where a file rule's hit points: the file, or the statement holding ``offset``."""
    if offset <= 0 or offset >= len(text):
        return _FILE_SPAN, None
    found = ctx.statements
    starts = found.starts if isinstance(found, Statements) else [st.start for st in found]
    k = bisect_right(starts, offset) - 1
    inside = k >= 0 and found[k].start <= offset < found[k].end
    return _text_span(text, offset), found[k].index if inside else None


def _file_findings(rules: list[FileRule], ctx: FileContext, text: str) -> list[Finding]:
    out: list[Finding] = []
    for rule in rules:
        if ctx.dialect not in rule.dialects:
            continue
        try:
            for hit in list(rule.check_file(ctx)):
                span, index = _file_hit_place(text, ctx, hit.offset)
                severity = rule.severity_for(ctx.dialect)
                out.append(_finding(rule.code, rule.name, severity, hit.message, span, index))
        except Exception as exc:
            out.append(
                _finding(
                    "HC000",
                    "rule-crashed",
                    "error",
                    f"rule {rule.code} ({rule.name}) failed: {type(exc).__name__}: {exc}",
                    _FILE_SPAN,
                    None,
                )
            )
    return out


def _apply(
    findings: list[Finding],
    settings: SqlReviewSettings,
    sups: list[ParsedSuppression],
    statements: Sequence[Statement],
    text: str,
) -> list[Finding]:
    """Drop disabled rules, apply severity overrides, then inline suppressions."""
    # Never disabled: they protect the review itself (HC003 is a warning a project may silence).
    engine_codes = {"HC000", "HC001", "HC002"}
    result: list[Finding] = []
    valid = [p for p in sups if p.suppression.reason]
    for f in findings:
        if f.code in settings.disabled and f.code not in engine_codes:
            continue
        if f.code in settings.severity and f.code not in engine_codes:
            f = f.model_copy(update={"severity": settings.severity[f.code]})
        for p in valid:
            s = p.suppression
            if f.code in s.codes and (s.scope == "file" or p.statement_index == f.statement_index):
                f = f.model_copy(update={"suppressed": True, "suppression_reason": s.reason})
                break
        result.append(f)
    for p in sups:
        if not p.suppression.reason:
            line = p.suppression.line
            col = p.offset - (text.rfind("\n", 0, p.offset) + 1) + 1
            result.append(
                _finding(
                    "HC002",
                    "suppression-without-reason",
                    "warning",
                    f"suppression of {', '.join(p.suppression.codes)} without a reason"
                    " — it suppresses nothing; add why after the codes",
                    Span(start_line=line, start_col=col, end_line=line, end_col=col),
                    p.statement_index if p.statement_index != -1 else None,
                )
            )
    return result


def _review_bytes(
    data: bytes | Path,
    path: str,
    settings: SqlReviewSettings,
    siblings: Sequence[str] = (),
    decoded: tuple[str, str] | None = None,
    rules: RuleSet | None = None,
) -> FileReview:
    # A file is read here, so that its bytes can go as soon as they are decoded and hashed:
    # for a 50 MB script they would be a fifth of the review's memory.
    if isinstance(data, Path):
        data = _read(data)
    sha256, size = hashlib.sha256(data).hexdigest(), len(data)
    text, encoding = decoded if decoded is not None else decode_sql(data)
    del data
    dialect = settings.dialect
    statements, unclosed = split_sql_unclosed(text, dialect)
    statement_rules, file_rules = rules if rules is not None else load_rules(settings)
    findings: list[Finding] = []
    if encoding in FALLBACK_ENCODINGS:
        findings.append(
            _finding(
                "HC001",
                "encoding-fallback",
                "info",
                "encoding fallback: decoded as GB18030 (not valid UTF-8)",
                _FILE_SPAN,
                None,
            )
        )
    if encoding.endswith("-replace"):
        findings.append(
            _finding(
                "HC000",
                "not-decodable",
                "error",
                f"bytes not valid in {encoding.removesuffix('-replace')} were replaced"
                " — not analysable as written, needs a human reviewer",
                _FILE_SPAN,
                None,
            )
        )
    # Plugin rules may read raw tokens or the grouped tree, which the literal-rows fast path
    # abbreviates; it is taken only when every statement rule is a builtin one.
    findings += [
        _finding(
            h.code, h.name, h.severity, h.message, _text_span(text, h.offset), h.statement_index
        )
        for h in text_hazards(text, dialect, statements, unclosed)
    ]
    builtin_only = all(type(rule) in BUILTIN_RULES for rule in statement_rules)
    build = build_context_builtin if builtin_only else build_context
    findings += _statement_findings(statements, statement_rules, dialect, settings, path, build)
    findings += _file_findings(
        file_rules,
        FileContext(
            path=path,
            dialect=dialect,
            settings=settings,
            statements=statements,
            sibling_paths=tuple(siblings),
        ),
        text,
    )
    sups = find_suppressions(text, dialect, statements)
    return FileReview(
        path=path,
        sha256=sha256,
        size=size,
        encoding=encoding,
        dialect=dialect,
        statements=statements,
        findings=tuple(_apply(findings, settings, sups, statements, text)),
        suppressions=tuple(p.suppression for p in sups),
    )


def _settings(settings: SqlReviewSettings | None, dialect: Dialect | None) -> SqlReviewSettings:
    settings = settings or SqlReviewSettings()
    if dialect is not None and dialect != settings.dialect:
        settings = settings.model_copy(update={"dialect": dialect})
    return settings


def _read(path: Path) -> bytes:
    return read_regular(path, "SQL file", max_bytes=MAX_SQL_BYTES)


def review_sql(
    source: str | bytes | os.PathLike[str],
    dialect: Dialect | None = None,
    settings: SqlReviewSettings | None = None,
    path: str | None = None,
) -> SqlReview:
    """Review one SQL script given as text (``str``), content (``bytes``) or a file (path)."""
    settings = _settings(settings, dialect)
    decoded: tuple[str, str] | None = None
    if isinstance(source, str):
        data = source.encode("utf-8", errors="surrogatepass")
        decoded = (source, "utf-8")
        name = path or "<text>"
    elif isinstance(source, bytes):
        data, name = source, path or "<bytes>"
    else:
        file = Path(source)
        data, name = _read(file), path or file.as_posix()
    review = _review_bytes(data, name, settings, decoded=decoded)
    return SqlReview(dialect=settings.dialect, files=(review,))


def review_with_rules(
    text: str,
    settings: SqlReviewSettings,
    statement_rules: list[StatementRule],
    file_rules: list[FileRule],
    path: str = "<case>",
) -> FileReview:
    """Review ``text`` with exactly the given rule instances (the rule-case runner's path)."""
    data = text.encode("utf-8", errors="surrogatepass")
    return _review_bytes(
        data, path, settings, decoded=(text, "utf-8"), rules=(statement_rules, file_rules)
    )


def review_files(
    paths: Iterable[str | os.PathLike[str]],
    settings: SqlReviewSettings | None = None,
    dialect: Dialect | None = None,
) -> SqlReview:
    """Review several files together (file rules such as HC116 see their siblings)."""
    return review_contents(((Path(p).as_posix(), Path(p)) for p in paths), settings, dialect)


def review_contents(
    items: Iterable[tuple[str, bytes | Path]],
    settings: SqlReviewSettings | None = None,
    dialect: Dialect | None = None,
) -> SqlReview:
    """Review named contents together: (name, bytes) as read from git, or (name, file)."""
    settings = _settings(settings, dialect)
    pairs = list(items)
    names = [name for name, _ in pairs]
    rules = load_rules(settings)  # once per review: plugin discovery is not free
    reviews = [_review_bytes(src, name, settings, names, rules=rules) for name, src in pairs]
    return SqlReview(dialect=settings.dialect, files=tuple(reviews))
