"""The web review page, driven over HTTP (Starlette's test client) on an unsigned project:
sign-in with password + TOTP, the queue, the change and SQL pages, approving from the page,
and the security properties (CSRF, session fixation, lockout, escaping, path traversal)."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
import pytest

from tests.conftest import Cli, FrozenClock, NewChange
from tests.web.support import PASSWORD, client, csrf_of, give_account, sign_in

DELETE_ALL = "-- 删除全部门诊记录\nDELETE FROM outpatient_visit;\n"
EVIL = "<script>alert(1)</script>"


def _sql(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def reviewed(run: Cli, new_change: NewChange, tmp_path: Path) -> tuple[str, Path]:
    """A submitted change with an SQL file reviewed for it (an HC101 error)."""
    cid = new_change(title=f"门诊 {EVIL} 调整")
    path = _sql(tmp_path, "db/0001.sql", DELETE_ALL + f"-- {EVIL}\n")
    run("sql", "review", str(path), "--change", cid, "--as", "dev@vendor", code=1)
    run("change", "submit", cid, "--as", "dev@vendor")
    return cid, path


def test_signed_out_pages_redirect_to_sign_in(tmp_path: Path, clock: FrozenClock, run: Cli) -> None:
    web = client(tmp_path, clock)
    for url in ("/queue", "/ledger", "/changes/CR-2026-0001"):
        response = web.get(url)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin")


def test_sign_in_queue_change_and_sql_pages(
    tmp_path: Path, clock: FrozenClock, run: Cli, reviewed: tuple[str, Path]
) -> None:
    cid, _path = reviewed
    secret = give_account(run, "dba@hospital")
    web = client(tmp_path, clock)
    sign_in(web, "dba@hospital", secret)
    queue = web.get("/queue")
    assert queue.status_code == 200
    assert cid in queue.text and "SQL db/0001.sql" in queue.text and "变更审批" in queue.text
    # the title is escaped, never markup
    assert EVIL not in queue.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in queue.text
    change = web.get(f"/changes/{cid}")
    assert change.status_code == 200 and EVIL not in change.text
    assert "sql_reviewed" in change.text and "db/0001.sql" in change.text
    page = web.get(f"/changes/{cid}/sql", params={"path": "db/0001.sql"})
    assert page.status_code == 200
    assert "HC101" in page.text and "DELETE" in page.text and EVIL not in page.text
    digest = json.loads(run("sql", "status", cid, "--format", "json").stdout)["files"][0]
    assert digest["current_sha256"] in page.text
    assert web.get("/ledger").text.count("ledger OK") == 1


def test_approve_sql_from_the_page_and_content_changed_after_loading(
    tmp_path: Path, clock: FrozenClock, run: Cli, reviewed: tuple[str, Path]
) -> None:
    cid, path = reviewed
    web = client(tmp_path, clock)
    sign_in(web, "dba@hospital", give_account(run, "dba@hospital"))
    page = web.get(f"/changes/{cid}/sql", params={"path": "db/0001.sql"})
    shown = json.loads(run("sql", "status", cid, "--format", "json").stdout)["files"][0]
    form = {"csrf": csrf_of(page.text), "path": "db/0001.sql", "accept_risk": "全表清理已确认"}
    # the file changed after the page was loaded (and was re-reviewed): refused, hash differs
    _sql(tmp_path, "db/0001.sql", DELETE_ALL + "-- v2\n")
    run("sql", "review", str(path), "--change", cid, "--as", "dev@vendor", code=1)
    refused = web.post(
        f"/changes/{cid}/approve-sql", data={**form, "sha256": shown["current_sha256"]}
    )
    assert refused.status_code == 409 and "changed after the page was loaded" in refused.text
    status = json.loads(run("sql", "status", cid, "--format", "json").stdout)["files"][0]
    assert status["status"] == "reviewed"
    # the reloaded page approves the content it shows
    ok = web.post(f"/changes/{cid}/approve-sql", data={**form, "sha256": status["current_sha256"]})
    assert ok.status_code == 303
    status = json.loads(run("sql", "status", cid, "--format", "json").stdout)["files"][0]
    assert status["status"] == "approved" and status["approved_by"] == "dba@hospital"


def test_csrf_is_required_and_cross_site_posts_are_refused(
    tmp_path: Path, clock: FrozenClock, run: Cli, reviewed: tuple[str, Path]
) -> None:
    cid, _path = reviewed
    web = client(tmp_path, clock)
    sign_in(web, "dba@hospital", give_account(run, "dba@hospital"))
    token = csrf_of(web.get(f"/changes/{cid}").text)
    assert web.post(f"/changes/{cid}/approve", data={}).status_code == 403
    assert web.post(f"/changes/{cid}/approve", data={"csrf": "forged"}).status_code == 403
    evil = web.post(
        f"/changes/{cid}/approve",
        data={"csrf": token},
        headers={"Origin": "https://evil.example"},
    )
    assert evil.status_code == 403
    assert json.loads(run("change", "show", cid, "--format", "json").stdout)["state"] == "submitted"
    assert web.post(f"/changes/{cid}/approve", data={"csrf": token}).status_code == 303
    assert json.loads(run("change", "show", cid, "--format", "json").stdout)["state"] == "approved"


def test_session_id_is_replaced_at_sign_in(tmp_path: Path, clock: FrozenClock, run: Cli) -> None:
    secret = give_account(run, "dba@hospital")
    web = client(tmp_path, clock)
    page = web.get("/signin")
    planted = web.cookies.get("hischange_session")
    assert planted
    set_cookie = page.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie
    web.post(
        "/signin",
        data={"csrf": csrf_of(page.text), "person": "dba@hospital", "password": PASSWORD,
              "code": pyotp.TOTP(secret).now()},
    )  # fmt: skip
    after = web.cookies.get("hischange_session")
    assert after and after != planted
    # the attacker who planted the old id is not signed in
    other = client(tmp_path, clock)
    other.cookies.set("hischange_session", planted)
    assert other.get("/queue").status_code == 303


def test_secure_cookie_behind_tls(tmp_path: Path, clock: FrozenClock, run: Cli) -> None:
    web = client(tmp_path, clock, secure_cookies=True)
    assert "secure" in web.get("/signin").headers["set-cookie"].lower()


def test_wrong_code_fails_and_five_failures_lock_the_account(
    tmp_path: Path, clock: FrozenClock, run: Cli
) -> None:
    secret = give_account(run, "dba@hospital")
    web = client(tmp_path, clock)
    for _ in range(5):
        page = web.get("/signin")
        bad = web.post(
            "/signin",
            data={"csrf": csrf_of(page.text), "person": "dba@hospital",
                  "password": "wrong password!", "code": pyotp.TOTP(secret).now()},
        )  # fmt: skip
        assert bad.status_code == 401
    page = web.get("/signin")
    locked = web.post(
        "/signin",
        data={"csrf": csrf_of(page.text), "person": "dba@hospital", "password": PASSWORD,
              "code": pyotp.TOTP(secret).now()},
    )  # fmt: skip
    assert locked.status_code == 401 and "locked" in locked.text
    log = (tmp_path / ".hischange" / "web" / "signin.log").read_text(encoding="utf-8")
    outcomes = [json.loads(line)["outcome"] for line in log.splitlines()]
    assert outcomes == ["failed"] * 4 + ["failed, locked", "locked"]


def test_unregistered_person_gets_no_account(run: Cli) -> None:
    out = run("people", "credentials", "mallory@vendor", "--password-stdin",
              stdin=PASSWORD + "\n", code=2)  # fmt: skip
    assert "not a registered person" in out.stderr


def test_onsite_test_details_and_attachment_download_only_by_recorded_digest(
    tmp_path: Path, clock: FrozenClock, run: Cli, new_change: NewChange
) -> None:
    cid = new_change()
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG synthetic")
    steps = tmp_path / "steps.md"
    steps.write_text("1. 挂号 <b>bold</b>\n", encoding="utf-8")
    run("evidence", "record", cid, "--env", "onsite-test", "--tester", "t@vendor",
        "--steps", str(steps), "--result", "pass", "--expected", "收到", "--actual", "收到",
        "--version", "3.2.0", "--attach", str(photo))  # fmt: skip
    web = client(tmp_path, clock)
    sign_in(web, "dba@hospital", give_account(run, "dba@hospital"))
    page = web.get(f"/changes/{cid}")
    assert "t@vendor" in page.text and "挂号 &lt;b&gt;bold&lt;/b&gt;" in page.text
    import hashlib

    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert f"/changes/{cid}/attachments/{digest}" in page.text
    got = web.get(f"/changes/{cid}/attachments/{digest}")
    assert got.status_code == 200 and got.content == photo.read_bytes()
    assert got.headers["content-disposition"].startswith("attachment;")
    for attempt in ("..%2F..%2F.hischange%2Fconfig.toml", "../../etc/passwd", "0" * 64, "a" * 64,
                    "..%2Fconfig.toml"):  # fmt: skip
        response = web.get(f"/changes/{cid}/attachments/{attempt}")
        assert response.status_code in (400, 404, 405), attempt
        assert b"trust" not in response.content and b"root:" not in response.content
    sneaky = web.get(f"/changes/{cid}/sql", params={"path": "../.hischange/config.toml"})
    assert sneaky.status_code == 404


def test_a_totp_code_signs_in_once(tmp_path: Path, clock: FrozenClock, run: Cli) -> None:
    secret = give_account(run, "dba@hospital")
    code = pyotp.TOTP(secret).now()
    first, second = client(tmp_path, clock), client(tmp_path, clock)
    for web, expected in ((first, 303), (second, 401)):
        page = web.get("/signin")
        answer = web.post(
            "/signin",
            data={"csrf": csrf_of(page.text), "person": "dba@hospital", "password": PASSWORD,
                  "code": code},
        )  # fmt: skip
        assert answer.status_code == expected


def test_comments_need_sign_in_only_and_are_escaped(
    tmp_path: Path, clock: FrozenClock, run: Cli, reviewed: tuple[str, Path]
) -> None:
    cid, _path = reviewed
    web = client(tmp_path, clock)
    sign_in(web, "dba@hospital", give_account(run, "dba@hospital"))
    token = csrf_of(web.get(f"/changes/{cid}").text)
    assert web.post(f"/changes/{cid}/comment", data={"text": "x"}).status_code == 403
    posted = web.post(
        f"/changes/{cid}/comment", data={"csrf": token, "text": f"请补充回退脚本 {EVIL}"}
    )
    assert posted.status_code == 303
    page = web.get(f"/changes/{cid}").text
    assert "请补充回退脚本 &lt;script&gt;" in page and EVIL not in page
    assert "dba@hospital" in page
    # a comment is not a ledger record: the trace has no new event
    assert run.json("audit", "verify")["ok"] is True
