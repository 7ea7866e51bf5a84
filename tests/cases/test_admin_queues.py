"""The admin index's work queues, the case list's search, the front page and dispatch units."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Supervision
from cases.overdue import cases_sweep_overdue
from seeds.management.commands.seed import summary_text
from tests.factories import DispatchUnitFactory, SupervisionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre(world, client):
    world.admin_a.is_staff = True
    world.admin_a.save()
    client.force_login(world.admin_a)
    return client


def test_the_queues_count_the_territorys_open_cases(world, make_case):
    for status in ["reported", "reported", "accepted", "assigned", "in_progress", "resolved", "closed"]:
        make_case(status)
    make_case("reported", grid=world.grid_b1)  # another street's
    late = make_case("assigned")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    SupervisionFactory(case=late, day=timezone.localdate())

    from grids.scope import scope_for

    counts = Case.objects.visible_to(scope_for(world.admin_a)).queue_counts()

    assert counts == {
        "to_accept": 2,
        "to_dispatch": 1,
        "handling": 3,
        "to_verify": 1,
        "overdue": 1,
        "supervised_today": 1,
    }


def test_the_index_shows_each_queue_as_a_link_to_its_list(world, centre, make_case):
    make_case("reported")
    make_case("resolved")
    html = centre.get(reverse("admin:index")).content.decode()
    url = reverse("admin:cases_case_changelist")
    for name, label in [
        ("to_accept", "待立案"),
        ("to_verify", "待核查"),
        ("overdue", "超期"),
        ("supervised_today", "今日督办"),
    ]:
        assert f'href="{url}?queue={name}"' in html and label in html

    listed = centre.get(url, {"queue": "to_accept"})
    assert [case.status for case in listed.context["cl"].result_list] == ["reported"]


def test_the_index_shows_no_queues_to_a_user_without_a_role(world, client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True))
    assert 'id="case-queues"' not in client.get(reverse("admin:index")).content.decode()


def test_the_list_shows_priority_assignee_and_an_overdue_badge(world, centre, make_case):
    late = make_case("assigned")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=3), priority="urgent")
    html = centre.get(reverse("admin:cases_case_changelist")).content.decode()
    assert "紧急程度" in html and "承办" in html and "处置期限" in html
    assert 'class="case-badge case-badge-overdue">超期<' in html
    assert "紧急" in html


# --- search ---------------------------------------------------------------------------------------


def search(client, term):
    response = client.get(reverse("admin:cases_case_changelist"), {"q": term})
    return sorted(case.number for case in response.context["cl"].result_list)


def test_a_number_or_its_beginning_finds_the_case(world, centre, make_case):
    first, second = make_case(), make_case()
    assert search(centre, first.number) == [first.number]
    assert search(centre, first.number.lower()) == [first.number]
    assert search(centre, first.number[:-3]) == sorted([first.number, second.number])
    # Another street's case is never found.
    theirs = make_case(grid=world.grid_b1)
    assert search(centre, theirs.number) == []


def test_words_are_found_in_the_title_or_the_address(world, centre, make_case):
    paper = make_case(title="楼道堆放纸箱")
    car = make_case(title="占用消防通道停车")
    Case.objects.filter(pk=car.pk).update(address="三河村 3 组")
    assert search(centre, "纸箱") == [paper.number]
    assert search(centre, "三河村") == [car.number]
    assert search(centre, "浒溪路 纸箱") == [paper.number]
    assert search(centre, "浒溪路 停车") == []


@pytest.mark.postgres
def test_on_postgresql_the_address_search_uses_the_trigram_index(world, make_case):
    make_case()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        queryset = Case.objects.search("浒溪路").order_by()
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_address_trgm_idx" in plan and "case_title_trgm_idx" in plan


@pytest.mark.postgres
def test_on_postgresql_a_number_prefix_uses_an_index(world, make_case):
    case = make_case()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = Case.objects.search(case.number[:-2]).order_by().query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index" in plan and "number" in plan


# --- the front page, dispatch units, the seed's and the sweep's lines --------------------------


def test_view_site_leads_to_a_front_page_of_the_services_entry_points(world, centre):
    index = centre.get(reverse("admin:index")).content.decode()
    assert 'href="/">查看站点' in index
    home = centre.get("/")
    assert home.status_code == 200
    html = home.content.decode()
    for link in (
        'href="/admin/"',
        'href="/admin/reports/dashboard/"',
        'href="/api/v1/"',
        'href="/api/docs/"',
    ):
        assert link in html
    assert "综治中心工作台" in html


def test_street_admins_keep_their_own_streets_dispatch_units(world, centre):
    DispatchUnitFactory(street=world.street_a, name="街道司法所")
    DispatchUnitFactory(street=world.street_b, name="南川区城管局")
    html = centre.get(reverse("admin:cases_dispatchunit_changelist")).content.decode()
    assert "街道司法所" in html and "南川区城管局" not in html
    response = centre.post(
        reverse("admin:cases_dispatchunit_add"),
        {"street": world.street_a.pk, "name": "派出所", "is_active": "on"},
    )
    assert response.status_code == 302
    refused = centre.post(
        reverse("admin:cases_dispatchunit_add"), {"street": world.street_b.pk, "name": "某单位"}
    )
    assert refused.status_code == 200 and "street" in refused.context["adminform"].form.errors


def test_the_seeds_summary_is_in_the_active_language():
    from django.utils import translation

    counts = {"streets": 3, "grids": 323, "cases": 28722, "mediations": 1341}
    with translation.override("zh-hans"):
        assert summary_text(counts) == "街道 3 个、网格 323 个、案件 28722 件、调解 1341 件"
    with translation.override("en"):
        assert summary_text(counts) == "3 streets, 323 grids, 28722 cases, 1341 mediations"


def test_the_sweep_says_what_it_did_in_chinese_and_dates_its_rows(world, make_case):
    late = make_case("assigned")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=3))
    out = io.StringIO()
    call_command("sweep_overdue", stdout=out)
    assert out.getvalue() == "标记超期 1 件；写入督办 1 条。\n"
    # A sweep run for another moment writes that moment, as the seed's rows do.
    later = timezone.now() + timedelta(days=1)
    cases_sweep_overdue(now=later)
    assert Supervision.objects.get(case=late, day=timezone.localdate(later)).created_at == later
