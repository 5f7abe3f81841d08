"""The rule interface. One class per rule, in its own module under ``rules/``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, ClassVar

from hischange.sqlreview.model import Dialect, Severity, SqlReviewSettings, Statement

__all__ = ["FileContext", "FileRule", "Hit", "Rule", "RuleContext", "StatementRule"]


@dataclass(frozen=True)
class Hit:
    """What a rule reports: a message and, optionally, where in the statement text."""

    message: str
    #: Character offset where the problem starts: into ``Statement.text`` for a statement
    #: rule (0 = the statement), into the file's text for a file rule (0 = the file).
    offset: int = 0


@dataclass(frozen=True)
class RuleContext:
    """Everything a statement rule may look at. Built by ``analysis.build_context``."""

    statement: Statement
    dialect: Dialect
    settings: SqlReviewSettings
    #: sqlparse flat tokens (``sqlparse.sql.Token``), whitespace and comments included. When
    #: every enabled rule is builtin and the statement is an INSERT whose rows after the first
    #: are proven literals (``sqlreview.literal_rows``), only the head and first row; a plugin
    #: rule in the review always gets the whole statement.
    tokens: Sequence[Any]
    #: Groups the statement with sqlparse on demand (see ``parsed``).
    parse: Callable[[], Any | None] | None = field(default=None, repr=False, compare=False)
    path: str | None = None
    #: The significant tokens as ``rules._tokens.Word`` objects (no whitespace/comments),
    #: computed once by ``build_context`` so that each rule does not redo it.
    words: Sequence[Any] = ()

    @cached_property
    def parsed(self) -> Any | None:
        """The grouped sqlparse statement, or None where sqlparse refused (caps on size or
        depth). Grouping is the costly half of sqlparse, so it runs only when a rule asks;
        the builtin rules work on ``tokens``/``words`` alone."""
        return None if self.parse is None else self.parse()


@dataclass(frozen=True)
class FileContext:
    """What a file rule may look at: the file and its siblings in the same review."""

    path: str | None
    dialect: Dialect
    settings: SqlReviewSettings
    statements: Sequence[Statement]
    sibling_paths: Sequence[str] = field(default_factory=tuple)


class Rule:
    """Common metadata of every rule. The docstring has Anti-pattern / Best practice sections."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    dialects: ClassVar[frozenset[Dialect]] = frozenset({"oracle", "tsql", "mysql", "postgres"})
    family: ClassVar[str]
    #: Where a dialect's consequences differ (a silent data change in one, a failed deployment
    #: in another), its own default severity; the others use ``severity``.
    dialect_severity: ClassVar[Mapping[Dialect, Severity]] = MappingProxyType({})

    @classmethod
    def severity_for(cls, dialect: Dialect) -> Severity:
        """The default severity of this rule's findings in ``dialect``."""
        return cls.dialect_severity.get(dialect, cls.severity)


class StatementRule(Rule):
    """A rule that looks at one statement at a time."""

    def check(self, ctx: RuleContext) -> Iterable[Hit]:  # pragma: no cover - interface
        raise NotImplementedError


class FileRule(Rule):
    """A rule that looks at a whole file (e.g. HC116, a forward script without rollback)."""

    def check_file(self, ctx: FileContext) -> Iterable[Hit]:  # pragma: no cover - interface
        raise NotImplementedError
