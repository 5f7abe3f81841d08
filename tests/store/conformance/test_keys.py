"""The greatest key with a prefix (``WriteTx.highest_key``) and the change-id allocation
built on it, on every backend: a few index probes, not a read of every key of the year."""

from __future__ import annotations

from typing import Any

import pytest

from hischange.events import ChangeFields
from hischange.project import Project
from hischange.services.changes import next_change_id, register_change
from hischange.workflow import change
from hischange.workflow.projector import project
from tests.store.conformance.test_locking import FIELDS


def _register(ledger: Project, *ids: str) -> None:
    fields = ChangeFields(**FIELDS)
    with ledger.store.write(project) as tx:
        for cid in ids:
            tx.append("dev@vendor", change.decide_register(cid, fields, tx.now))


def test_highest_key_is_the_greatest_with_the_prefix(ledger: Project) -> None:
    """Committed keys and this transaction's own count; other prefixes and kinds do not;
    no key gives None."""
    _register(ledger, "CR-2026-0001", "CR-2026-0002", "CR-2025-0009", "CR-2027-0001")
    with ledger.store.write(project) as tx:
        assert tx.highest_key("change", "CR-2026-") == "CR-2026-0002"
        assert tx.highest_key("change", "CR-2024-") is None
        assert tx.highest_key("evidence", "CR-2026-") is None
        fields = ChangeFields(**FIELDS)
        tx.append("dev@vendor", change.decide_register("CR-2026-0003", fields, tx.now))
        assert tx.highest_key("change", "CR-2026-") == "CR-2026-0003"


def test_next_change_id_after_9999_and_in_a_new_year(ledger: Project) -> None:
    """Past CR-YYYY-9999 the ids go on (10000 sorts below 9999 as text); a year starts at
    0001; registering through the service allocates the next one."""
    with ledger.store.write(project) as tx:
        assert next_change_id(tx, 2026) == "CR-2026-0001"
    _register(ledger, *(f"CR-2026-{n:04d}" for n in (9997, 9998, 9999, 10000, 10001)))
    with ledger.store.write(project) as tx:
        assert next_change_id(tx, 2026) == "CR-2026-10002"
        assert next_change_id(tx, 2027) == "CR-2027-0001"
    state = register_change(ledger, "dev@vendor", ChangeFields(**FIELDS))
    year = state.registered_at.year
    assert state.id == ("CR-2026-10002" if year == 2026 else f"CR-{year}-0001")


def test_registration_reads_no_key_list(ledger: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Allocating an id never lists the year's keys (that made registering slower as the
    year filled)."""
    from hischange.store.write import WriteTx

    def no_listing(self: Any, kind: str, prefix: str = "") -> list[str]:
        raise AssertionError(f"listed every {kind} key")

    monkeypatch.setattr(WriteTx, "keys", no_listing)
    first = register_change(ledger, "dev@vendor", ChangeFields(**FIELDS))
    second = register_change(ledger, "dev@vendor", ChangeFields(**FIELDS))
    assert int(second.id[-4:]) == int(first.id[-4:]) + 1


def test_aggregates_in_reads_the_named_states(ledger: Project) -> None:
    """The states of the keys asked for that exist, in chunks; missing keys are left out."""
    ids = [f"CR-2026-{n:04d}" for n in range(1, 8)]
    _register(ledger, *ids)
    found = ledger.store.aggregates_in("change", [*ids[:5], "CR-2026-0999", ids[0]], chunk=2)
    assert sorted(found) == ids[:5]
    assert found[ids[3]]["id"] == ids[3]
    assert ledger.store.aggregates_in("change", []) == {}
