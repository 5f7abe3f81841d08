"""Plain models the SQL review engine returns. No I/O here.

Frozen, slotted dataclasses rather than pydantic models: ``sql review FILE`` imports no
pydantic (about 100 ms of its start-up) and a statement costs a fraction of the memory. The
pydantic-style methods the library documents (``model_copy``, ``model_dump``,
``model_validate``, ``SqlReviewSettings.model_fields``) remain; validation builds its pydantic
schema on first use (:mod:`hischange.sqlreview._validate`).
"""

from __future__ import annotations

import dataclasses
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar, Literal, Self, overload

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
    "Statements",
    "Suppression",
]

Dialect = Literal["oracle", "tsql", "mysql", "postgres"]
DIALECTS: tuple[Dialect, ...] = ("oracle", "tsql", "mysql", "postgres")
Severity = Literal["error", "warning", "info"]
#: sql: an ordinary statement; plsql: a block ended by "/" (package, procedure, trigger,
#: anonymous block); sqlplus: a client command (SET, PROMPT, SPOOL, @file, EXIT);
#: batch: a T-SQL batch separator never becomes a statement, so it has no kind here.
StatementKind = Literal["sql", "plsql", "sqlplus"]


class _Model:
    """What the pydantic models offered that callers use: copy with changes, dump, validate."""

    __slots__ = ()

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Self:
        """A copy with the fields in ``update`` replaced (not validated, as in pydantic)."""
        return dataclasses.replace(self, **(update or {}))  # type: ignore[type-var]

    def model_dump(self, *, mode: Literal["python", "json"] = "python") -> dict[str, Any]:
        """The fields as a dict, nested models too; ``mode="json"``: lists for tuples and sets."""
        return {
            f.name: _dump(getattr(self, f.name), mode == "json")
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
        }

    @classmethod
    def model_validate(cls, data: Any) -> Self:
        """Validate ``data`` (a mapping, e.g. a ``model_dump``) into this model; raises
        ``pydantic.ValidationError``. Imports pydantic on first use."""
        from hischange.sqlreview._validate import validate

        return validate(cls, data)


def _dump(value: Any, json: bool) -> Any:
    if isinstance(value, _Model):
        return value.model_dump(mode="json" if json else "python")
    if isinstance(value, tuple | Statements):
        items = [_dump(v, json) for v in value]
        return items if json else tuple(items)
    if isinstance(value, list):
        return [_dump(v, json) for v in value]
    if isinstance(value, frozenset):
        return list(value) if json else value
    if isinstance(value, dict):
        return {k: _dump(v, json) for k, v in value.items()}
    return value


@dataclasses.dataclass(frozen=True, slots=True)
class Span(_Model):
    """A 1-based line/column range in the original (decoded) file, end inclusive."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int


@dataclasses.dataclass(frozen=True, slots=True)
class Statement(_Model):
    """One statement as the splitter found it, with its place in the file."""

    index: int
    text: str
    kind: StatementKind
    span: Span
    #: Character offsets into the decoded text: text == source[start:end].
    start: int
    end: int


_KINDS: tuple[StatementKind, ...] = ("sql", "plsql", "sqlplus")


class Statements(Sequence[Statement]):
    """A file's statements, kept as offsets into its text and made into ``Statement`` objects
    when read: a 50 MB script has a million statements, and as objects (each with a copy of
    its text and a ``Span``) they took seven times the script's size. Reads like a tuple of
    statements and compares equal to one."""

    __slots__ = ("_ends", "_kinds", "_lines", "_starts", "_text")

    def __init__(self, text: str, lines: array[int] | None = None) -> None:
        self._text = text
        self._starts: array[int] = array("q")
        self._ends: array[int] = array("q")
        self._kinds = bytearray()
        #: Offsets at which lines start (computed from ``text`` when not given).
        self._lines = lines if lines is not None else line_starts(text)

    def append(self, piece: tuple[int, int, StatementKind]) -> None:
        """Add ``(start, end, kind)``: the next statement is ``text[start:end]``."""
        start, end, kind = piece
        self._starts.append(start)
        self._ends.append(end)
        self._kinds.append(_KINDS.index(kind))

    @property
    def starts(self) -> Sequence[int]:
        """The statements' start offsets, in order."""
        return self._starts

    def span(self, start: int, end: int) -> Span:
        """1-based, end-inclusive line/column span of ``text[start:end]``."""
        lines = self._lines
        last = max(start, end - 1)
        sl = bisect_right(lines, start) - 1
        el = bisect_right(lines, last) - 1
        return Span(
            start_line=sl + 1,
            start_col=start - lines[sl] + 1,
            end_line=el + 1,
            end_col=last - lines[el] + 1,
        )

    def _at(self, index: int) -> Statement:
        start, end = self._starts[index], self._ends[index]
        return Statement(
            index=index,
            text=self._text[start:end],
            kind=_KINDS[self._kinds[index]],
            span=self.span(start, end),
            start=start,
            end=end,
        )

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> Statement: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Statement, ...]: ...

    def __getitem__(self, index: int | slice) -> Statement | tuple[Statement, ...]:
        if isinstance(index, slice):
            return tuple(self._at(k) for k in range(*index.indices(len(self))))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("statement index out of range")
        return self._at(index)

    def __iter__(self) -> Iterator[Statement]:
        return map(self._at, range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Statements | tuple | list):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Statements({tuple(self)!r})"


#: What a splitter records statements in, ``(start, end, kind)`` each.
Pieces = list[tuple[int, int, StatementKind]] | Statements


