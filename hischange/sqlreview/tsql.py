"""T-SQL statement boundaries, where ``;`` is optional and control of flow nests statements.

A statement also ends where a statement-leading keyword (``SELECT``, ``SET``, ``PRINT`` ...)
at paren depth 0 follows a token it could end on (not ``FROM``, ``=``, ``,`` ...), outside a
``CASE``, unless the keyword continues it (``INSERT ... SELECT``, ``UNION SELECT``, ``WITH
cte AS (...) UPDATE``, ``UPDATE ... SET``, ``ON DELETE SET NULL``, ``ALTER TABLE ... DROP
COLUMN``, ``OFFSET ... FETCH``; a ``MERGE`` runs to its mandatory ``;``). As in a full parser,
``IF <cond> <stmt> [ELSE <stmt>]``, ``WHILE <cond> <stmt>``, ``BEGIN ... END`` and ``BEGIN TRY
... END CATCH`` are one statement each, and a ``CREATE/ALTER PROCEDURE/FUNCTION/TRIGGER`` body
runs to the end of its batch. ``GO [n]`` on its own line, or where a statement would start,
separates batches; a sqlcmd ``:command`` line is a client command. Lookahead never exceeds
three tokens, so splitting stays linear.
"""

from __future__ import annotations

import re
from typing import Final

from hischange.sqlreview.lexer import COMMENT, SEMI, STRING, WORD, WS, Lexer
from hischange.sqlreview.model import Pieces

__all__ = ["TsqlSplitter"]

_GO_LINE = re.compile(r"(?i:go)(?:[ \t]+\d+)?[ \t]*;?[ \t\r]*(?=\n|\Z|--)")
_GO_COUNT = re.compile(r"[ \t]+\d+\b")
_SQLCMD_LINE = re.compile(r":[A-Za-z]+[^\n]*")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STARTERS: Final = _words(
    "SELECT INSERT UPDATE DELETE MERGE WITH SET DECLARE PRINT IF WHILE BEGIN RETURN BREAK"
    " CONTINUE GOTO THROW RAISERROR WAITFOR EXEC EXECUTE CREATE ALTER DROP TRUNCATE USE GRANT"
    " REVOKE DENY OPEN FETCH CLOSE DEALLOCATE COMMIT ROLLBACK SAVE DBCC BACKUP RESTORE"
    " CHECKPOINT KILL RECONFIGURE BULK ENABLE DISABLE RENAME COPY REVERT SETUSER"
)
# After these words a statement cannot end: what follows belongs to it.
_NEED_MORE: Final = _words(
    "SELECT FROM WHERE AND OR NOT AS BY JOIN INTO IN IS LIKE BETWEEN UNION ALL EXCEPT INTERSECT"
    " FOR WITH TOP DISTINCT INSERT UPDATE DELETE MERGE EXEC EXECUTE TABLE VIEW PROCEDURE PROC"
    " FUNCTION IF WHILE ELSE WHEN THEN CASE EXISTS TO INNER LEFT RIGHT OUTER CROSS FULL APPLY"
    " HAVING ORDER GROUP DECLARE PRINT OVER PARTITION USING MATCHED ADD ALTER DROP CREATE"
    " COLUMN CONSTRAINT REFERENCES GOTO RAISERROR WAITFOR DELAY USE TRUNCATE GRANT REVOKE DENY"
    " OPEN CLOSE DEALLOCATE SET OFFSET FETCH COLLATE OF CURRENT BULK AFTER START"
)
# Characters that can end a run of "other" characters at the end of a statement.
_ENDING_CHARS: Final = frozenset("0123456789)*}:")
_MODULES: Final = frozenset({"PROCEDURE", "PROC", "FUNCTION", "TRIGGER"})
_MAIN_DML: Final = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE"})
_INSERT_SOURCES: Final = frozenset({"SELECT", "VALUES", "EXEC", "EXECUTE", "DEFAULT"})
# Words after ALTER or DROP inside an ALTER statement that make them a statement of their own
# (``ALTER TABLE t ALTER COLUMN c`` continues, ``... ALTER TABLE u`` starts anew).
_OBJECTS: Final = _words(
    "TABLE VIEW PROCEDURE PROC FUNCTION INDEX TRIGGER SCHEMA DATABASE USER LOGIN ROLE SEQUENCE"
    " SYNONYM TYPE STATISTICS EXTERNAL ASSEMBLY SECURITY FULLTEXT PARTITION AUTHORIZATION"
    " SERVER QUEUE MASTER CERTIFICATE CREDENTIAL APPLICATION AVAILABILITY ENDPOINT EVENT"
    " RESOURCE WORKLOAD XML SEARCH SYMMETRIC ASYMMETRIC"
)
_SIMPLE_BEGIN: Final = frozenset({"TRAN", "TRANSACTION", "DISTRIBUTED", "DIALOG", "CONVERSATION"})

