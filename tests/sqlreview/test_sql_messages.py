"""Finding messages name the objects they are about (table, view, column, partition)."""

from __future__ import annotations

import pytest

from hischange.sqlreview import SqlReviewSettings, review_sql
from hischange.sqlreview.model import Dialect


def _messages(sql: str, dialect: Dialect, code: str, **settings: object) -> list[str]:
    s = SqlReviewSettings.model_validate({"dialect": dialect, **settings})
    return [f.message for f in review_sql(sql, settings=s).files[0].findings if f.code == code]


@pytest.mark.parametrize(
    ("dialect", "sql", "code", "message"),
    [
        ("mysql", "DROP TABLE IF EXISTS pat_tmp", "HC103", "DROP TABLE pat_tmp"),
        ("postgres", "DROP TABLE IF EXISTS his.a, his.b", "HC103", "DROP TABLE his.a, his.b"),
        ("postgres", "DROP VIEW public.v_report", "HC103", "DROP VIEW public.v_report"),
        ("oracle", "DROP PUBLIC SYNONYM pat_master", "HC103", "DROP PUBLIC SYNONYM pat_master"),
        ("oracle", "DROP PACKAGE BODY pkg_fee", "HC103", "DROP PACKAGE BODY pkg_fee"),
        ("mysql", "ALTER TABLE t ADD COLUMN (c INT NOT NULL)", "HC105",
         "column c added to t as NOT NULL without a default"),
        ("oracle", "ALTER TABLE pat_master DROP COLUMN old_phone", "HC106",
         "column old_phone dropped from pat_master"),
        ("oracle", "ALTER TABLE pat_master DROP (old_phone, old_addr)", "HC106",
         "columns old_phone, old_addr dropped from pat_master"),
        ("mysql", "ALTER TABLE pat_master DROP old_phone", "HC106",
         "column old_phone dropped from pat_master"),
        ("oracle", "ALTER TABLE pat_master SET UNUSED (old_phone)", "HC106",
         "column old_phone set unused (dropped) in pat_master"),
        ("postgres", "ALTER TABLE pat_master RENAME COLUMN brxm TO patient_name", "HC106",
         "column brxm of pat_master renamed to patient_name"),
        ("mysql", "ALTER TABLE pat_master CHANGE brxm patient_name VARCHAR(50)", "HC106",
         "column brxm of pat_master renamed to patient_name"),
        ("tsql", "EXEC sp_rename 'dbo.pat_master.brxm', 'patient_name', 'COLUMN'", "HC106",
         "sp_rename renames dbo.pat_master.brxm to patient_name: callers that name the old"
         " name break"),
        ("mysql", "ALTER TABLE pat_log ADD COLUMN n INT NULL, TRUNCATE PARTITION p2019", "HC104",
         "TRUNCATE PARTITION p2019 removes every row of that partition of pat_log"),
        ("tsql", "UPDATE TOP (1) pat_visit SET a = 1", "HC101",
         "UPDATE TOP without WHERE changes arbitrary rows of pat_visit (every row when"
         " repeated in a loop)"),
    ],
)  # fmt: skip
def test_message_names_the_object(dialect: Dialect, sql: str, code: str, message: str) -> None:
    """The one finding of ``code`` carries the object's name, not just the statement kind."""
    assert _messages(sql, dialect, code) == [message]


def test_select_into_a_protected_table_says_select_into() -> None:
    """T-SQL SELECT ... INTO a protected table is reported as the SELECT INTO that creates it."""
    got = _messages(
        "SELECT * INTO dbo.pat_master_index FROM tmp", "tsql", "HC115",
        protected_tables=["pat_master_index"],
    )  # fmt: skip
    assert got == ["SELECT INTO on protected table dbo.pat_master_index"]
