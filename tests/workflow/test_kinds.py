"""The kinds table is the one list of change kinds: every consumer reads it."""

from __future__ import annotations

import pytest

from hischange.cli.change import KINDS as CLI_KINDS
from hischange.errors import UsageError
from hischange.project import Project
from hischange.services.changes import make_fields, register_change
from hischange.workflow.evidence import required_kinds
from hischange.workflow.kinds import KINDS, default_evidence, get_kind, kind_names
from hischange.workflow.release import choose_version


def test_the_table_has_the_contract_kinds_in_release_note_order() -> None:
    """The six kinds of the maintenance contract, grouped in release notes in this order."""
    assert kind_names() == (
        "customization",
        "interface",
        "view_interface",
        "report",
        "bugfix",
        "security",
    )
    assert {k.label("zh") for k in KINDS} >= {"客户化需求", "接口调整", "数据上报视图接口"}


def test_the_cli_offers_exactly_the_table() -> None:
    """``change new --kind`` offers the table's names and no other."""
    assert kind_names() == CLI_KINDS


def test_an_unknown_kind_names_the_known_ones() -> None:
    """A usage error (exit 2) listing every kind."""
    with pytest.raises(UsageError) as err:
        get_kind("feature")
    assert "feature" in err.value.message and "view_interface" in (err.value.hint or "")


def test_default_evidence_comes_from_the_table_and_config_overrides_per_kind() -> None:
    """Unlisted kinds need what the table says; a configured kind needs what config says,
    an empty list meaning none."""
    assert required_kinds({}, "interface") == ("automated", "onsite")
    assert required_kinds({}, "report") == ("automated",)
    assert required_kinds({"report": ("onsite",)}, "report") == ("onsite",)
    assert required_kinds({"report": ()}, "report") == ()
    assert required_kinds({"report": ()}, "customization") == ("automated", "onsite")
    assert default_evidence("unknown") == ("automated",)


def test_release_bump_follows_the_table(project: Project) -> None:
    """A kind's bump in the table decides minor or patch (through choose_version)."""
    states = {
        kind: register_change(
            project,
            "dev@vendor",
            make_fields({"kind": kind, "title": kind, "system": "门诊", "rollback_plan": "恢复"}),
        )
        for kind in ("bugfix", "report")
    }
    assert choose_version(None, None, None, [states["bugfix"]], False)[0] == "0.0.1"
    assert choose_version(None, None, None, list(states.values()), False)[0] == "0.1.0"


def test_registering_an_unknown_kind_through_the_library_is_refused(project: Project) -> None:
    """The library API checks the kind against the table too (events keep plain text)."""
    fields = make_fields(
        {"kind": "feature", "title": "x", "system": "门诊", "rollback_plan": "恢复"}
    )
    with pytest.raises(UsageError, match="unknown change kind"):
        register_change(project, "dev@vendor", fields)
    assert project.store.head()[0] == 0
