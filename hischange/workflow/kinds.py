"""The one table of change kinds (变更类型): labels, the version bump, the evidence required.

Every other place that needs a fact about a kind asks this table: the CLI's ``--kind`` choices
and help, registration's check, release notes' labels and order, the release's version bump
and the default evidence a change needs before it is ready. Adding a kind is one row here
(plus its docs and tests); stored events keep the kind as plain text, so old ledgers are
untouched by a new row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hischange.errors import UsageError

__all__ = ["KINDS", "Bump", "ChangeKind", "default_evidence", "get_kind", "kind_names"]

Bump = Literal["minor", "patch"]
EvidenceKind = Literal["automated", "onsite"]


@dataclass(frozen=True)
class ChangeKind:
    """One kind of change as the contract names it."""

    name: str
    label_zh: str
    label_en: str
    #: How a release containing only this kind (and lower) bumps its version; a breaking
    #: change (``--breaking`` or a view that drops a column) bumps major whatever its kind.
    bump: Bump
    #: Evidence a change of this kind needs before it is ready, unless
    #: ``[evidence] required`` in config.toml says otherwise for the kind.
    evidence: tuple[EvidenceKind, ...]

    def label(self, lang: str) -> str:
        """The label in ``zh`` or ``en``."""
        return self.label_zh if lang == "zh" else self.label_en


#: In the order release notes group them.
KINDS: tuple[ChangeKind, ...] = (
    ChangeKind("customization", "客户化需求", "Customization", "minor", ("automated", "onsite")),
    ChangeKind("interface", "接口调整", "Interface adjustment", "minor", ("automated", "onsite")),
    ChangeKind(
        "view_interface",
        "数据上报视图接口",
        "Data-reporting view interface",
        "minor",
        ("automated",),
    ),
    ChangeKind("report", "报表", "Report", "minor", ("automated",)),
    ChangeKind("bugfix", "缺陷修复", "Bug fix", "patch", ("automated",)),
    ChangeKind("security", "安全漏洞修复", "Security fix", "patch", ("automated",)),
)

_BY_NAME = {k.name: k for k in KINDS}


def kind_names() -> tuple[str, ...]:
    """Every kind's name, in table order."""
    return tuple(_BY_NAME)


def get_kind(name: str) -> ChangeKind:
    """One kind; a usage error naming the known kinds for any other name."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UsageError(
            f"unknown change kind {name!r} (变更类型)",
            hint="use one of: " + ", ".join(_BY_NAME),
        ) from None


def default_evidence(name: str) -> tuple[EvidenceKind, ...]:
    """The evidence a kind needs by default (automated for a kind not in the table)."""
    kind = _BY_NAME.get(name)
    return kind.evidence if kind else ("automated",)
