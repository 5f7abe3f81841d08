"""Notifications (通知): an outgoing webhook for events of interest.

The ledger is the outbox. ``hischange serve`` runs a ``Notifier`` thread that reads the
events appended since its cursor (kept in the web folder) and POSTs each one of interest
(``[notify] events``) to ``[notify] url``: generic JSON, or a ready-made 企业微信 / 钉钉 /
飞书 robot text message. A failed delivery is retried with exponential backoff; after the
last retry it is given up (and logged) and the cursor moves on. The command that wrote the
event never waits: it does not even know about the webhook, so a slow or dead receiver
cannot block or fail a write, whichever machine wrote it (a team store has many).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hischange.config import NotifyConfig
from hischange.errors import HischangeError
from hischange.events import EventRecord
from hischange.files import read_regular
from hischange.project import Project
from hischange.services.accounts import accounts_dir

__all__ = ["Notifier", "deliver", "message_text", "notify_once", "payload"]

Sleep = Callable[[float], None]


def message_text(record: EventRecord) -> str:
    """One line for a person: what happened, to what, by whom, when."""
    event = record.event
    subject = (
        getattr(event, "change_id", None)
        or getattr(event, "version", None)
        or getattr(event, "person", None)
        or ""
    )
    extra = ""
    if event.type == "sql_approved":
        extra = f" {getattr(event, 'path', '')}"
    elif event.type == "command_refused":
        extra = f" refused ({getattr(event, 'rule', '')}): {getattr(event, 'command', '')}"
    elif event.type == "approval_step_recorded":
        extra = f" {getattr(event, 'subject', '')} step {getattr(event, 'group', '')}"
    when = record.at.strftime("%Y-%m-%d %H:%M UTC")
    return f"[hischange] {event.type} {subject}{extra} by {record.actor} at {when} (#{record.seq})"


def payload(fmt: str, record: EventRecord) -> dict[str, Any]:
    """The request body for ``fmt``: ``json`` (the event in full), ``wecom`` (企业微信 group
    robot), ``dingtalk`` (钉钉 custom robot) or ``feishu`` (飞书 custom bot)."""
    text = message_text(record)
    if fmt in ("wecom", "dingtalk"):
        return {"msgtype": "text", "text": {"content": text}}
    if fmt == "feishu":
        return {"msg_type": "text", "content": {"text": text}}
    return {
        "source": "hischange",
        "seq": record.seq,
        "at": record.at.isoformat(),
        "actor": record.actor,
        "type": record.event.type,
        "change_id": getattr(record.event, "change_id", None),
        "text": text,
        "event": record.event.model_dump(mode="json"),
    }


def deliver(
    url: str, body: dict[str, Any], settings: NotifyConfig, sleep: Sleep = time.sleep
) -> bool:
    """POST ``body`` as JSON; retried ``settings.retries`` times with exponential backoff
    (``backoff_seconds``, doubled each time) on a network error or a non-2xx answer."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    delay = settings.backoff_seconds
    for attempt in range(settings.retries + 1):
        request = urllib.request.Request(
            url, data=data, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as answer:
                if 200 <= answer.status < 300:
                    return True
        except (urllib.error.URLError, OSError, ValueError):
            pass
        if attempt < settings.retries:
            sleep(delay)
            delay *= 2
    return False


def _cursor_file(proj: Project) -> Path:
    return accounts_dir(proj) / "notify.cursor"


def notify_once(proj: Project, sleep: Sleep = time.sleep) -> tuple[int, int]:
    """Deliver the events of interest appended since the cursor; returns (delivered, given
    up). Without a cursor (the first run) it starts at the ledger's head: history is not
    sent. Nothing configured: nothing done."""
    from hischange.services.audit import read_log

    settings = proj.config.notify
    if not settings.url:
        return 0, 0
    path = _cursor_file(proj)
    try:
        cursor = int(read_regular(path, "notify cursor", max_bytes=64).strip())
    except (HischangeError, ValueError):
        cursor = proj.store.head()[0]
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_text(str(cursor), encoding="ascii")
        return 0, 0
    sent = failed = 0
    for record in read_log(proj, since=cursor, limit=500):
        if record.event.type in settings.events:
            if deliver(settings.url, payload(settings.format, record), settings, sleep):
                sent += 1
            else:
                failed += 1
                _log(proj, f"gave up on #{record.seq} {record.event.type} after retries")
        path.write_text(str(record.seq), encoding="ascii")
    return sent, failed


def _log(proj: Project, line: str) -> None:
    path = accounts_dir(proj) / "notify.log"
    with path.open("a", encoding="utf-8") as out:
        out.write(time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime()) + line + "\n")


class Notifier:
    """A daemon thread running ``notify_once`` every ``interval`` seconds."""

    def __init__(self, open_project: Callable[[], Project], interval: float = 2.0) -> None:
        self._open = open_project
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hischange-notify", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end and wait a little for it."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _pause(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def _run(self) -> None:
        while not self._stop.is_set():
            proj = self._open()
            try:
                notify_once(proj, sleep=self._pause)
            except Exception as exc:  # a notifier never takes the server down
                with contextlib.suppress(OSError):
                    _log(proj, f"error: {exc}")
            finally:
                proj.close()
            self._stop.wait(self._interval)