# Frame kinds and states of the control-of-flow stack.
_BLOCK, _TRY, _TRY_DONE, _CATCH, _IF, _WHILE = range(6)
_COND, _BODY, _AWAIT_ELSE, _ELSE = range(4)


class _Stmt:
    """The simple statement (or IF/WHILE condition) in progress."""

    __slots__ = ("batch", "case", "cond", "cte", "has_source", "head", "set_seen", "settled")

    def __init__(self, head: str, cond: bool = False) -> None:
        self.head, self.cond, self.case = head, cond, 0
        self.batch = self.has_source = self.set_seen = False
        self.settled = head not in ("CREATE", "ALTER")
        self.cte = head == "WITH"  # a WITH clause waits for its main statement


class TsqlSplitter:
    """Top-level T-SQL statements of a text: ``run()`` gives ``(start, end, kind)`` each."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lexer = Lexer(text, "tsql")
        #: Where the pieces go: ``split_sql_unclosed`` gives a ``Statements``.
        self.found: Pieces = []
        self.start: int | None = None
        self.end = 0
        self.done = False  # the record is complete but may still take one ';'
        self.frames: list[list[int]] = []
        self.blocks = 0  # BEGIN/TRY/CATCH frames open, so END needs no scan of the stack
        self.stmt: _Stmt | None = None
        self.depth = 0
        self.can_end = False
        self.prev = ""
        self.prev2 = ""

    def finish(self) -> None:
        """Close the top-level statement in progress (at GO, end of input, or when done)."""
        if self.start is not None:
            self.found.append((self.start, self.end, "sql"))
        self.start = None
        self.done = False
        self.frames = []
        self.blocks = self.depth = 0
        self.stmt = None

    def open(self, start: int) -> None:
        if self.done:
            self.finish()
        if self.start is None:
            self.start = start
            self.prev = self.prev2 = ""

    def completed(self) -> None:
        """A statement just ended: let the enclosing IF/WHILE/block know."""
        frames = self.frames
        while frames:
            top = frames[-1]
            if top[0] == _IF and top[1] == _BODY:
                top[1] = _AWAIT_ELSE
                return
            if top[0] in (_BLOCK, _TRY, _CATCH):
                return  # a block stays open until its END
            frames.pop()
        self.done = True

    def end_stmt(self) -> None:
        st, self.stmt = self.stmt, None
        if st is not None and st.cond:
            if self.frames:
                self.frames[-1][1] = _BODY
            return
        self.completed()

    def resolve(self, up: str) -> bool:
        """Settle IFs waiting for ELSE and a TRY waiting for CATCH; True if ``up`` was ELSE."""
        frames = self.frames
        while frames:
            top = frames[-1]
            if top[0] == _IF and top[1] == _AWAIT_ELSE:
                if up == "ELSE":
                    top[1] = _ELSE
                    self.set_prev("ELSE", False)
                    return True
            elif top[0] != _TRY_DONE or up == "BEGIN":
                return False
            frames.pop()
            self.completed()
        return False

    def peek(self, n: int) -> list[tuple[int, int, int]]:
        """The next ``n`` significant tokens, without consuming them."""
        lexer = self.lexer
        saved = lexer.pos
        out: list[tuple[int, int, int]] = []
        while len(out) < n and lexer.pos < len(self.text):
            tok = lexer.next_token()
            if tok[0] not in (WS, COMMENT):
                out.append(tok)
        lexer.pos = saved
        return out

    def peek_upper(self, n: int) -> list[str]:
        """The next ``n`` significant tokens as upper-case text (a quoted one as ``'``)."""
        text = self.text
        return [text[a:b].upper() if k != STRING else "'" for k, a, b in self.peek(n)]

    def peek_word(self) -> tuple[str, int]:
        toks = self.peek(1)
        if toks and toks[0][0] == WORD:
            return self.text[toks[0][1] : toks[0][2]].upper(), toks[0][2]
        return "", 0

    def cte_ahead(self) -> bool:
        """``WITH name AS (`` or ``WITH name (``: a common table expression starts here."""
        toks = [*self.peek_upper(3), "", "", ""]
        if not toks[0] or not (toks[0][0].isalpha() or toks[0][0] in "_#@'"):
            return False
        return toks[1].startswith("(") or (toks[1] == "AS" and toks[2].startswith("("))

    def drop_if_exists(self) -> bool:
        """``IF EXISTS name`` (DROP ... IF EXISTS), not ``IF EXISTS (subquery)``."""
        toks = self.peek_upper(2)
        return len(toks) == 2 and toks[0] == "EXISTS" and not toks[1].startswith("(")

    def starts_new(self, st: _Stmt, up: str) -> bool:
        """Does keyword ``up`` at depth 0 begin a new statement after ``st``?"""
        if up not in _STARTERS or not self.can_end or st.batch:
            return False
        head, prev = st.head, self.prev
        if st.cond:
            return True
        if head == "MERGE" or (head in ("GRANT", "DENY", "REVOKE") and not st.set_seen):
            return False
        if st.cte and up in _MAIN_DML:
            return False
        if up == "IF":
            return not self.drop_if_exists()
        if up in _MAIN_DML and prev in ("ON", "FOR"):
            return False
        if up == "SELECT":
            return not (head == "INSERT" and not st.has_source)
        if up in ("EXEC", "EXECUTE"):
            return not (head == "INSERT" and not st.has_source)
        if up == "SET":
            if head in ("UPDATE", "ALTER") and not st.set_seen:
                return False
            return not (prev in ("DELETE", "UPDATE") and self.prev2 == "ON")
        if up == "WITH":
            return self.cte_ahead()
        if up == "FETCH":
            return prev not in ("ROW", "ROWS")
        if head == "ALTER":
            if up in ("ALTER", "DROP"):
                return self.peek_word()[0] in _OBJECTS
            if up in ("ENABLE", "DISABLE", "MERGE"):
                return False
        return True

    def note(self, st: _Stmt, up: str) -> None:
        """Record what a continuing word tells about the statement."""
        head = st.head
        if up == "CASE":
            st.case += 1
        elif up == "END" and st.case:
            st.case -= 1
        elif not st.settled:
            if up in _MODULES:
                st.batch = True
            st.settled = up not in ("OR", "ALTER")
        if st.cte and up in _MAIN_DML:
            st.cte = False
            if head == "WITH":
                st.head = up
        elif up == "WITH" and not st.cte and self.cte_ahead():
            st.cte = True
        elif head == "INSERT" and up in _INSERT_SOURCES:
            st.has_source = True
        elif (
            up == "SET"
            or (head in ("GRANT", "DENY", "REVOKE") and up in ("TO", "FROM"))
            or (head == "UPDATE" and up == "STATISTICS")  # UPDATE STATISTICS has no SET
        ):
            st.set_seen = True

    def word(self, up: str, start: int, end: int) -> None:
        st = self.stmt
        if st is not None and self.depth == 0:
            if st.case:
                self.note(st, up)
                self.end = end
                self.set_prev(up, False)
                return
            closes = (up == "END" and self.blocks) or (
                up == "ELSE" and self.frames and self.frames[-1][0] == _IF
            )
            if closes or self.starts_new(st, up):
                self.end_stmt()
        if self.stmt is not None:
            if self.depth == 0:
                self.note(self.stmt, up)
            self.end = end
            self.set_prev(up, up not in _NEED_MORE)
            return
        self.idle_word(up, start, end)

    def idle_word(self, up: str, start: int, end: int) -> None:
        """A word where a statement (or ELSE, END, CATCH) may begin."""
        if self.resolve(up):
            self.end = end
            return
        self.open(start)
        self.end = end
        frames = self.frames
        if up == "END" and self.blocks:
            nxt, nxt_end = self.peek_word()
            if nxt != "CONVERSATION":
                while frames[-1][0] not in (_BLOCK, _TRY, _CATCH):
                    frames.pop()
                kind = frames.pop()[0]
                self.blocks -= 1
                if (kind == _TRY and nxt == "TRY") or (kind == _CATCH and nxt == "CATCH"):
                    self.lexer.pos = self.end = nxt_end
                if kind == _TRY:
                    frames.append([_TRY_DONE, _BODY])
                else:
                    self.completed()
                self.set_prev(")", True)
                return
        if up == "BEGIN":
            nxt, nxt_end = self.peek_word()
            if nxt not in _SIMPLE_BEGIN:
                if nxt in ("TRY", "CATCH"):
                    if frames and frames[-1][0] == _TRY_DONE:
                        frames.pop()
                    frames.append([_TRY if nxt == "TRY" else _CATCH, _BODY])
                    self.lexer.pos = self.end = nxt_end
                else:
                    frames.append([_BLOCK, _BODY])
                self.blocks += 1
                self.set_prev("BEGIN", False)
                return
        if up in ("IF", "WHILE"):
            frames.append([_IF if up == "IF" else _WHILE, _COND])
            self.stmt = _Stmt(up, cond=True)
            self.set_prev(up, False)
        else:
            self.stmt = _Stmt(up)
            self.set_prev(up, up not in _NEED_MORE)

    def idle_other(self, start: int) -> None:
        """A non-word token where no statement is in progress starts one."""
        self.resolve("")
        self.open(start)
        self.stmt = _Stmt("")

    def semi(self, end: int) -> None:
        if self.start is None:
            return  # a ';' that ends nothing belongs to no statement
        # Inside parentheses (OPENROWSET('x';'y';'z', t)), after BEGIN, or after END before
        # ELSE, a ';' is part of the statement; otherwise it ends the one in progress.
        self.end = end
        if self.depth == 0 and self.stmt is not None:
            self.end_stmt()
        if self.done and self.depth == 0:
            self.finish()

    def set_prev(self, word: str, can_end: bool) -> None:
        self.prev2, self.prev = self.prev, word
        self.can_end = can_end

    def other(self, kind: int, start: int, end: int) -> None:
        """A quoted token or a run of digits, operators and parentheses."""
        if self.stmt is None and self.depth == 0:
            self.idle_other(start)
        self.end = end
        if kind == STRING:
            self.set_prev("'", True)
            return
        chunk = self.text[start:end]
        self.depth = max(0, self.depth + chunk.count("(") - chunk.count(")"))
        self.set_prev(chunk[-1], chunk[-1] in _ENDING_CHARS)

    def line_command(self, pos: int) -> bool:
        text = self.text
        m = _GO_LINE.match(text, pos)
        if m:
            self.finish()
            self.lexer.pos = m.end()
            return True
        idle = self.stmt is None and not self.frames
        if idle and text.startswith(":", pos):
            m = _SQLCMD_LINE.match(text, pos)
            if m:
                self.finish()
                end = pos + len(m.group().rstrip())
                self.found.append((pos, end, "sqlplus"))
                self.lexer.pos = m.end()
                return True
        return False

    def run(self) -> Pieces:
        text, lexer = self.text, self.lexer
        size = len(text)
        at_line_start = True
        while lexer.pos < size:
            if at_line_start and self.line_command(lexer.pos):
                at_line_start = False
                continue
            kind, start, end = lexer.next_token()
            if kind == WS:
                at_line_start = at_line_start or text.find("\n", start, end) >= 0
                continue
            at_line_start = False
            if kind == COMMENT:
                continue
            st = self.stmt
            if st is not None and st.batch:
                self.end = end
            elif kind == SEMI:
                self.semi(end)
                self.set_prev(";", True)
            elif kind == WORD:
                up = text[start:end].upper()
                if up == "GO" and self.stmt is None and self.depth == 0:
                    self.finish()  # GO where a statement would start: a batch separator
                    m = _GO_COUNT.match(text, end)
                    lexer.pos = m.end() if m else end
                    continue
                self.word(up, start, end)
            else:
                self.other(kind, start, end)
        self.finish()
        return self.found
