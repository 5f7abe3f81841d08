"""Batched writes inside one transaction: existing_keys, checkpoint, grouped links."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hischange.events import ChangeFields, ChangeRegistered, CommitLink, CommitsLinked
from hischange.project import Project
from hischange.services.audit import verify_store
from hischange.services.changes import register_change
from hischange.workflow.projector import project as projector

AT = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _link(sha: str, *ids: str) -> CommitLink:
    return CommitLink(
        sha=sha,
        change_ids=ids,
        author_name="dev",
        author_email="dev@vendor",
        committer_email="dev@vendor",
        authored_at=AT,
        committed_at=AT,
        subject="s",
        via="trailer",
    )


def _changes(proj: Project, n: int) -> list[str]:
    fields = ChangeFields(kind="bugfix", title="x", rollback_plan="r")
    return [register_change(proj, "dev@vendor", fields).id for _ in range(n)]


def test_existing_keys_sees_committed_and_pending(project: Project) -> None:
    """existing_keys finds keys committed before and keys put in this transaction."""
    a, b = _changes(project, 2)
    with project.store.write(projector) as tx:
        assert tx.existing_keys("change", [a, b, "CR-2026-9999"]) == {a, b}
        tx.append("dev@vendor", [CommitsLinked(range="r", links=(_link("1" * 40, a),))])
        assert tx.existing_keys("commit", ["1" * 40, "2" * 40]) == {"1" * 40}


def test_checkpoints_in_a_first_transaction_verify(project: Project) -> None:
    """Several checkpoints in the very first transaction (head inserted, then updated) leave a
    chain and projections that verify, and nothing is visible if the transaction fails."""
    with project.store.write(projector) as tx:
        for i in range(5):
            tx.append("dev@vendor", [ChangeRegistered(
                change_id=f"CR-2026-{i + 1:04d}",
                fields=ChangeFields(kind="bugfix", title=f"t{i}", rollback_plan="r"),
                due_at=AT,
            )])  # fmt: skip
            tx.checkpoint("change", every=1)
    assert verify_store(project).ok
    assert project.store.head()[0] == 5

    class Boom(Exception):
        pass

    def failing_write() -> None:
        with project.store.write(projector) as tx:
            link = _link("3" * 40, "CR-2026-0001")
            tx.append("dev@vendor", [CommitsLinked(range="r", links=(link,))])
            tx.checkpoint("commit", every=1)
            raise Boom

    with pytest.raises(Boom):
        failing_write()
    assert project.store.head()[0] == 5
    assert project.store.aggregate("commit", "3" * 40) is None
    assert verify_store(project).ok


def test_repeated_sha_in_one_event_links_once(project: Project) -> None:
    """A sha repeated within one event ends as one commit on the change, in order."""
    (a,) = _changes(project, 1)
    links = (_link("1" * 40, a), _link("2" * 40, a), _link("1" * 40, a))
    with project.store.write(projector) as tx:
        tx.append("dev@vendor", [CommitsLinked(range="r", links=links)])
    state = project.store.aggregate("change", a)
    assert state is not None
    assert state["commits"] == ["2" * 40, "1" * 40]
    assert verify_store(project).ok
