"""The collector pause around appends: always resumed, never resumed against the program."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from hischange.events import ChangeFields, ChangeRegistered
from hischange.project import Project
from hischange.store.collector import collector_paused
from hischange.workflow.projector import project as projector


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_pause_is_reentrant_and_resumes() -> None:
    """Nested pauses keep the collector off until the outermost one ends."""
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_pause_resumes_after_an_error() -> None:
    """An exception inside the block still resumes the collector."""
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled() -> None:
    """A program that turned the collector off finds it off afterwards."""
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_in_threads() -> None:
    """The collector resumes only when the last of several overlapping pauses ends."""
    inside, release = threading.Barrier(3), threading.Event()

    def worker() -> None:
        with collector_paused():
            inside.wait()
            release.wait()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    inside.wait()
    assert not gc.isenabled()
    release.set()
    for thread in threads:
        thread.join()
    assert gc.isenabled()


def test_append_resumes_the_collector_also_when_the_projector_fails(project: Project) -> None:
    """The collector is on after an append, and after one whose projector raised."""
    event = ChangeRegistered(
        change_id="CR-2026-0001",
        fields=ChangeFields(kind="bugfix", title="t", rollback_plan="r"),
        due_at=project.store.clock(),
    )
    with project.store.write(projector) as tx:
        tx.append("dev@vendor", [event])
    assert gc.isenabled()

    def failing(*_: object) -> None:
        assert not gc.isenabled()
        raise RuntimeError("projector failed")

    with pytest.raises(RuntimeError), project.store.write(failing) as tx:
        tx.append("dev@vendor", [event])
    assert gc.isenabled()
    assert project.store.head()[0] == 1
