"""Split SQL text into statements, dialect by dialect, keeping each statement's place.

Why not ``sqlparse.split``: it cuts PL/SQL packages into fragments, ignores lowercase ``go``,
does not know MySQL ``DELIMITER`` and treats backslashes in Oracle strings as escapes.

What a statement's ``text`` contains: from its first token that is neither whitespace nor a
comment to its last such token, including a terminating ``;`` (so ``END;`` of a PL/SQL block
stays whole). Separators are never part of a statement and never statements themselves: a
``/`` line (Oracle/DM), a ``GO [n]`` line (T-SQL), a ``DELIMITER x`` line and the custom
delimiter itself (MySQL), and a ``;`` that ends nothing. Comments between statements belong to
no statement. ``text == source[start:end]`` always holds. T-SQL, where ``;`` is optional and
statements start at keywords, has its own boundary rules in :mod:`hischange.sqlreview.tsql`.
"""

from __future__ import annotations

import re

from hischange.sqlreview.lexer import COMMENT, OTHER, SEMI, WORD, WS, Lexer, settled_run
from hischange.sqlreview.model import Dialect, Pieces, Statement, StatementKind, Statements
from hischange.sqlreview.tsql import TsqlSplitter

__all__ = ["SETTLED_RUNS", "split_sql", "split_sql_unclosed"]

#: Tests switch this off to compare the token-by-token walk with the run-skipping one.
SETTLED_RUNS = True

_SLASH_LINE = re.compile(r"/[ \t\r]*(?=\n|\Z)")
_DELIMITER_LINE = re.compile(r"(?i:delimiter)[ \t]+(\S+)[ \t\r]*(?=\n|\Z)")
# SQL*Plus client commands (Oracle/DM) that may start a line outside any statement.
_SQLPLUS = re.compile(
    r"(?:@@?|(?i:set|prompt|spool|exit|quit|whenever|define|def|undefine|column|col|rem|remark"
    r"|accept|acc|show|sho|pause|ttitle|btitle|break|compute|clear|host|variable|var|print"
    r"|connect|conn|disconnect|timing|start)(?=\s|;|\Z))"
)
# ``SET`` words that make an Oracle SET line SQL rather than SQL*Plus.
_SQL_SET = re.compile(r"(?i:set)[ \t]+(?i:transaction|role|constraints?)\b")
_LINE_END = re.compile(r"[^\n]*")

_PLSQL_UNITS = frozenset({"PROCEDURE", "FUNCTION", "TRIGGER"})
_MYSQL_PROGRAMS = frozenset({"PROCEDURE", "FUNCTION", "TRIGGER", "EVENT"})
_CREATE_FILLERS = frozenset({"OR", "REPLACE", "EDITIONABLE", "NONEDITIONABLE", "ALTER"})
# Words that, right after END, close something BEGIN did not open (END IF, END LOOP, ...).
_END_SUFFIXES = frozenset({"IF", "LOOP", "WHILE", "REPEAT"})

# Modes of the statement in progress.
_SQL = 0  # ends at ";" (or the MySQL delimiter)
_BLOCK = 1  # BEGIN/END depth is tracked; ";" ends it once the outermost block has closed


