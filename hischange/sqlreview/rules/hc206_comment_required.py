"""HC206: a new table or column without a comment in the script (off until configured)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hischange.sqlreview.rules._standards import added_columns, created_tables
from hischange.sqlreview.rules._tokens import Word, lex_tokens, read_name, to_words
from hischange.sqlreview.rules.base import FileContext, FileRule, Hit

__all__ = ["CommentRequired"]

#: sp_addextendedproperty's parameters in order, for calls that pass them by position.
_PARAMS: tuple[str, ...] = (
    "@name", "@value", "@level0type", "@level0name", "@level1type", "@level1name",
    "@level2type", "@level2name",
)  # fmt: skip


def _unquote(word: Word) -> str:
    return word.value[1:-1].replace("''", "'")


def _extended_property(ws: Sequence[Word]) -> tuple[str, str] | None:
    """(table, column or "") that a T-SQL ``sp_addextendedproperty`` describes."""
    values: dict[str, str] = {}
    position, pending = 0, ""
    for w in ws:
        if w.kind == "name" and w.value.startswith("@"):
            pending = w.value.lower()
        elif w.kind == "str":
            key = pending or (_PARAMS[position] if position < len(_PARAMS) else "")
            values[key], pending, position = _unquote(w), "", position + 1
    if values.get("@level1type", "").upper() != "TABLE" or not values.get("@level1name"):
        return None
    is_column = values.get("@level2type", "").upper() == "COLUMN"
    return values["@level1name"], values.get("@level2name", "") if is_column else ""


def _comments(ws: Sequence[Word]) -> set[tuple[str, str]]:
    """(table, column or "") pairs the statement comments, case-folded."""
    found: set[tuple[str, str]] = set()
    if len(ws) > 3 and ws[0].up == "COMMENT" and ws[1].up == "ON":
        parts, _ = read_name(ws, 3)
        if ws[2].up == "TABLE" and parts:
            found.add((parts[-1], ""))
        elif ws[2].up == "COLUMN" and len(parts) >= 2:
            found.add((parts[-2], parts[-1]))
    elif any(w.up.endswith("SP_ADDEXTENDEDPROPERTY") for w in ws[:4]):
        described = _extended_property(ws)
        if described:
            found.add(described)
    elif len(ws) > 3 and ws[0].up == "ALTER" and ws[1].up == "TABLE":
        parts, j = read_name(ws, 2)
        if parts and j < len(ws) and ws[j].up == "COMMENT":  # MySQL ALTER TABLE t COMMENT = ''
            found.add((parts[-1], ""))
    return {(t.casefold(), c.casefold()) for t, c in found}


class CommentRequired(FileRule):
    """A new table, or a column a script creates or adds, with no comment in the same script.

    The data dictionary the hospital's DBA keeps is read from the database's comments; a
    column named ``zt`` or ``flag2`` without one is a question for the vendor forever. Checked
    only when ``require_comments = true`` under ``[sqlreview]``. A comment is ``COMMENT ON
    TABLE/COLUMN`` (Oracle, DM 达梦, PostgreSQL, KingbaseES) anywhere in the file, MySQL's
    inline ``COMMENT '…'``, or T-SQL's ``sp_addextendedproperty`` (MS_Description).

    Anti-pattern:

        -- require_comments = true
        CREATE TABLE his_bed (bed_no VARCHAR2(10), zt CHAR(1));

    Best practice:

        CREATE TABLE his_bed (bed_no VARCHAR2(10), zt CHAR(1));
        COMMENT ON TABLE his_bed IS '床位';
        COMMENT ON COLUMN his_bed.bed_no IS '床位号';
        COMMENT ON COLUMN his_bed.zt IS '状态: 0 空床, 1 占用';
    """

    code = "HC206"
    name = "comment-required"
    severity = "warning"
    family = "standards"

    def check_file(self, ctx: FileContext) -> Iterable[Hit]:
        """Fire on each new table and new column that no comment of the file describes."""
        if not ctx.settings.require_comments:
            return []
        wanted: list[tuple[str, str, str, int]] = []  # table, column, what, file offset
        commented: set[tuple[str, str]] = set()
        for st in ctx.statements:
            if st.kind == "sqlplus":
                continue
            ws = to_words(lex_tokens(st.text), ctx.dialect)
            commented |= _comments(ws)
            for table in created_tables(ws):
                if table.temporary:
                    continue
                if table.commented:
                    commented.add((table.name.casefold(), ""))
                wanted.append((table.name, "", f"table {table.name}", st.start + table.offset))
                for c in table.columns:
                    if c.commented:
                        commented.add((table.name.casefold(), c.name.casefold()))
                    where = st.start + c.offset
                    wanted.append((table.name, c.name, f"column {table.name}.{c.name}", where))
            for name, c in added_columns(ws):
                if c.commented:
                    commented.add((name.casefold(), c.name.casefold()))
                wanted.append((name, c.name, f"column {name}.{c.name}", st.start + c.offset))
        return [
            Hit(f"{what} has no comment (COMMENT ON / COMMENT '…' / MS_Description)", offset)
            for table, column, what, offset in wanted
            if (table.casefold(), column.casefold()) not in commented
        ]
