"""The centre's workspace in headless Chromium at 1366 × 768: what a person sees is there and
readable (no text squeezed narrower than a few characters), and the buttons do what they say.

Skipped when Chromium is missing, unless REQUIRE_BROWSER=1 (as in CI).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from cases.attachments import case_attach
from cases.models import Case, CaseEvent
from grids.models import GridWorker
from tests.cases.files import image
from tests.factories import DispatchUnitFactory, GridWorkerFactory
from tests.reports.test_dashboard_browser import BROWSER_TIMEOUT, _log_in, _wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

WIDTH, HEIGHT = 1366, 768
# A box holding text is readable when it is at least this many characters wide (or as wide
# as its text, when that is shorter), in a font of at least MIN_FONT pixels.
MIN_CHARS, MIN_FONT = 4, 12

READABILITY = """
const [selector, minChars, minFont] = arguments;
return Array.from(document.querySelectorAll(selector)).filter((el) => el.offsetParent !== null).map((el) => {
  const style = getComputedStyle(el);
  const font = parseFloat(style.fontSize);
  const text = el.textContent.trim();
  const rect = el.getBoundingClientRect();
  const needed = Math.min(minChars, text.length) * font * 0.9;
  return {text: text, width: rect.width, font: font, right: rect.right,
          ok: font >= minFont && rect.width + 0.5 >= needed};
});
"""


def open_as(driver, server, user, path):
    _log_in(driver, server, user)
    driver.add_cookie({"name": "django_language", "value": "zh-hans", "path": "/"})
    driver.set_window_size(WIDTH, HEIGHT)
    driver.get(f"{server.url}{path}")


def boxes(driver, selector):
    return driver.execute_script(READABILITY, selector, MIN_CHARS, MIN_FONT)


def assert_readable(driver, selector, at_least=1):
    found = boxes(driver, selector)
    assert len(found) >= at_least, f"{selector}: {len(found)} visible"
    squeezed = [box for box in found if not box["ok"]]
    assert squeezed == [], f"{selector}: squeezed {squeezed[:3]}"
    return found


def inner_width(driver) -> int:
    return driver.execute_script("return document.documentElement.clientWidth")


@pytest.fixture
def centre(world):
    world.admin_a.is_staff = True
    world.admin_a.save()
    worker = GridWorker.objects.get(user=world.worker_a)
    worker.name = "赵红红"
    worker.save()
    GridWorkerFactory(name="钱二", street=world.street_a, grids=[world.grid_a2])
    DispatchUnitFactory(street=world.street_a, name="街道城市管理办公室")
    return world.admin_a


def test_the_case_page_is_a_workspace(
    transactional_db, serial_live_server, browser, world, make_case, centre
):
    from selenium.webdriver.support.ui import Select, WebDriverWait

    case = make_case("accepted", title="楼道堆放纸箱和旧家具，占用消防通道")
    upload = SimpleUploadedFile("p.jpg", image("JPEG", size=(800, 600)), content_type="image/jpeg")
    case_attach(case_id=case.pk, actor=centre, upload=upload)
    open_as(browser, serial_live_server, centre, f"/admin/cases/case/{case.pk}/change/")

    # The panel: every figure visible and readable at 1366 px.
    panel = browser.find_element("id", "case-status-panel")
    assert panel.is_displayed()
    values = assert_readable(browser, "#case-status-panel dd", at_least=11)
    assert {"立案", "网格"} <= {box["text"] for box in values}
    assert_readable(browser, "#case-status-panel dt", at_least=11)
    assert all(box["right"] <= inner_width(browser) for box in values)
    # The photo's thumbnail came through the admin's authorised view.
    thumbnail = browser.find_element("css selector", "#case-photos img")
    assert browser.execute_script("return arguments[0].naturalWidth", thumbnail) == 320

    # A button for each action open to this user now, in Chinese.
    buttons = assert_readable(browser, "#case-actions a.case-action", at_least=5)
    assert [box["text"] for box in buttons] == [
        "派遣",
        "上报升级",
        "延期",
        "备注",
        "合并重复案件",
        "上传附件",
    ]

    # When the centre dispatches from the page: the picker lists the grid's workers first.
    browser.find_element("css selector", 'a.case-action[data-action="assign"]').click()
    WebDriverWait(browser, BROWSER_TIMEOUT).until(lambda d: d.find_elements("id", "case-action-form"))
    groups = browser.find_elements("css selector", "select[name=worker] optgroup")
    assert [g.get_attribute("label") for g in groups] == ["覆盖本案网格的网格员", "辖区内其他网格员"]
    first = groups[0].find_elements("tag name", "option")
    assert [o.text for o in first] == ["赵红红（浒溪一网格）"]
    units = [o.text for o in Select(browser.find_element("name", "unit")).options]
    assert "街道城市管理办公室" in units
    assert_readable(browser, "#case-action-form select, #case-action-form textarea", at_least=3)
    for name in ("worker", "unit"):
        width = browser.find_element("name", name).rect["width"]
        assert width >= 12 * MIN_FONT, (name, width)
    Select(browser.find_element("name", "worker")).select_by_visible_text("赵红红（浒溪一网格）")
    browser.find_element("name", "note").send_keys("请今天处理")
    browser.find_element("name", "_act").click()
    WebDriverWait(browser, BROWSER_TIMEOUT).until(lambda d: d.find_elements("id", "case-timeline"))

    # Then the case is dispatched, the page says so, and the timeline tells it in words.
    case.refresh_from_db()
    assert case.status == "assigned" and case.assignee_worker.name == "赵红红"
    assert "派遣：已完成。" in browser.find_element("css selector", "ul.messagelist").text
    entries = browser.find_elements("css selector", "#case-timeline .case-timeline-entry")
    assert [e.find_element("class name", "case-timeline-label").text for e in entries] == [
        "上报",
        "立案",
        "上传附件",
        "派遣",
    ]
    assert "承办网格员：— → 赵红红" in entries[-1].text and "请今天处理" in entries[-1].text
    assert_readable(browser, "#case-timeline .case-timeline-head > *", at_least=12)
    assert_readable(browser, "#case-timeline .case-timeline-changes li", at_least=3)


def test_a_refusal_comes_back_as_a_message(
    transactional_db, serial_live_server, browser, world, make_case, centre
):
    from selenium.webdriver.support.ui import WebDriverWait

    case = make_case("reported")
    open_as(browser, serial_live_server, centre, f"/admin/cases/case/{case.pk}/act/accept/")
    # Someone else rejects the case while the form is open.
    services.case_reject(case_id=case.pk, actor=world.superuser, reason="重复上报")
    browser.find_element("name", "_act").click()
    WebDriverWait(browser, BROWSER_TIMEOUT).until(lambda d: d.find_elements("css selector", "ul.messagelist"))
    message = browser.find_element("css selector", "ul.messagelist .error").text
    assert message.startswith("立案：") and "accept" not in message
    assert Case.objects.get(pk=case.pk).status == "rejected"
    assert not CaseEvent.objects.filter(case=case, action="accept").exists()


def test_the_work_queues_lead_to_a_readable_list(
    transactional_db, serial_live_server, browser, world, make_case, centre
):
    from selenium.webdriver.support.ui import WebDriverWait

    for status in ["reported", "reported", "accepted", "in_progress", "resolved"]:
        make_case(status, title="小区三栋二单元楼道堆放纸箱和旧家具")
    late = make_case("assigned", title="占用消防通道")
    Case.objects.filter(pk=late.pk).update(due_at=late.reported_at)
    open_as(browser, serial_live_server, centre, "/admin/")

    queues = {
        q.get_attribute("data-queue"): q
        for q in browser.find_elements("css selector", "#case-queues a.case-queue")
    }
    counts = {name: q.find_element("class name", "case-queue-count").text for name, q in queues.items()}
    assert counts == {
        "to_accept": "2",
        "to_dispatch": "1",
        "handling": "2",
        "to_verify": "1",
        "overdue": "1",
        "supervised_today": "0",
    }
    assert_readable(browser, "#case-queues .case-queue-label", at_least=6)

    # The overdue queue opens the list of the overdue case, every column on the screen.
    queues["overdue"].click()
    WebDriverWait(browser, BROWSER_TIMEOUT).until(lambda d: d.find_elements("id", "result_list"))
    rows = browser.find_elements("css selector", "#result_list tbody tr")
    assert len(rows) == 1 and late.number in rows[0].text
    headers = assert_readable(browser, "#result_list thead th", at_least=9)
    assert {"紧急程度", "承办", "处置期限"} <= {box["text"] for box in headers}
    assert all(box["right"] <= inner_width(browser) for box in headers)
    assert_readable(browser, "#result_list td.field-title", at_least=1)
    assert_readable(browser, "#result_list .case-badge-overdue", at_least=1)

    # The whole list: titles keep their width, they do not wrap a character per line.
    browser.get(f"{serial_live_server.url}/admin/cases/case/")
    titles = assert_readable(browser, "#result_list td.field-title", at_least=6)
    assert min(box["width"] for box in titles) >= 8 * MIN_FONT


PHONE = (390, 844)


def test_at_390_the_workspace_fits_a_phone(
    transactional_db, serial_live_server, browser, world, make_case, centre
):
    """The centre's staff on a phone: the queues, the case page's panel, its buttons and its
    timeline are on the screen and readable at 390 × 844; nothing is pushed off to the side."""
    case = make_case("accepted", title="楼道堆放纸箱和旧家具，占用消防通道")
    services.case_comment(case_id=case.pk, actor=centre, note="已联系物业")
    open_as(browser, serial_live_server, centre, "/admin/")
    browser.set_window_size(*PHONE)
    browser.get(f"{serial_live_server.url}/admin/")
    width = inner_width(browser)
    assert width <= PHONE[0]
    queues = assert_readable(browser, "#case-queues .case-queue-label", at_least=6)
    assert all(box["right"] <= width for box in queues)

    browser.get(f"{serial_live_server.url}/admin/cases/case/{case.pk}/change/")
    for selector, at_least in [
        ("#case-status-panel dt", 11),
        ("#case-status-panel dd", 11),
        ("#case-actions a.case-action", 4),
        ("#case-timeline .case-timeline-label", 3),
    ]:
        found = assert_readable(browser, selector, at_least=at_least)
        assert all(box["right"] <= width + 0.5 for box in found), (selector, found[:2])
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= width + 1, scroll

    # The dispatch picker opens on the phone too, its lists wide enough to read a name.
    from selenium.webdriver.support.ui import WebDriverWait

    browser.find_element("css selector", 'a.case-action[data-action="assign"]').click()
    WebDriverWait(browser, BROWSER_TIMEOUT).until(lambda d: d.find_elements("id", "case-action-form"))
    for name in ("worker", "unit", "note"):
        rect = browser.find_element("name", name).rect
        assert rect["width"] >= 12 * MIN_FONT and rect["x"] + rect["width"] <= width + 0.5, (name, rect)

    browser.get(f"{serial_live_server.url}/admin/reports/dashboard/")
    _wait_ready(browser)
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('#chart-trend text')).map("
        "(t) => t.getBoundingClientRect().height)"
    )
    assert sizes and min(sizes) >= 10, sorted(sizes)[:3]
    trend = browser.find_element("id", "chart-trend")
    assert trend.rect["width"] <= width and trend.rect["height"] >= 150
