"""Notifications: events of interest POSTed to a local HTTP server, in each format, retried
with backoff; a dead receiver neither blocks nor fails a write."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from hischange.project import Project
from hischange.services.notify import notify_once
from tests.conftest import Cli, FrozenClock, NewChange, write_config


class Receiver:
    """A local webhook receiver that fails the first ``fail`` requests with 500."""

    def __init__(self, fail: int = 0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.fail = fail
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.fail > 0:
                    outer.fail -= 1
                    self.send_response(500)
                else:
                    outer.bodies.append(json.loads(body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(fail=2)
    yield found
    found.close()


def _config(tmp_path: Path, url: str, fmt: str = "json") -> None:
    write_config(tmp_path, f'\n[notify]\nurl = "{url}"\nformat = "{fmt}"\nbackoff_seconds = 0.01\n')


def _pass(tmp_path: Path, clock: FrozenClock, sleeps: list[float] | None = None) -> tuple[int, int]:
    proj = Project(tmp_path, clock=clock)
    try:
        return notify_once(proj, sleep=(sleeps.append if sleeps is not None else time.sleep))
    finally:
        proj.close()


def test_events_are_delivered_with_retries_in_order(
    tmp_path: Path, clock: FrozenClock, run: Cli, new_change: NewChange, receiver: Receiver
) -> None:
    _config(tmp_path, receiver.url)
    assert _pass(tmp_path, clock) == (0, 0)  # the first run starts at the head
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    run("change", "approve", cid, "--as", "reviewer@hospital")
    sleeps: list[float] = []
    assert _pass(tmp_path, clock, sleeps) == (2, 0)  # registered is not of interest
    assert sleeps == [0.01, 0.02]  # two failures, backoff doubled
    assert [b["type"] for b in receiver.bodies] == ["change_submitted", "change_approved"]
    assert (
        receiver.bodies[1]["change_id"] == cid
        and receiver.bodies[1]["actor"] == "reviewer@hospital"
    )
    assert _pass(tmp_path, clock) == (0, 0)  # the cursor moved on: nothing twice


@pytest.mark.parametrize(
    ("fmt", "path"),
    [
        ("wecom", ("text", "content")),
        ("dingtalk", ("text", "content")),
        ("feishu", ("content", "text")),
    ],
)
def test_robot_formats(
    tmp_path: Path, clock: FrozenClock, run: Cli, new_change: NewChange, fmt: str,
    path: tuple[str, str],
) -> None:  # fmt: skip
    found = Receiver()
    try:
        _config(tmp_path, found.url, fmt)
        _pass(tmp_path, clock)
        cid = new_change()
        run("change", "submit", cid, "--as", "dev@vendor")
        assert _pass(tmp_path, clock) == (1, 0)
        body = found.bodies[0]
        assert ("msgtype" if fmt != "feishu" else "msg_type") in body
        text = body[path[0]][path[1]]
        assert text.startswith("[hischange] change_submitted " + cid) and "dev@vendor" in text
    finally:
        found.close()


def test_a_dead_receiver_never_blocks_or_fails_a_write(
    tmp_path: Path, clock: FrozenClock, run: Cli, new_change: NewChange
) -> None:
    _config(tmp_path, "http://127.0.0.1:9/nobody-listens")
    _pass(tmp_path, clock)
    started = time.monotonic()
    cid = new_change()
    run("change", "submit", cid, "--as", "dev@vendor")
    assert time.monotonic() - started < 10  # the writes do not touch the webhook at all
    sleeps: list[float] = []
    assert _pass(tmp_path, clock, sleeps) == (0, 1)  # given up after 5 retries
    assert len(sleeps) == 5
    log = (tmp_path / ".hischange" / "web" / "notify.log").read_text(encoding="utf-8")
    assert "gave up" in log and "change_submitted" in log
