"""Issue 18's new pure rules, without a store or a repository."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hischange.errors import UsageError, WorkflowError
from hischange.events import ChangeFields, DeploymentRecorded, ReleaseImported, RollbackRecorded
from hischange.ledger import AppendedEvent
from hischange.workflow.change import ChangeState, SqlFileState
from hischange.workflow.deployment import running_where, with_history
from hischange.workflow.evidence import EvidenceFacts, decide_ready
from hischange.workflow.release import DeploymentRef, ReleaseState, decide_import
from hischange.workflow.sql import sql_readiness_problems

AT = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


def _change(**sql: SqlFileState) -> ChangeState:
    return ChangeState(
        id="CR-2026-0001",
        fields=ChangeFields.model_validate({"kind": "bugfix", "title": "t"}),
        state="in_progress",
        registered_by="dev@vendor",
        registered_at=AT,
        due_at=AT,
        sql_files={s.path: s for s in sql.values()},
    )


def test_sql_readiness_names_unapproved_and_edited_files() -> None:
    """A reviewed file must be approved at its current content; a gone file is no problem."""
    state = _change(
        a=SqlFileState(path="a.sql", reviewed_sha256="1"),
        b=SqlFileState(path="b.sql", reviewed_sha256="1", approved_sha256="1"),
        c=SqlFileState(path="c.sql", reviewed_sha256="1", approved_sha256="1"),
        d=SqlFileState(path="d.sql", reviewed_sha256="1"),
    )
    problems = sql_readiness_problems(state, {"a.sql": "1", "b.sql": "2", "c.sql": "1"})
    assert problems == [
        "SQL a.sql is not approved (hischange sql approve)",
        "SQL b.sql changed since its approval (re-review and re-approve)",
    ]


def test_decide_ready_refuses_sql_problems_under_their_own_rule() -> None:
    """With the evidence in order, SQL problems refuse `change ready` as sql_approval_required."""
    facts = EvidenceFacts(latest_commit=None, items={})
    with pytest.raises(WorkflowError) as caught:
        decide_ready(_change(), facts, (), ["SQL a.sql is not approved"])
    assert caught.value.rule == "sql_approval_required"
    assert decide_ready(_change(), facts, (), [])


def _release(version: str, *deployments: DeploymentRef) -> ReleaseState:
    return ReleaseState(
        version=version, tag=f"v{version}", range="", head_commit="", commits=(), changes=(),
        sql_files=(), evidence=(), ledger_head_seq=0, ledger_head_hash="", manifest_digest="",
        bump_reason="", cut_by="d@v", cut_at=AT, deployments=deployments,
    )  # fmt: skip


def _appended(seq: int, event: object) -> AppendedEvent:
    return AppendedEvent(
        seq=seq, at=AT + timedelta(hours=seq), actor="ops@vendor", prev_hash="", hash="",
        event=event,
    )  # fmt: skip


def test_running_where_and_with_history_follow_the_events() -> None:
    """A baseline, two deployments and a rollback: what runs where and since when, and the
    rolled-back deployment names the version restored."""
    records = [
        _appended(1, ReleaseImported(version="3.2.0", running=(("production", "总院"),))),
        _appended(2, DeploymentRecorded(
            deployment_id="DP-00001", version="3.3.0", env="production", site="总院",
            operator="ops@vendor", result="success", remote_session={"session_id": "BH-1"},
        )),
        _appended(3, RollbackRecorded(
            version="3.3.0", env="production", site="总院", to_version="3.2.0", reason="r"
        )),
    ]  # fmt: skip
    (site,) = running_where(records)
    assert (site.version, site.since, site.history) == (
        "3.2.0",
        AT + timedelta(hours=3),
        ("3.2.0", "3.3.0"),
    )
    ref = DeploymentRef(
        deployment_id="DP-00001", env="production", site="总院", operator="ops@vendor",
        result="success", at=AT + timedelta(hours=2),
    )  # fmt: skip
    shown = with_history(_release("3.3.0", ref), records)
    assert shown.deployments[0].rolled_back_to == "3.2.0"
    assert shown.deployments[0].remote_session == {"session_id": "BH-1"}
    assert shown.rollbacks[0].to_version == "3.2.0"


def test_decide_import_refuses_a_known_version_and_occupied_sites() -> None:
    """A baseline is a new version, at sites where nothing is recorded as running."""
    decide_import("3.2.0", None, (("production", "总院"),), {})
    with pytest.raises(UsageError, match="already exists"):
        decide_import("3.2.0", _release("3.2.0"), (), {})
    with pytest.raises(UsageError, match="production@总院"):
        decide_import("3.1.0", None, (("production", "总院"),), {("production", "总院"): "3.3.0"})
