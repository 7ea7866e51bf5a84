"""The dashboard in headless Chromium: the charts are drawn, and they show the API's numbers.

Skipped when Chromium or its driver is missing, unless REQUIRE_BROWSER=1 (as in CI), where
a missing browser is a failure rather than a silent skip.
"""

import os
import shutil
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from django.test.utils import modify_settings

from tests.conftest import client_for

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}

# A browser that stops answering fails the test within this many seconds.
BROWSER_TIMEOUT = 30

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def _browser_available() -> bool:
    return all(os.path.exists(p) or shutil.which(p) for p in (CHROMIUM, CHROMEDRIVER))


@pytest.fixture
def browser(tmp_path):
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
    arguments = [
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1800",
        # Nothing but the test server is reachable: keep Chromium from calling home, which
        # on a closed network can stall its start-up.
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ]
    for argument in arguments:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(BROWSER_TIMEOUT)
    driver.set_script_timeout(BROWSER_TIMEOUT)
    yield driver
    driver.quit()


class SerialLiveServerThread(LiveServerThread):
    """A live server that answers one request at a time.

    The dashboard asks for four reports at once. On SQLite the test database lives in memory,
    so the server's threads all share the test's one connection; two of them inside SQLite at
    once, one calling back into Python for the median aggregate, can deadlock on the
    connection's lock and the interpreter's. Production never shares a connection between
    threads, and on PostgreSQL each thread has its own anyway.
    """

    def _create_server(self, connections_override=None):
        # The requests run in this thread, which already uses the shared connections.
        return WSGIServer((self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False)


@pytest.fixture
def serial_live_server(transactional_db):
    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    thread = SerialLiveServerThread(
        "localhost", static_handler=StaticFilesHandler, connections_override=shared, port=0
    )
    thread.daemon = True
    for connection in shared.values():
        connection.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        with modify_settings(ALLOWED_HOSTS={"append": "localhost"}):
            yield SimpleNamespace(url=f"http://localhost:{thread.port}")
    finally:
        thread.terminate()
        for connection in shared.values():
            connection.dec_thread_sharing()


def _log_in(driver, server, user):
    """Give the browser a session cookie for `user`, as the admin login would."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    # Any page of the site, so that the browser takes a cookie for it.
    driver.get(f"{server.url}/static/reports/dashboard.css")
    driver.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "path": "/"})


def _values(driver, selector) -> dict:
    return {
        element.get_attribute("data-key"): element.get_attribute("data-value")
        for element in driver.find_elements("css selector", selector)
    }


def _rate(value) -> str:
    return "" if value is None else str(value)


def test_the_dashboard_draws_the_apis_numbers(transactional_db, serial_live_server, browser, world, data):
    from selenium.webdriver.support.ui import WebDriverWait

    user = world.admin_a
    _log_in(browser, serial_live_server, user)
    browser.get(f"{serial_live_server.url}/admin/reports/dashboard/?from={PERIOD['from']}&to={PERIOD['to']}")
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
    # Cases by category: the ten largest, then the others as one bar.
    bars = _values(browser, "#chart-categories rect.bar.bar-total")
    assert bars == _top_categories(by_category["rows"])
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

    # The mediation table shows the mediation report's figures for the same period.
    mediation = api.get("/api/v1/reports/mediation/", {"group_by": "street", **PERIOD}).json()
    cells = _table_totals(browser, "table-mediation")
    assert cells["registered"] == str(mediation["totals"]["registered"])
    assert cells["success_rate"] == _rate(mediation["totals"]["success_rate"]["value"])


def _table_totals(driver, table_id) -> dict:
    table = driver.find_element("id", table_id)
    return {
        td.get_attribute("data-field"): td.get_attribute("data-value")
        for td in table.find_elements("css selector", "tfoot td")
    }


def _wait_ready(driver):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # Looked up on each try: after a submit, the old page's element goes stale once the new
    # page replaces it, which may happen after the first look.
    def state(d):
        return d.find_element("css selector", ".reports-dashboard").get_attribute("data-state")

    WebDriverWait(driver, BROWSER_TIMEOUT, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: state(d) in {"ready", "error"}
    )
    assert state(driver) == "ready", driver.find_element("id", "report-status").text


def test_the_dashboard_counts_the_whole_history_and_filters_by_kind(
    transactional_db, serial_live_server, browser, world, data
):
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.ui import Select, WebDriverWait

    user = world.admin_a
    api = client_for(user)
    _log_in(browser, serial_live_server, user)
    # Given no period chosen, the dashboard counts everything, as the API does without one.
    browser.get(f"{serial_live_server.url}/admin/reports/dashboard/")
    _wait_ready(browser)
    everything = api.get("/api/v1/reports/resolution/", {"group_by": "community"}).json()
    assert everything["totals"]["total"] > 0
    assert _table_totals(browser, "table-communities")["total"] == str(everything["totals"]["total"])

    # When the manager picks one kind of case and submits the form
    Select(browser.find_element("name", "kind")).select_by_value("dispute")
    old_page = browser.find_element("css selector", ".reports-dashboard")
    browser.find_element("css selector", "#report-filters button[type=submit]").click()
    WebDriverWait(browser, BROWSER_TIMEOUT).until(staleness_of(old_page))
    _wait_ready(browser)

    # Then the table shows that kind only, and the download links carry the choice.
    disputes = api.get("/api/v1/reports/resolution/", {"group_by": "community", "kind": "dispute"}).json()
    assert 0 < disputes["totals"]["total"] < everything["totals"]["total"]
    assert _table_totals(browser, "table-communities")["total"] == str(disputes["totals"]["total"])
    assert "kind=dispute" in browser.find_element("id", "download-xlsx").get_attribute("href")
    # The mediation report has no kind: it still answers for the same territory.
    assert _table_totals(browser, "table-mediation")["registered"] != ""


def _top_categories(rows, top=10) -> dict:
    ranked = sorted(rows, key=lambda row: (-row["total"], row["key"]["name"]))
    expected = {str(row["key"]["id"]): str(row["total"]) for row in ranked[:top]}
    if len(ranked) > top:
        expected["other"] = str(sum(row["total"] for row in ranked[top:]))
    return expected


def test_at_1366_the_charts_are_readable_and_the_rankings_are_the_apis(
    transactional_db, serial_live_server, browser, world, data
):
    from tests.factories import CaseFactory, CategoryFactory

    # Given more categories than the chart shows, and a long history of months
    for n in range(14):
        CaseFactory(grid=world.grid_a1, category=CategoryFactory(), reported_at=data.cases[n].reported_at)
    user = world.admin_a
    _log_in(browser, serial_live_server, user)
    browser.add_cookie({"name": "django_language", "value": "zh-hans", "path": "/"})
    browser.set_window_size(1366, 768)
    browser.get(f"{serial_live_server.url}/admin/reports/dashboard/")
    _wait_ready(browser)
    api = client_for(user)

    # The trend is drawn at its size on the page: tall enough, with labels of 12 px or more.
    trend = browser.find_element("id", "chart-trend")
    assert trend.rect["height"] >= 250 and trend.rect["width"] >= 1000
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('#chart-trend text, #chart-categories text, "
        "#chart-rates text')).map((t) => t.getBoundingClientRect().height)"
    )
    assert sizes and min(sizes) >= 12, sorted(sizes)[:3]
    # Categories: the ten largest and one bar for the rest.
    by_category = api.get("/api/v1/reports/resolution/", {"group_by": "category"}).json()
    assert len(by_category["rows"]) > 10
    assert _values(browser, "#chart-categories rect.bar.bar-total") == _top_categories(by_category["rows"])
    labels = [t.text for t in browser.find_elements("css selector", "#chart-categories text.axis")]
    assert labels[-1] == f"其余 {len(by_category['rows']) - 10} 类"

    # The rankings: the last month with cases, ranked as the API ranks them.
    by_month = api.get("/api/v1/reports/resolution/", {"group_by": "month"}).json()
    last = by_month["rows"][-1]["key"]["id"]
    ranking = api.get("/api/v1/reports/rankings/", {"date": f"{last}-01"}).json()
    shown = [
        (row.get_attribute("data-key"), row.get_attribute("data-rank"))
        for row in browser.find_elements("css selector", "#table-ranking tbody tr")
    ]
    assert shown == [
        (str(r["key"]["id"]), "" if r["rank"] is None else str(r["rank"])) for r in ranking["rows"]
    ]
    assert browser.find_element("id", "ranking-period").text == ranking["period"]["name"]

    # When the manager asks for the year's ranking of workers by volume
    from selenium.webdriver.support.ui import Select, WebDriverWait

    panel = browser.find_element("id", "ranking-panel")
    Select(browser.find_element("css selector", "#ranking-filters select[name=period]")).select_by_value(
        "year"
    )
    WebDriverWait(browser, 30).until(lambda d: panel.get_attribute("data-state") == "ready")
    year = api.get("/api/v1/reports/rankings/", {"date": f"{last}-01", "period": "year"}).json()
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element("id", "ranking-period").text == year["period"]["name"]
    )
    rows = browser.find_elements("css selector", "#table-ranking tbody tr")
    assert len(rows) == len(year["rows"])
