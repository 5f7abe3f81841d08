"""Issue 14: the documents a hospital files, checked with real tools: the PDF's text and
fonts (poppler-utils), and the HTML report in a real headless Chromium at A4 print size
(Debian's chromium and chromedriver through Selenium). A missing tool is a loud skip, a
failure with CI=true (tests/support/paper.py); .ci/run installs them."""

from __future__ import annotations

import base64
import io
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, FrozenClock, NewChange, Repo
from tests.support.month import november
from tests.support.paper import need_cjk_font, need_module, need_program

#: Headings the zh-CN report prints (its sections and the signature block).
HEADINGS = (
    "月度巡检报告",
    "一、变更统计",
    "二、时限达成情况",
    "五、故障登记与应急响应",
    "签字确认",
)


@pytest.fixture
def signed_month(
    run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, clock: FrozenClock
) -> Path:
    """November's activity, signed by both parties; the folder documents are written to."""
    november(run, new_change, repo, tmp_path, clock)
    clock.now = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    run("report", "sign", "2026-11", "--as", "dev@vendor")
    run("report", "sign", "2026-11", "--as", "reviewer@hospital")
    out = tmp_path.parent / f"{tmp_path.name}-docs"
    out.mkdir()
    return out


def test_pdf_embeds_a_cjk_font_and_has_the_chinese_headings(run: Cli, signed_month: Path) -> None:
    """`--format pdf`: pdftotext returns the Chinese headings (no empty boxes), and pdffonts
    lists a CJK font, embedded; every font of the PDF is embedded."""
    need_module("weasyprint", "pip install 'hischange[paper]'")
    need_cjk_font()
    pdffonts, pdftotext = need_program("pdffonts"), need_program("pdftotext")
    pdf = signed_month / "2026-11.pdf"
    run("report", "monthly", "--month", "2026-11", "--format", "pdf", "--out", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True)
    for heading in HEADINGS:
        assert heading in text.stdout, heading
    assert "\ufffd" not in text.stdout
    fonts = subprocess.run([pdffonts, str(pdf)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert any("CJK" in row and " yes " in row for row in rows), fonts.stdout
    assert all(row.split()[-5] == "yes" for row in rows), fonts.stdout  # emb column
    english = signed_month / "2026-11-en.pdf"
    run("report", "monthly", "--month", "2026-11", "--format", "pdf", "--lang", "en",
        "--out", str(english))  # fmt: skip
    text = subprocess.run([pdftotext, str(english), "-"], capture_output=True, text=True)
    assert "Monthly inspection report" in text.stdout and "门诊" in text.stdout


def _chromium(profile: Path) -> Any:
    """Debian's headless Chromium through its chromedriver (nothing downloaded)."""
    need_module("selenium", "pip install 'hischange[dev]'")
    browser, driver_path = need_program("chromium"), need_program("chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
        "--window-size=794,1123",  # A4 at 96 px per inch
    ):  # fmt: skip
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


def test_html_report_in_a_real_browser_at_a4(run: Cli, signed_month: Path) -> None:
    """The HTML report opened in headless Chromium, as printed (print media, A4): the
    cover and both signature blocks (乙方, 甲方) are rendered side by side within the
    page, the screenshot is a page with content, and Chromium's own A4 PDF of it carries
    both blocks with the signers' names."""
    html = signed_month / "2026-11.html"
    run("report", "monthly", "--month", "2026-11", "--format", "html", "--out", str(html))
    driver = _chromium(signed_month / "profile")
    try:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        driver.get(html.as_uri())
        width = driver.execute_script("return document.documentElement.clientWidth")
        blocks = {}
        for party in ("vendor", "hospital"):
            element = driver.find_element("id", f"signature-{party}")
            assert element.is_displayed(), party
            blocks[party] = element.rect
            assert element.rect["width"] > 100 and element.rect["height"] > 50, element.rect
            right = element.rect["x"] + element.rect["width"]
            assert element.rect["x"] >= 0 and right <= width + 1, (element.rect, width)
        assert "dev@vendor" in driver.find_element("id", "signature-vendor").text
        assert "reviewer@hospital" in driver.find_element("id", "signature-hospital").text
        assert abs(blocks["vendor"]["y"] - blocks["hospital"]["y"]) < 2  # side by side
        assert blocks["vendor"]["x"] < blocks["hospital"]["x"]
        assert driver.find_element("id", "cover").is_displayed()
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the page is {overflow} px wider than A4"
        repeat = driver.execute_script(
            "return getComputedStyle(document.querySelector('thead')).display"
        )
        assert repeat == "table-header-group"
        driver.execute_script("document.getElementById('signature-vendor').scrollIntoView()")
        png = driver.get_screenshot_as_png()
        printed = driver.execute_cdp_cmd(
            "Page.printToPDF",
            {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True,
             "displayHeaderFooter": False},
        )  # fmt: skip
    finally:
        driver.quit()
    from PIL import Image

    shot = Image.open(io.BytesIO(png)).convert("L")
    assert shot.size[0] >= 700
    dark = sum(shot.histogram()[:128])
    assert dark > 500, "the screenshot is blank"
    (signed_month / "screenshot.png").write_bytes(png)
    pdf = signed_month / "chromium-a4.pdf"
    pdf.write_bytes(base64.b64decode(printed["data"]))
    pdftotext = need_program("pdftotext")
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True).stdout
    for needle in ("乙方", "甲方", "dev@vendor", "reviewer@hospital", "签字确认"):
        assert needle in text, needle


def test_a_missing_tool_skips_loudly_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a program the document tests skip, saying so in a banner; with CI=true
    they fail instead (as PostgreSQL's tests do)."""
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="pdffonts"):
        need_program("pdffonts")
    assert "SKIPPED" in capsys.readouterr().err
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        need_program("chromium")