class _Splitter:
    def __init__(self, text: str, dialect: Dialect) -> None:
        self.text = text
        self.dialect = dialect
        self.lexer = Lexer(text, dialect)
        #: Where the pieces go: ``split_sql_unclosed`` gives a ``Statements``.
        self.found: Pieces = []
        self.start: int | None = None
        self.end = 0
        self.kind: StatementKind = "sql"
        self.mode = _SQL
        self.words: list[str] = []
        self.depth = 0
        self.opened = False
        self.after_end = False
        # Oracle: declaration sections (DECLARE, a subprogram's IS/AS) waiting for their BEGIN.
        self.pending = 0
        self.header = False
        self.prev = ""
        self.delimiter: str | None = None

    def finish(self) -> None:
        if self.start is not None:
            self.found.append((self.start, self.end, self.kind))
        self.start = None

    def begin(self, pos: int) -> None:
        self.start = pos
        self.kind = "sql"
        self.mode = _SQL
        self.words = []
        self.depth = 0
        self.opened = False
        self.after_end = False
        self.pending = 0
        self.header = False
        self.prev = ""

    def line_command(self, pos: int) -> bool:
        """Handle a separator or client-command line starting at ``pos``; True if consumed."""
        text, dialect = self.text, self.dialect
        if dialect == "oracle":
            m = _SLASH_LINE.match(text, pos)
            if m:
                self.finish()
                self.lexer.pos = m.end()
                return True
            if self.start is None and _SQLPLUS.match(text, pos) and not _SQL_SET.match(text, pos):
                line = _LINE_END.match(text, pos)
                assert line is not None  # [^\n]* always matches
                end = len(text[pos : line.end()].rstrip())
                self.found.append((pos, pos + end, "sqlplus"))
                self.lexer.pos = line.end()
                return True
        elif dialect == "mysql" and self.start is None:
            # Inside an open statement the server reads "delimiter" as a word (a column); the
            # mysql client would not, which hazards.py reports (HC003).
            m = _DELIMITER_LINE.match(text, pos)
            if m:
                self.finish()
                self.delimiter = None if m.group(1) == ";" else m.group(1)
                self.lexer.pos = m.end()
                return True
        return False

    def classify(self) -> None:
        """Decide from the first words whether the statement is a block or a module body."""
        words, dialect = self.words, self.dialect
        first = words[0]
        if dialect == "oracle":
            if first in ("DECLARE", "BEGIN") and len(words) == 1:
                self.mode, self.kind = _BLOCK, "plsql"
            elif first == "CREATE" and len(words) > 1 and words[-1] not in _CREATE_FILLERS:
                unit = words[-1]
                if unit == "PACKAGE" or (unit == "BODY" and words[-2] == "TYPE"):
                    # The unit's own AS/IS opens a section that its final END closes.
                    self.mode, self.kind, self.depth, self.opened = _BLOCK, "plsql", 1, True
                elif unit in _PLSQL_UNITS:
                    self.mode, self.kind = _BLOCK, "plsql"
                elif unit != "TYPE":
                    self.words = [*words[:1], "-"]  # settled: a plain statement
        elif first in ("CREATE", "ALTER") and len(words) > 1 and words[-1] in _MYSQL_PROGRAMS:
            self.mode = _BLOCK
        if first not in ("CREATE", "ALTER") and self.mode == _SQL:
            self.words.append("-")  # settled: nothing further to learn from its words

    def word(self, start: int, end: int) -> None:
        upper = self.text[start:end].upper()
        if self.mode == _SQL and len(self.words) < 8 and (not self.words or self.words[-1] != "-"):
            self.words.append(upper)
            self.classify()
        if self.mode != _BLOCK:
            return
        prev, self.prev = self.prev, upper
        if self.dialect == "oracle" and not self.after_end:
            self.declarations(upper, prev)
        if self.after_end:
            self.after_end = False
            if upper in _END_SUFFIXES:
                self.depth += 1  # END IF / END LOOP: the END did not close a BEGIN
                return
            if upper == "CASE":
                return  # END CASE closes the CASE counted below
        if upper == "BEGIN" and self.pending > 0:
            self.pending -= 1
        if upper == "BEGIN" or upper == "CASE":
            self.depth += 1
            self.opened = True
        elif upper == "END":
            self.depth -= 1
            self.after_end = True

    def declarations(self, upper: str, prev: str) -> None:
        """Track PL/SQL declaration sections so a nested subprogram's END does not end the block."""
        if upper == "DECLARE":
            self.pending += 1
        elif upper in ("PROCEDURE", "FUNCTION"):
            self.header = True
        elif upper in ("IS", "AS") and self.header:
            self.header = False
            self.pending += 1
        elif upper in ("LANGUAGE", "EXTERNAL") and prev in ("IS", "AS") and self.pending > 0:
            self.pending -= 1  # a call specification: no body follows
            self.opened = True
        elif upper == "COMPOUND":
            self.depth += 1  # a compound trigger ends with its own END name;
            self.opened = True

    def settled(self) -> bool:
        """A plain statement whose words no longer matter: only its end is left to find."""
        words = self.words
        return (
            self.start is not None
            and self.mode == _SQL
            and self.delimiter is None
            and bool(words)
            and (words[-1] == "-" or len(words) >= 8)
        )

    def run(self) -> Pieces:
        text, lexer, dialect = self.text, self.lexer, self.dialect
        size = len(text)
        at_line_start = True
        skip = SETTLED_RUNS
        while lexer.pos < size:
            pos = lexer.pos
            if at_line_start and self.line_command(pos):
                at_line_start = False
                continue
            delimiter = self.delimiter
            if delimiter is not None and text.startswith(delimiter, pos):
                self.finish()
                lexer.pos = pos + len(delimiter)
                at_line_start = False
                continue
            if skip and self.settled():
                # Jump over the tokens the loop below would only walk past (see settled_run).
                end = settled_run(text, pos, dialect)
                if end > pos:
                    self.end = lexer.pos = end
                    self.after_end = at_line_start = False
                    continue
            kind, start, end = lexer.next_token()
            if delimiter is not None and kind in (WORD, OTHER):
                cut = text.find(delimiter, start + 1, end)
                if cut >= 0:  # END$$ lexes as one word; the delimiter must still end it
                    end = lexer.pos = cut
            if kind == WS:
                at_line_start = at_line_start or text.find("\n", start, end) >= 0
                continue
            at_line_start = False
            if kind == COMMENT:
                continue
            if kind == SEMI:
                if self.start is None:
                    continue
                self.end = end
                self.after_end = False
                self.header = False
                if delimiter is None and (
                    self.mode == _SQL
                    or (
                        self.mode == _BLOCK
                        and self.depth <= 0
                        and self.pending <= 0
                        and (self.opened or self.dialect != "oracle")
                    )
                ):
                    self.finish()
                continue
            if self.start is None:
                self.begin(start)
            self.end = end
            if kind == WORD:
                self.word(start, end)
            else:
                self.after_end = False
        self.finish()
        return self.found


def split_sql(text: str, dialect: Dialect) -> list[Statement]:
    """Split decoded SQL ``text`` into statements for ``dialect``, each with its span."""
    return list(split_sql_unclosed(text, dialect)[0])


def split_sql_unclosed(text: str, dialect: Dialect) -> tuple[Statements, int]:
    """``split_sql`` (as ``Statements``, made when read), and where a comment or quote that
    never closes starts (-1 if none)."""
    splitter = TsqlSplitter(text) if dialect == "tsql" else _Splitter(text, dialect)
    found = Statements(text)
    splitter.found = found
    splitter.run()
    return found, splitter.lexer.unclosed
