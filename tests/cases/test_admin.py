"""The case admin: fast lists, history inline and read-only, changes only through the services."""

import pytest
from django.urls import reverse

from cases.models import Case, CaseEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_admin_a(world):
    world.admin_a.is_staff = True
    world.admin_a.save()
    return world.admin_a


@pytest.mark.parametrize(
    "page",
    [
        "admin:cases_case_changelist",
        "admin:cases_case_add",
        "admin:cases_category_changelist",
        "admin:cases_majorcategory_changelist",
        "admin:cases_caseevent_changelist",
        "admin:cases_supervision_changelist",
        "admin:cases_caseattachment_changelist",
        "admin:cases_casenumbercounter_changelist",
        "admin:cases_idempotencykey_changelist",
    ],
)
def test_case_admin_pages_render_in_chinese(world, client, make_case, page):
    make_case("closed")
    client.force_login(world.superuser)
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert "网格化治理管理后台" in response.content.decode()


def test_case_page_shows_the_history_inline_and_read_only(world, client, make_case):
    case = make_case("closed")
    client.force_login(world.superuser)
    html = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert "案件流转记录" in html
    assert 'name="events-0-note"' not in html  # not editable
    assert "events-0-DELETE" not in html


def test_admin_action_accepts_through_the_service_and_leaves_history(world, client, make_case, staff_admin_a):
    case = make_case("reported")
    client.force_login(staff_admin_a)
    response = client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "accept_cases", "_selected_action": [case.pk], "note": "核实属实"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "accepted"
    event = case.events.latest("pk")
    assert (event.action, event.actor, event.note) == ("accept", staff_admin_a, "核实属实")


def test_admin_action_refusal_is_reported_and_writes_nothing(world, client, make_case, staff_admin_a):
    case = make_case("closed")
    client.force_login(staff_admin_a)
    response = client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "reject_cases", "_selected_action": [case.pk], "note": "重复"},
        follow=True,
    )
    assert case.number in response.content.decode()
    assert Case.objects.get(pk=case.pk).version == case.version


def test_editing_a_case_in_the_admin_goes_through_the_service(world, client, make_case, staff_admin_a):
    case = make_case("accepted")
    client.force_login(staff_admin_a)
    url = reverse("admin:cases_case_change", args=[case.pk])
    data = {
        "category": case.category_id,
        "micro_grid": "",
        "source": case.source,
        "priority": "high",
        "triage": case.triage,
        "title": "楼道纸箱堆放（已核实）",
        "description": "",
        "address": case.address,
        "latitude": "",
        "longitude": "",
        "contact_name": "",
        "contact_phone": "",
    }
    for prefix in ("events", "supervisions", "attachments"):
        data[f"{prefix}-TOTAL_FORMS"] = 0
        data[f"{prefix}-INITIAL_FORMS"] = 0
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    case.refresh_from_db()
    assert (case.title, case.priority, case.version) == ("楼道纸箱堆放（已核实）", "high", 3)
    event = case.events.latest("pk")
    assert event.action == "update" and event.actor == staff_admin_a
    assert set(event.changes) == {"title", "priority"}


def test_street_admin_sees_only_their_cases_in_the_admin(world, client, make_case, staff_admin_a):
    mine = make_case()
    theirs = make_case(grid=world.grid_b1)
    client.force_login(staff_admin_a)
    html = client.get(reverse("admin:cases_case_changelist")).content.decode()
    assert mine.number in html and theirs.number not in html
    events = client.get(reverse("admin:cases_caseevent_changelist")).content.decode()
    assert mine.number in events and theirs.number not in events


def test_nobody_deletes_cases_or_history_in_the_admin(world, client, make_case):
    case = make_case()
    client.force_login(world.superuser)
    assert client.get(reverse("admin:cases_case_delete", args=[case.pk])).status_code == 403
    event = CaseEvent.objects.get(case=case)
    assert client.get(reverse("admin:cases_caseevent_delete", args=[event.pk])).status_code == 403
