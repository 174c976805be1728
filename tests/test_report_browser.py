"""The report in a real browser: Debian's headless Chromium, driven by selenium through
chromedriver (both installed by `make setup`), loads the page from its file.

What only a browser can say: no script error and no Content-Security-Policy violation in the
console, charts laid out with a size, hostile values shown as text and never run, links
between a run and its preview that land, and a page that prints. A screenshot is kept in
tests/artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from conftest import which
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from test_report import BIDI, HOSTILE_STACK, HOSTILE_USER, report, run_ids, write_hostile_run

from pulumi_audited.viewer.report.page import CSP

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TITLE = "Pulumi audit report"


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,1600")
    # The console, and the DevTools network events (every request, file:// ones included).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # The driver named explicitly: selenium then never looks for one to download.
    driver = webdriver.Chrome(options=options, service=Service(which("chromedriver")))
    yield driver
    driver.quit()


def load(browser, path: Path) -> tuple[list[dict], list[str]]:
    """Open the file: the console's entries while it loaded, and what else it requested."""
    browser.get_log("browser")  # what earlier pages left
    browser.get_log("performance")
    browser.get(path.as_uri())
    requested = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    return browser.get_log("browser"), [url for url in requested if url != path.as_uri()]


def test_a_hostile_report_loads_clean_and_nothing_in_it_runs(sandbox, browser):
    for args in (["preview", "-s", "dev"], ["up", "--yes", "-s", "dev"]):
        assert sandbox.run(*args).returncode == 0
    write_hostile_run(sandbox)
    report(sandbox)
    page = sandbox.root / "report.html"
    console, requested = load(browser, page)
    assert console == [], console  # no script error, no CSP violation
    assert requested == []
    assert browser.title == TITLE
    assert browser.execute_script("return typeof window.pwned") == "undefined"
    assert browser.execute_script("return document.scripts.length + document.images.length") == 0
    text = browser.find_element(By.TAG_NAME, "body").text
    assert HOSTILE_STACK in text and HOSTILE_USER in text
    assert BIDI not in text and "\\u202eevil\\u202c" in text

    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) >= 8
    for chart in charts:
        assert chart.size["width"] > 300 and chart.size["height"] > 20, chart.get_attribute(
            "aria-label"
        )
    columns = browser.find_elements(By.CSS_SELECTOR, "#per-day svg.chart rect")
    assert columns and all(rect.size["height"] > 0 for rect in columns)

    preview, update = run_ids(sandbox)[:2]
    browser.find_element(By.CSS_SELECTOR, f'#run-{update} a[href="#run-{preview}"]').click()
    assert browser.execute_script("return location.hash") == f"#run-{preview}"
    target = browser.find_element(By.CSS_SELECTOR, ":target")
    assert target.get_attribute("id") == f"run-{preview}" and target.is_displayed()
    target.find_element(By.CSS_SELECTOR, f'a[href="#run-{update}"]').click()
    assert browser.execute_script("return location.hash") == f"#run-{update}"

    pdf = base64.b64decode(browser.print_page())
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type/Page") >= 1
    assert browser.get_log("browser") == []

    ARTIFACTS.mkdir(exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(height + 100, 6000))
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(ARTIFACTS / "report.png"))
    browser.set_window_size(1280, 1600)


def test_the_checks_above_catch_a_script_that_runs_or_is_blocked(tmp_path, browser):
    """The probes can fail: a blocked inline script is in the console, one that runs changes
    the title, and a fetch is counted."""
    script = "<script>document.title='ran'; window.pwned = 1</script>"
    blocked = tmp_path / "blocked.html"
    csp = CSP.replace("'", "&#x27;")
    blocked.write_text(
        f'<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="{csp}">'
        f"<title>{TITLE}</title>{script}"
    )
    console, _ = load(browser, blocked)
    assert browser.title == TITLE
    assert any("Content Security Policy" in entry["message"] for entry in console), console
    ran = tmp_path / "ran.html"
    ran.write_text(f"<!DOCTYPE html><title>{TITLE}</title>{script}")
    load(browser, ran)
    assert browser.title == "ran"
    assert browser.execute_script("return typeof window.pwned") == "number"
    # A fetch shows among the requests the report is checked for.
    (tmp_path / "style.css").write_text("body { color: black }")
    fetching = tmp_path / "fetching.html"
    fetching.write_text(
        f'<!DOCTYPE html><title>{TITLE}</title><link rel="stylesheet" href="style.css">'
    )
    assert load(browser, fetching)[1] == [(tmp_path / "style.css").as_uri()]
