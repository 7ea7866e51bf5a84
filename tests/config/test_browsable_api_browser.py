"""The browsable API on a grid worker's phone, 390 × 844 in headless Chromium emulating a
phone: the page is laid out at the screen's width (the viewport meta is used), nothing is
wider than the screen, and the title, the answer and the forms' text boxes are readable.

Skipped when Chromium is missing, unless REQUIRE_BROWSER=1 (as in CI).
"""

import pytest

from grids.models import GridWorker
from tests.reports.test_dashboard_browser import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

WIDTH, HEIGHT = 390, 844
# A text box is usable when at least this many characters of its font fit in it.
MIN_CHARS, MIN_FONT = 6, 12

LAYOUT = """
return {
  viewport: document.documentElement.clientWidth,
  scroll: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
  inner: window.innerWidth,
  // The answer's lines wrap: a box that scrolls sideways is a page wider than the screen too.
  scrolling: Array.from(document.querySelectorAll("pre"))
    .filter((el) => el.scrollWidth > el.clientWidth + 1).length,
};
"""

VISIBLE = """
return Array.from(document.querySelectorAll(arguments[0])).filter((el) => el.offsetParent !== null)
  .map((el) => { const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, width: r.width, height: r.height,
            font: parseFloat(getComputedStyle(el).fontSize),
            text: (el.textContent || el.name || "").trim()}; });
"""


def on_phone(driver, server, user, path):
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 3, "mobile": True},
    )
    _log_in(driver, server, user)
    driver.add_cookie({"name": "django_language", "value": "zh-hans", "path": "/"})
    driver.get(f"{server.url}{path}")


def assert_fits_the_screen(driver):
    layout = driver.execute_script(LAYOUT)
    # Without the viewport meta a phone lays the page out 980 px wide and shrinks it.
    assert layout["viewport"] == WIDTH, layout
    assert layout["scroll"] <= WIDTH and layout["scrolling"] == 0, layout


def visible(driver, selector, at_least=1):
    found = driver.execute_script(VISIBLE, selector)
    assert len(found) >= at_least, f"{selector}: {len(found)} visible"
    for box in found:
        assert box["left"] >= -0.5 and box["right"] <= WIDTH + 0.5, (selector, box)
        assert box["font"] >= MIN_FONT, (selector, box)
    return found


def assert_text_boxes_usable(driver, selector):
    for box in visible(driver, selector):
        assert box["width"] >= MIN_CHARS * box["font"] * 0.6, (selector, box)


def test_the_case_list_on_a_phone(transactional_db, serial_live_server, browser, world, make_case):
    GridWorker.objects.filter(user=world.worker_a).update(name="赵红红")
    for title in ("楼道堆放纸箱和旧家具，占用消防通道，居民多次反映", "路灯不亮"):
        make_case("assigned", title=title)
    on_phone(browser, serial_live_server, world.worker_a, "/api/v1/cases/?assignee_worker=me&open=true")
    assert_fits_the_screen(browser)
    assert visible(browser, ".navbar-brand")[0]["text"] == "网格治理 API"
    assert visible(browser, ".page-header h1")[0]["text"] == "案件"
    answer = visible(browser, ".response-info pre")[0]
    assert "楼道堆放纸箱" in answer["text"] and "status_label" in answer["text"]
    # The create's form: its text boxes are as wide as the screen allows, not squeezed.
    browser.find_element("css selector", "a[name='html-tab']").click()
    assert_text_boxes_usable(browser, "#post-object-form input.form-control, #post-object-form select")
    assert_fits_the_screen(browser)


def test_a_case_and_its_patch_form_on_a_phone(
    transactional_db, serial_live_server, browser, world, make_case
):
    case = make_case("in_progress", title="井盖缺失")
    on_phone(browser, serial_live_server, world.worker_a, f"/api/v1/cases/{case.pk}/")
    assert_fits_the_screen(browser)
    assert "井盖缺失" in visible(browser, ".response-info pre")[0]["text"]
    assert_text_boxes_usable(browser, "#put-generic-content-form textarea")
    patch_form = browser.find_element("css selector", "#put-generic-content-form textarea").get_attribute(
        "value"
    )
    assert '"title": "井盖缺失"' in patch_form and '"status"' not in patch_form
    visible(browser, "#put-generic-content-form button[data-method='PATCH']")


def test_the_api_root_on_a_phone(transactional_db, serial_live_server, browser, world):
    on_phone(browser, serial_live_server, world.worker_a, "/api/v1/")
    assert_fits_the_screen(browser)
    answer = visible(browser, ".response-info pre")[0]["text"]
    assert "me/work" in answer and "cases/sync" in answer
