"""Server-side sessions: a random id in an HttpOnly, SameSite=Strict cookie (Secure behind
TLS), a CSRF token per session, the id replaced at sign-in (no fixation)."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

COOKIE = "hischange_session"
#: A session ends after this many seconds without a request, and in any case after IDLE*16.
IDLE = 30 * 60


@dataclass
class Session:
    """One browser's session: who signed in (empty: nobody yet) and its CSRF token."""

    sid: str
    csrf: str
    person: str = ""
    created: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)
    #: Pending WebAuthn ceremonies: challenge and what it is for.
    pending: dict[str, Any] = field(default_factory=dict)

    def csrf_ok(self, token: str | None) -> bool:
        """The form's token is this session's (constant-time comparison)."""
        return bool(token) and hmac.compare_digest(self.csrf, str(token))


class Sessions:
    """The sessions of one server, in memory (a restart signs everyone out)."""

    def __init__(self) -> None:
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self) -> Session:
        """A fresh anonymous session."""
        session = Session(sid=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32))
        with self._lock:
            self._by_id[session.sid] = session
        return session

    def get(self, sid: str | None) -> Session | None:
        """The live session with this id, or None (unknown or expired)."""
        if not sid:
            return None
        now = time.monotonic()
        with self._lock:
            session = self._by_id.get(sid)
            if session is None:
                return None
            if now - session.seen > IDLE or now - session.created > IDLE * 16:
                del self._by_id[sid]
                return None
            session.seen = now
            return session

    def sign_in(self, old: Session | None, person: str) -> Session:
        """A NEW session (new id, new CSRF token) for ``person``; the old id is dropped."""
        with self._lock:
            if old is not None:
                self._by_id.pop(old.sid, None)
        session = self.new()
        session.person = person
        return session

    def drop(self, session: Session) -> None:
        """End a session (sign-out)."""
        with self._lock:
            self._by_id.pop(session.sid, None)
