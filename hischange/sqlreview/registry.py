"""The rule registry: the builtin rules plus those installed through an entry-point group.

A plugin package registers a rule class in its own packaging metadata::

    [project.entry-points."hischange.sqlreview.rules"]
    HC901 = "his_site_rules.no_dblink:NoDbLink"
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping

from hischange.errors import ConfigError
from hischange.sqlreview.model import DIALECTS, SqlReviewSettings
from hischange.sqlreview.rules.base import FileRule, Rule, StatementRule
from hischange.sqlreview.rules.hc000_not_analysable import NotAnalysable
from hischange.sqlreview.rules.hc001_encoding_fallback import EncodingFallback
from hischange.sqlreview.rules.hc002_suppression_without_reason import SuppressionWithoutReason
from hischange.sqlreview.rules.hc003_client_differs import ClientDiffers
from hischange.sqlreview.rules.hc101_update_delete_without_where import UpdateDeleteWithoutWhere
from hischange.sqlreview.rules.hc102_always_true_where import AlwaysTrueWhere
from hischange.sqlreview.rules.hc103_drop_object import DropObject
from hischange.sqlreview.rules.hc104_truncate import Truncate
from hischange.sqlreview.rules.hc105_not_null_without_default import NotNullWithoutDefault
from hischange.sqlreview.rules.hc106_drop_or_rename_column import DropOrRenameColumn
from hischange.sqlreview.rules.hc107_change_column_type import ChangeColumnType
from hischange.sqlreview.rules.hc108_index_without_online import IndexWithoutOnline
from hischange.sqlreview.rules.hc109_broad_grant import BroadGrant
from hischange.sqlreview.rules.hc110_dynamic_sql_concatenation import DynamicSqlConcatenation
from hischange.sqlreview.rules.hc111_select_star import SelectStar
from hischange.sqlreview.rules.hc112_insert_without_columns import InsertWithoutColumns
from hischange.sqlreview.rules.hc113_transaction_control import TransactionControl
from hischange.sqlreview.rules.hc114_implicit_cross_join import ImplicitCrossJoin
from hischange.sqlreview.rules.hc115_protected_table import ProtectedTable
from hischange.sqlreview.rules.hc116_missing_rollback import MissingRollback
from hischange.sqlreview.rules.hc117_dirty_read import DirtyRead
from hischange.sqlreview.rules.hc118_server_settings import ServerSettings
from hischange.sqlreview.rules.hc119_unbounded_date_range_dml import UnboundedDateRangeDml
from hischange.sqlreview.rules.hc120_hard_coded_schema import HardCodedSchema
from hischange.sqlreview.rules.hc121_order_by_in_view import OrderByInView
from hischange.sqlreview.rules.hc122_not_null_on_existing_column import NotNullOnExistingColumn
from hischange.sqlreview.rules.hc123_rename_table import RenameTable
from hischange.sqlreview.rules.hc124_constraint_validates_under_lock import (
    ConstraintValidatesUnderLock,
)
from hischange.sqlreview.rules.hc125_concurrently_in_transaction import ConcurrentlyInTransaction
from hischange.sqlreview.rules.hc126_ddl_without_lock_timeout import DdlWithoutLockTimeout
from hischange.sqlreview.rules.hc127_mysql_alter_without_algorithm import (
    MysqlAlterWithoutAlgorithm,
)
from hischange.sqlreview.rules.hc128_on_delete_cascade import OnDeleteCascade
from hischange.sqlreview.rules.hc130_pii_exposed import PiiExposed
from hischange.sqlreview.rules.hc140_breaking_view_change import BreakingViewChange
from hischange.sqlreview.rules.hc201_table_naming import TableNaming
from hischange.sqlreview.rules.hc202_index_naming import IndexNaming
from hischange.sqlreview.rules.hc203_constraint_naming import ConstraintNaming
from hischange.sqlreview.rules.hc204_required_columns import RequiredColumns
from hischange.sqlreview.rules.hc205_denied_type import DeniedType
from hischange.sqlreview.rules.hc206_comment_required import CommentRequired
from hischange.sqlreview.rules.hc207_varchar_too_long import VarcharTooLong

__all__ = ["BUILTIN_RULES", "ENTRY_POINT_GROUP", "all_rules", "load_rules", "rule_by_code"]

ENTRY_POINT_GROUP = "hischange.sqlreview.rules"

BUILTIN_RULES: tuple[type[Rule], ...] = (
    NotAnalysable, EncodingFallback, SuppressionWithoutReason, ClientDiffers,
    UpdateDeleteWithoutWhere, AlwaysTrueWhere, DropObject, Truncate, NotNullWithoutDefault,
    DropOrRenameColumn, ChangeColumnType, IndexWithoutOnline, BroadGrant,
    DynamicSqlConcatenation, SelectStar, InsertWithoutColumns, TransactionControl,
    ImplicitCrossJoin, ProtectedTable, MissingRollback, DirtyRead, ServerSettings,
    UnboundedDateRangeDml, HardCodedSchema, OrderByInView, NotNullOnExistingColumn, RenameTable,
    ConstraintValidatesUnderLock, ConcurrentlyInTransaction, DdlWithoutLockTimeout,
    MysqlAlterWithoutAlgorithm, OnDeleteCascade, PiiExposed, BreakingViewChange,
    # house standards (HC2xx): each fires only when the DBA configured it
    TableNaming, IndexNaming, ConstraintNaming, RequiredColumns, DeniedType, CommentRequired,
    VarcharTooLong,
)  # fmt: skip

_CODE = re.compile(r"^[A-Z]{2,5}\d{3,4}$")
_SEVERITIES = frozenset({"error", "warning", "info"})


def _validate(cls: object, origin: str) -> type[Rule]:
    """Check that a plugin object is a usable rule class; raise ConfigError naming it."""
    if not isinstance(cls, type) or not issubclass(cls, (StatementRule, FileRule)):
        raise ConfigError(
            f"SQL review rule plugin {origin} is not a StatementRule or FileRule subclass: {cls!r}",
            hint="point the entry point at a class deriving from "
            "hischange.sqlreview.rules.base.StatementRule or FileRule",
        )
    problems = []
    code = getattr(cls, "code", None)
    if not isinstance(code, str) or not _CODE.match(code):
        problems.append(f"code {code!r} is not like HC901")
    if not isinstance(getattr(cls, "name", None), str):
        problems.append("name is missing")
    if getattr(cls, "severity", None) not in _SEVERITIES:
        problems.append(f"severity {getattr(cls, 'severity', None)!r} is not error/warning/info")
    if not isinstance(getattr(cls, "family", None), str):
        problems.append("family is missing")
    by_dialect = getattr(cls, "dialect_severity", {})
    if not isinstance(by_dialect, Mapping) or not (
        set(by_dialect) <= set(DIALECTS) and set(by_dialect.values()) <= _SEVERITIES
    ):
        problems.append(f"dialect_severity {by_dialect!r} is not dialect -> error/warning/info")
    if not set(getattr(cls, "dialects", ())) <= set(DIALECTS):
        problems.append(f"dialects {sorted(getattr(cls, 'dialects', ()))} include unknown ones")
    if problems:
        raise ConfigError(
            f"SQL review rule plugin {origin} ({cls.__name__}) is invalid: " + "; ".join(problems),
            hint="fix the rule class's metadata or uninstall the plugin",
        )
    return cls


#: Plugin discovery scans every installed distribution's metadata (milliseconds), so its
#: result is kept for the process, per lookup function (tests substitute their own).
_DISCOVERED: dict[object, list[type[Rule]]] = {}


def _plugins() -> list[type[Rule]]:
    metadata = sys.modules.get("importlib.metadata")
    finder = getattr(metadata, "entry_points", None)
    if finder not in _DISCOVERED:
        _DISCOVERED.clear()
        _DISCOVERED[finder] = _discover()
    return list(_DISCOVERED[finder])


def _may_have_plugins() -> bool:
    """False only when no installed distribution can register a rule: no ``entry_points.txt``
    on ``sys.path`` names the group. Importing ``importlib.metadata`` (email, zipfile, ...)
    costs a tenth of a plain review's start-up; this look costs a few stat calls. Once the
    module is imported (a test substituting ``entry_points``, a plugin host) it is asked."""
    if "importlib.metadata" in sys.modules:
        return True
    for entry in sys.path:
        base = entry or "."
        try:
            names = os.listdir(base)
        except NotADirectoryError:
            return True  # a zip archive: let importlib.metadata read it
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(base, name, "entry_points.txt"), encoding="utf-8") as f:
                    if ENTRY_POINT_GROUP in f.read():
                        return True
            except (OSError, UnicodeDecodeError):
                continue
    return False


def _discover() -> list[type[Rule]]:
    found: list[type[Rule]] = []
    if not _may_have_plugins():
        return found
    import importlib.metadata

    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        origin = f"{ep.name} = {ep.value}"
        try:
            obj = ep.load()
        except Exception as exc:  # any import failure is a config problem
            raise ConfigError(
                f"SQL review rule plugin {origin} could not be loaded: {type(exc).__name__}: {exc}",
                hint=f"fix or uninstall the package that registers it in {ENTRY_POINT_GROUP}",
            ) from exc
        found.append(_validate(obj, origin))
    return found


def all_rules() -> list[type[Rule]]:
    """Every rule class (builtin then plugins), sorted by code; for docs and SARIF metadata."""
    rules = list(BUILTIN_RULES)
    codes = {r.code for r in rules}
    for plugin in _plugins():
        if plugin.code in codes:
            raise ConfigError(
                f"SQL review rule plugin {plugin.__module__}.{plugin.__name__} reuses code "
                f"{plugin.code}, which another rule already has",
                hint="give the plugin rule its own code (plugins conventionally use HC9xx)",
            )
        codes.add(plugin.code)
        rules.append(plugin)
    return sorted(rules, key=lambda r: r.code)


def rule_by_code(code: str) -> type[Rule] | None:
    """The rule class with ``code`` (case-insensitive), or None."""
    wanted = code.strip().upper()
    return next((r for r in all_rules() if r.code == wanted), None)


def load_rules(settings: SqlReviewSettings) -> tuple[list[StatementRule], list[FileRule]]:
    """Instances of the rules that apply: not disabled, and claiming ``settings.dialect``.

    The engine's own codes (HC000-HC002) are metadata only and not returned; HC140's statement
    check yields nothing (its findings come from ``views``). Severity overrides are the
    engine's business (it builds the findings).
    """
    disabled = {c.upper() for c in settings.disabled}
    statement_rules: list[StatementRule] = []
    file_rules: list[FileRule] = []
    for cls in all_rules():
        if cls.code in disabled or settings.dialect not in cls.dialects:
            continue
        if issubclass(cls, StatementRule):
            statement_rules.append(cls())
        elif issubclass(cls, FileRule):
            file_rules.append(cls())
    return statement_rules, file_rules
