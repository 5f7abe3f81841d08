"""The reviewer's path in a real browser (headless Chromium, WebDriver's virtual
authenticator): sign in with password + TOTP, open the queue, read the SQL file with its
findings, register a passkey (added to the ledger by the trust root's holder), approve the
file with it — and then `hischange audit verify` passes and names the approval signed by that
reviewer's passkey. Also writes the screenshots docs/reviewer.md shows."""

from __future__ import annotations

import os
from pathlib import Path

import pyotp
import pytest

from hischange.web import create_app
from hischange.web.app import WebConfig
from tests.cli.test_trust_cli import Signed
from tests.support.cli import FrozenClock
from tests.support.keys import HAVE_SSH
from tests.web.browser import chromium, require_chromium, served
from tests.web.support import PASSWORD, give_account

pytestmark = pytest.mark.skipif(not HAVE_SSH, reason="needs OpenSSH's ssh-keygen")

DOCS = Path(__file__).resolve().parents[2] / "docs" / "images"
SQL = (
    "-- 门诊挂号表：清理测试数据（合成数据）\n"
    "DELETE FROM outpatient_visit;\n"
    "UPDATE outpatient_visit SET status = 'X' WHERE visit_id = 1;\n"
)


def _wait(driver: object, css: str, timeout: float = 20) -> object:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(  # type: ignore[arg-type]
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    )


def test_reviewer_signs_in_reads_sql_and_approves_with_a_passkey(
    tmp_path: Path, clock: FrozenClock
) -> None:
    require_chromium()
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.virtual_authenticator import VirtualAuthenticatorOptions

    root = tmp_path / "project"
    root.mkdir()
    signed = Signed(root, tmp_path / "keys", clock)
    cid = signed.new_change()
    sql = root / "db" / "0007_clean.sql"
    sql.parent.mkdir()
    sql.write_text(SQL, encoding="utf-8")
    signed.act("dev", "dev@vendor", "sql", "review", str(sql), "--change", cid, code=1)
    signed.act("dev", "dev@vendor", "change", "submit", cid)
    secret = give_account(signed.run, "reviewer@hospital")

    app = create_app(WebConfig(root, clock=clock))
    with served(app) as base, chromium() as driver:
        driver.get(f"{base}/queue")  # signed out: the sign-in form
        driver.find_element(By.ID, "person").send_keys("reviewer@hospital")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.ID, "code").send_keys(pyotp.TOTP(secret).now())
        driver.find_element(By.ID, "signin").click()
        table = _wait(driver, "#queue")
        assert cid in table.text and "db/0007_clean.sql" in table.text  # type: ignore[attr-defined]
        if os.environ.get("HISCHANGE_SCREENSHOTS"):
            DOCS.mkdir(exist_ok=True)
            driver.save_screenshot(str(DOCS / "web-queue.png"))

        driver.find_element(By.CSS_SELECTOR, "a.sqlfile").click()
        _wait(driver, "#sha256")
        findings = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".finding")]
        assert any("HC101" in f for f in findings), findings
        assert "DELETE" in driver.page_source
        if os.environ.get("HISCHANGE_SCREENSHOTS"):
            driver.save_screenshot(str(DOCS / "web-sql.png"))
        sql_url = driver.current_url

        # a passkey: made in the browser, added to the ledger by the root's holder
        options = VirtualAuthenticatorOptions()
        options.has_resident_key = True
        options.has_user_verification = True
        options.is_user_verified = True
        driver.add_virtual_authenticator(options)
        driver.get(f"{base}/passkeys")
        driver.find_element(By.ID, "register").click()
        _wait(driver, "#passkey-status")
        for _ in range(100):
            status = driver.find_element(By.ID, "passkey-status").text
            if status:
                break
            driver.implicitly_wait(0.1)
        assert status.startswith("OK webauthn:SHA256:"), status
        signed.run("people", "add-key", "reviewer@hospital", "--passkey",
                   "--as", "admin@hospital", "--key", str(signed.key["admin"]))  # fmt: skip

        driver.get(sql_url)
        driver.find_element(By.ID, "accept_risk").send_keys("测试库全表清理，已备份")
        driver.find_element(By.ID, "approve").click()
        _wait(driver, "#state")
        assert "/changes/" in driver.current_url, driver.find_element(By.ID, "passkey-status").text

    status = signed.run.json("sql", "status", cid)["files"][0]
    assert status["status"] == "approved" and status["approved_by"] == "reviewer@hospital"
    report = signed.verify()
    assert report["ok"] is True
    log = signed.run.json("audit", "log")
    acts = [e for e in log if e["event"]["type"] == "act_signed"]
    last = acts[-1]
    assert last["actor"] == "reviewer@hospital"
    assert last["event"]["fingerprint"].startswith("webauthn:SHA256:")
    assert "approve SQL " + cid in last["event"]["meaning"]
    human = signed.run("audit", "verify").output
    assert "ledger OK" in human or "OK" in human
