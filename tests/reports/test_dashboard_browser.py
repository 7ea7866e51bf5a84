"""The dashboard in headless Chromium: the charts are drawn, and they show the API's numbers.

Skipped when Chromium or its driver is missing, unless REQUIRE_BROWSER=1 (as in CI), where
a missing browser is a failure rather than a silent skip.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from tests.conftest import client_for

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}

pytestmark = [pytest.mark.browser]


def _browser_available() -> bool:
    return all(os.path.exists(p) or shutil.which(p) for p in (CHROMIUM, CHROMEDRIVER))


@pytest.fixture
def browser():
    if not _browser_available():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(
                f"REQUIRE_BROWSER=1 but Chromium ({CHROMIUM}) or its driver ({CHROMEDRIVER}) is missing"
            )
        pytest.skip("headless Chromium is not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1800"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _log_in(driver, live_server, user):
    """Give the browser a session cookie for `user`, as the admin login would."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    driver.get(f"{live_server.url}/static/reports/dashboard.css")  # any page of the site, to set a cookie
    driver.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "path": "/"})


def _values(driver, selector) -> dict:
    return {
        element.get_attribute("data-key"): element.get_attribute("data-value")
        for element in driver.find_elements("css selector", selector)
    }


def _rate(value) -> str:
    return "" if value is None else str(value)


def test_the_dashboard_draws_the_apis_numbers(transactional_db, live_server, browser, world, data):
    from selenium.webdriver.support.ui import WebDriverWait

    user = world.admin_a
    _log_in(browser, live_server, user)
    browser.get(f"{live_server.url}/admin/reports/dashboard/?from={PERIOD['from']}&to={PERIOD['to']}")
    root = browser.find_element("css selector", ".reports-dashboard")
    WebDriverWait(browser, 20).until(lambda d: root.get_attribute("data-state") in {"ready", "error"})
    assert root.get_attribute("data-state") == "ready", browser.find_element("id", "report-status").text

    api = client_for(user)
    by_community = api.get("/api/v1/reports/resolution/", {"group_by": "community", **PERIOD}).json()
    by_month = api.get("/api/v1/reports/resolution/", {"group_by": "month", **PERIOD}).json()
    by_category = api.get("/api/v1/reports/resolution/", {"group_by": "category", **PERIOD}).json()

    # Closure and on-time rates by community: one bar per community and rate.
    for name in ("closure_rate", "on_time_rate"):
        bars = _values(browser, f"#chart-rates rect.bar.bar-{name}")
        assert bars == {str(row["key"]["id"]): _rate(row[name]["value"]) for row in by_community["rows"]}
    assert len(by_community["rows"]) == 2
    # The monthly trend: a line and a point per month for accepted and closed cases.
    for name in ("accepted", "closed"):
        assert len(browser.find_elements("css selector", f"#chart-trend path.line-{name}")) == 1
        points = _values(browser, f"#chart-trend circle.point-{name}")
        assert points == {row["key"]["id"]: str(row[name]) for row in by_month["rows"]}
    assert len(by_month["rows"]) == 12
    # Cases by category.
    bars = _values(browser, "#chart-categories rect.bar.bar-total")
    assert bars == {str(row["key"]["id"]): str(row["total"]) for row in by_category["rows"]}
    assert all(
        float(b.get_attribute("width")) > 0
        for b in browser.find_elements("css selector", "#chart-categories rect.bar.bar-total")
    )

    # The table shows the same figures, with the totals last.
    table = browser.find_element("id", "table-communities")
    total_cells = {
        td.get_attribute("data-field"): td.get_attribute("data-value")
        for td in table.find_elements("css selector", "tfoot td")
    }
    assert total_cells["total"] == str(by_community["totals"]["total"])
    assert total_cells["closure_rate"] == _rate(by_community["totals"]["closure_rate"]["value"])
    assert len(table.find_elements("css selector", "tbody tr")) == 2
    # The download links carry the chosen period.
    csv_link = browser.find_element("id", "download-csv").get_attribute("href")
    assert "format=csv" in csv_link and "from=2025-01-01" in csv_link