def line_starts(text: str) -> array[int]:
    """Offsets at which the lines of ``text`` start (0 first)."""
    starts = array("q", [0])
    find = text.find
    nl = find("\n")
    while nl >= 0:
        starts.append(nl + 1)
        nl = find("\n", nl + 1)
    return starts


@dataclasses.dataclass(frozen=True, slots=True)
class Finding(_Model):
    """One rule hit (or an engine finding such as HC000/HC001)."""

    code: str
    rule: str
    severity: Severity
    message: str
    span: Span
    statement_index: int | None = None
    suppressed: bool = False
    suppression_reason: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Suppression(_Model):
    """An inline ``-- hischange: disable=...`` comment, listed so the approver sees it."""

    codes: tuple[str, ...]
    scope: Literal["statement", "file"]
    reason: str | None
    line: int


@dataclasses.dataclass(frozen=True, slots=True)
class SqlReviewSettings(_Model):
    """Per-project settings (``[sqlreview]`` in .hischange/config.toml), passed in as plain data."""

    dialect: Dialect = "oracle"
    disabled: frozenset[str] = frozenset()
    severity: dict[str, Severity] = dataclasses.field(default_factory=dict)
    protected_tables: tuple[str, ...] = ()
    #: Personal-information column names (HC130), compared case-insensitively with a view's
    #: output names. Patient-specific on purpose: bare ``name``/``xm`` (also 项目), ``tel``,
    #: ``phone``, ``电话`` and ``地址`` also name drugs, items, departments and the hospital itself.
    pii_columns: tuple[str, ...] = (
        # identity card / certificate number
        "id_card", "idcard", "id_no", "id_number", "sfzh", "sfzhm", "shenfenzheng", "zjhm",
        "身份证号", "身份证号码", "身份证", "证件号码",
        # personal phone
        "mobile", "mobile_phone", "patient_phone", "contact_phone", "lxdh", "sjhm",
        "联系电话", "手机号", "手机号码",
        # patient name
        "patient_name", "brxm", "hzxm", "姓名", "患者姓名", "病人姓名",
        # home address
        "home_address", "patient_address", "jtzz", "xzz", "家庭住址", "现住址", "住址",
        # medical insurance / social security card
        "insurance_no", "medical_insurance_no", "ybkh", "yibao_no", "sbkh",
        "医保卡号", "医保号", "社保卡号",
    )  # fmt: skip
    #: Schema names a script may hard-code; empty means "do not check" (HC120).
    allowed_schemas: tuple[str, ...] = ()
    #: Forward/rollback naming: a forward script matching ``forward_pattern`` needs a sibling
    #: whose name is produced by replacing the match with ``rollback_replacement`` (HC116).
    forward_pattern: str = r"(?i)\.sql$"
    rollback_replacement: str = ".rollback.sql"
    rollback_pattern: str = r"(?i)(\.rollback\.sql|_rollback\.sql|\.down\.sql)$"
    #: Message size bounds so a hostile file cannot bloat a review record.
    #: (an int from 1 to 100,000; the bounds are checked by ``model_validate``)
    max_statement_preview: int = 200
    # House standards the hospital's DBA sets (HC2xx): each rule is off until its setting is
    # given. A pattern is a regular expression the whole (unquoted) name must match.
    table_name_pattern: str = ""  # HC201
    index_name_pattern: str = ""  # HC202
    constraint_name_pattern: str = ""  # HC203
    #: Columns every new table must have, e.g. ["创建时间", "修改时间"] (HC204).
    required_columns: tuple[str, ...] = ()
    #: Column types a new or changed column may not use, e.g. ["CLOB", "TEXT"] (HC205).
    denied_types: tuple[str, ...] = ()
    #: New tables and columns need a comment (COMMENT ON / COMMENT '' / MS_Description) (HC206).
    require_comments: bool = False
    #: The longest VARCHAR a column may declare; 0 does not check (HC207).
    max_varchar_length: int = 0

    #: The setting names (as pydantic's ``model_fields``: the keys are what counts).
    model_fields: ClassVar[Mapping[str, dataclasses.Field[Any]]]


SqlReviewSettings.model_fields = {f.name: f for f in dataclasses.fields(SqlReviewSettings)}


@dataclasses.dataclass(frozen=True, slots=True)
class FileReview(_Model):
    """The review of one file: what was read, how it was decoded, what was found."""

    path: str
    sha256: str
    size: int
    encoding: str
    dialect: Dialect
    #: A tuple of statements, or ``Statements`` (the engine's, made when read).
    statements: Sequence[Statement]
    findings: tuple[Finding, ...]
    suppressions: tuple[Suppression, ...] = ()
    #: The changes (CR-…) whose commits modified the file in the reviewed range.
    changes: tuple[str, ...] = ()
    #: The revision the file was compared with (HC140), or None when there was none.
    base: str | None = None
    #: The unified diff from the version at ``base`` to the reviewed text (None without a
    #: base; empty when they are the same).
    diff: tuple[str, ...] | None = None
    #: False when the file did not exist at ``base``.
    in_base: bool = False

    @property
    def has_errors(self) -> bool:
        """True when an error-severity finding is not suppressed."""
        return any(f.severity == "error" and not f.suppressed for f in self.findings)


@dataclasses.dataclass(frozen=True, slots=True)
class SqlReview(_Model):
    """The review of one or more files."""

    dialect: Dialect
    files: tuple[FileReview, ...]

    @property
    def has_errors(self) -> bool:
        """True when any file has an unsuppressed error finding (exit 1 in the CLI)."""
        return any(f.has_errors for f in self.files)
