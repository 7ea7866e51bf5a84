"""The maps in headless Chromium: the scoped grids and the point are drawn.

Uses the browser and the one-request-at-a-time live server of the dashboard's browser test
(imported by tests/grids/conftest.py).
"""

import pytest

from cases import services as case_services
from tests.conftest import client_for
from tests.factories import MicroGridFactory
from tests.geo import IN_A1, rect, shape, shape_world
from tests.reports.test_dashboard_browser import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def _wait_for(driver, selector):
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 30).until(
        lambda d: (
            d.find_elements("css selector", f"{selector}[data-state=ready]")
            or d.execute_script("return window.__mapError || null")
        )
    )
    return driver.find_element("css selector", selector)


def _keys(driver, selector) -> dict:
    """(level, id) → role of every drawn shape (ids repeat across levels)."""
    return {
        (element.get_attribute("data-level"), element.get_attribute("data-key")): element.get_attribute(
            "data-role"
        )
        for element in driver.find_elements("css selector", selector)
    }


def test_the_grid_page_draws_its_boundary_and_its_micro_grids(
    transactional_db, serial_live_server, browser, world
):
    shape_world(world)
    micro = shape(MicroGridFactory(grid=world.grid_a1), rect(106.01, 29.01, 106.03, 29.03))
    _log_in(browser, serial_live_server, world.admin_a)
    browser.get(f"{serial_live_server.url}/admin/grids/grid/{world.grid_a1.pk}/change/")
    _wait_for(browser, "#territory-map")
    shapes = _keys(browser, "#territory-map path[data-key]")
    assert shapes == {
        ("grid", str(world.grid_a1.pk)): "self",
        ("microgrid", str(micro.pk)): "child",
        ("community", str(world.community_a.pk)): "context",
    }
    # No base map is configured: no tiles are asked for.
    assert browser.find_elements("css selector", "#territory-map .leaflet-tile") == []


def test_the_street_page_draws_the_communities_the_admin_sees(
    transactional_db, serial_live_server, browser, world
):
    shape_world(world)
    _log_in(browser, serial_live_server, world.admin_a)
    browser.get(f"{serial_live_server.url}/admin/grids/street/{world.street_a.pk}/change/")
    _wait_for(browser, "#territory-map")
    shapes = _keys(browser, "#territory-map path[data-key]")
    assert shapes == {
        ("street", str(world.street_a.pk)): "self",
        ("community", str(world.community_a.pk)): "child",
        ("community", str(world.community_a2.pk)): "child",
    }


def test_the_case_page_draws_the_point_on_its_grid(
    transactional_db, serial_live_server, browser, world, category
):
    shape_world(world)
    case = case_services.case_create(
        actor=world.admin_a, category=category, title="楼道堆放杂物", longitude=IN_A1[0], latitude=IN_A1[1]
    )
    _log_in(browser, serial_live_server, world.admin_a)
    browser.get(f"{serial_live_server.url}/admin/cases/case/{case.pk}/change/")
    _wait_for(browser, "#territory-map")
    assert _keys(browser, "#territory-map path[data-key]") == {("grid", str(world.grid_a1.pk)): "self"}
    [point] = browser.find_elements("css selector", "#territory-map path.map-point")
    assert (float(point.get_attribute("data-lng")), float(point.get_attribute("data-lat"))) == IN_A1


def test_a_tile_template_in_the_settings_adds_a_base_map(
    transactional_db, serial_live_server, browser, world, settings
):
    shape_world(world)
    settings.MAP_TILE_URL = "/static/vendor/leaflet-1.9.4/images/layers.png?z={z}&x={x}&y={y}"
    settings.MAP_TILE_ATTRIBUTION = "测试底图"
    _log_in(browser, serial_live_server, world.admin_a)
    browser.get(f"{serial_live_server.url}/admin/grids/grid/{world.grid_a1.pk}/change/")
    _wait_for(browser, "#territory-map")
    assert browser.find_elements("css selector", "#territory-map img.leaflet-tile")
    assert (
        "测试底图" in browser.find_element("css selector", "#territory-map .leaflet-control-attribution").text
    )


def test_the_dashboard_map_shades_the_scoped_grids_by_the_chosen_figure(
    transactional_db, serial_live_server, browser, world, category
):
    from selenium.webdriver.support.ui import Select, WebDriverWait

    shape_world(world)
    for point, status in ((IN_A1, "closed"), (IN_A1, "reported"), ((106.02, 29.08), "reported")):
        case = case_services.case_create(
            actor=world.admin_a, category=category, title="事件", longitude=point[0], latitude=point[1]
        )
        if status == "closed":
            case_services.case_accept(case_id=case.pk, actor=world.admin_a)
    _log_in(browser, serial_live_server, world.admin_a)
    browser.get(f"{serial_live_server.url}/admin/reports/dashboard/")
    root = browser.find_element("css selector", ".reports-dashboard")
    WebDriverWait(browser, 30).until(lambda d: root.get_attribute("data-state") in {"ready", "error"})
    assert root.get_attribute("data-state") == "ready", browser.find_element("id", "report-status").text
    _wait_for(browser, "#map-grids")

    api = client_for(world.admin_a)
    grids = api.get("/api/v1/geo/grids/").json()
    by_grid = {
        row["key"]["id"]: row
        for row in api.get("/api/v1/reports/resolution/", {"group_by": "grid"}).json()["rows"]
    }

    def drawn():
        return {
            element.get_attribute("data-key"): element.get_attribute("data-value")
            for element in browser.find_elements("css selector", "#map-grids path[data-key]")
        }

    # The street admin's grids, and no other street's; shaded by open cases first.
    expected_keys = {str(f["properties"]["id"]) for f in grids["features"]}
    assert expected_keys == {str(world.grid_a1.pk), str(world.grid_a2.pk), str(world.grid_a3.pk)}
    assert drawn() == {
        key: str(by_grid[int(key)]["open_cases"]) if int(key) in by_grid else "" for key in expected_keys
    }
    assert drawn()[str(world.grid_a1.pk)] == "2"
    # Another figure: the closure rate.
    Select(browser.find_element("id", "map-figure")).select_by_value("closure_rate")
    WebDriverWait(browser, 10).until(
        lambda d: all(
            e.get_attribute("data-figure") == "closure_rate"
            for e in d.find_elements("css selector", "#map-grids path[data-key]")
        )
    )
    for key, value in drawn().items():
        rate = by_grid[int(key)]["closure_rate"]["value"] if int(key) in by_grid else None
        assert value == "" if rate is None else float(value) == rate, key
    assert drawn()[str(world.grid_a2.pk)] == ""  # its only case was never accepted: no rate
