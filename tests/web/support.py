"""The web page's test helpers: accounts with password + TOTP, a signed-in client."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyotp
from starlette.testclient import TestClient

from hischange.web import create_app
from hischange.web.app import WebConfig
from tests.support.cli import Cli, FrozenClock

PASSWORD = "correct horse battery"


def give_account(run: Cli, person: str, password: str = PASSWORD) -> str:
    """Set a person's web password and TOTP through the CLI; returns the TOTP secret."""
    result = run("people", "credentials", person, "--password-stdin", "--format", "json",
                 stdin=password + "\n")  # fmt: skip
    return str(json.loads(result.stdout)["totp_secret"])


def client(root: Path, clock: FrozenClock, **opts: object) -> TestClient:
    """A test client of the web app for the project at ``root``."""
    app = create_app(WebConfig(root, clock=clock, **opts))  # type: ignore[arg-type]
    return TestClient(app, follow_redirects=False)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def sign_in(web: TestClient, person: str, secret: str, password: str = PASSWORD) -> None:
    """Sign in through the form; asserts it worked."""
    page = web.get("/signin")
    response = web.post(
        "/signin",
        data={
            "csrf": csrf_of(page.text),
            "person": person,
            "password": password,
            "code": pyotp.TOTP(secret).now(),
            "next": "/queue",
        },
    )
    assert response.status_code == 303, response.text[:1000]
    assert response.headers["location"] == "/queue"
