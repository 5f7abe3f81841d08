"""The fault register's rules, pure: refusals, response clocks, recurring groups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hischange.config import FaultsConfig, SiteConfig
from hischange.errors import UsageError, WorkflowError
from hischange.workflow.fault import (
    FaultResolution,
    FaultResponse,
    FaultState,
    decide_report,
    decide_resolve,
    decide_respond,
    onsite_clock,
    recurring_groups,
    remote_clock,
    symptom_signature,
)

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
SITE = SiteConfig()
CFG = FaultsConfig()


def _fault(fid: str = "FT-2026-0001", at: datetime = T0, **update: object) -> FaultState:
    state = FaultState(
        id=fid, system="门诊", symptom="挂号超时", severity="major", reported_at=at,
        reporter="门诊部", signature="挂号超时", registered_by="ops", registered_at=at,
    )  # fmt: skip
    return state.model_copy(update=update)


def _response(mode: str, minutes: int) -> FaultResponse:
    return FaultResponse(
        mode=mode,  # type: ignore[arg-type]
        at=T0 + timedelta(minutes=minutes),
        responder="e",
        recorded_by="ops",
    )


def test_signature_ignores_width_case_spaces_and_punctuation() -> None:
    assert symptom_signature("挂号 超时！") == symptom_signature("挂号超时") == "挂号超时"
    assert symptom_signature("HIS Login-Failed") == symptom_signature("his login failed")


def test_report_needs_words_and_no_future() -> None:
    with pytest.raises(UsageError, match="in the future"):
        decide_report("FT-2026-0001", system="门诊", module="", symptom="x", severity="minor",
                      reported_at=T0 + timedelta(hours=1), reporter="r", signature=None, now=T0,
                      site=SITE)  # fmt: skip
    with pytest.raises(UsageError, match="no letters or digits"):
        decide_report("FT-2026-0001", system="门诊", module="", symptom="!!!", severity="minor",
                      reported_at=T0, reporter="r", signature=None, now=T0, site=SITE)  # fmt: skip


def test_resolved_fault_refuses_responses_and_resolutions() -> None:
    done = _fault(resolution=FaultResolution(at=T0, cause="c", action="a", recorded_by="o"))
    with pytest.raises(WorkflowError) as refused:
        decide_respond(done, "remote", T0, "e", "", T0, SITE)
    assert refused.value.rule == "state_machine"
    with pytest.raises(WorkflowError):
        decide_resolve(done, T0, "c", "a", None, T0, SITE)
    with pytest.raises(UsageError, match="before FT-2026-0001 was reported"):
        decide_respond(_fault(), "remote", T0 - timedelta(minutes=1), "e", "", T0, SITE)


def test_clocks() -> None:
    now = T0 + timedelta(hours=10)
    assert remote_clock(_fault(responses=(_response("remote", 30),)), CFG, now).status == "met"
    assert remote_clock(_fault(responses=(_response("remote", 31),)), CFG, now).status == "missed"
    assert remote_clock(_fault(), CFG, T0 + timedelta(minutes=29)).status == "open"
    assert remote_clock(_fault(), CFG, now).status == "missed"
    onsite = _fault(responses=(_response("remote", 5), _response("onsite", 240)))
    assert onsite_clock(onsite, CFG, now).status == "met"  # type: ignore[union-attr]
    late = _fault(responses=(_response("onsite", 241),))
    assert onsite_clock(late, CFG, now).status == "missed"  # type: ignore[union-attr]
    assert onsite_clock(_fault(severity="normal"), CFG, now) is None
    early = _fault(
        resolution=FaultResolution(
            at=T0 + timedelta(hours=1), cause="c", action="a", recorded_by="o"
        )
    )
    assert onsite_clock(early, CFG, now).status == "not_needed"  # type: ignore[union-attr]


def test_recurring_groups_chain_within_the_window() -> None:
    day = timedelta(days=1)
    faults = [
        _fault("FT-2026-0001", T0),
        _fault("FT-2026-0002", T0 + 20 * day),
        _fault("FT-2026-0003", T0 + 45 * day),  # 25 days after the one before: chained
        _fault("FT-2026-0004", T0 + 100 * day),  # alone
        _fault("FT-2026-0005", T0 + day, system="住院"),  # another system
    ]
    groups = recurring_groups(faults, 30)
    assert [g.faults for g in groups] == [("FT-2026-0001", "FT-2026-0002", "FT-2026-0003")]
    assert recurring_groups(faults, 10) == []
