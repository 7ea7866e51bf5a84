"""The case admin: fast lists, history inline and read-only, changes only through the services."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent
from grids.models import GridWorker
from tests.factories import CategoryFactory, DispatchUnitFactory, MicroGridFactory

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
        "admin:core_idempotencykey_changelist",
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


def change_form_data(case, **changes):
    """What the case's change form posts back, as opened at the case's current version."""
    data = {
        "category": case.category_id,
        "micro_grid": case.micro_grid_id or "",
        "source": case.source,
        "priority": case.priority,
        "triage": case.triage,
        "title": case.title,
        "description": case.description,
        "address": case.address,
        "latitude": "",
        "longitude": "",
        "contact_name": case.contact_name,
        "contact_phone": case.contact_phone,
        "expected_version": case.version,
    }
    for prefix in ("events", "supervisions", "attachments"):
        data[f"{prefix}-TOTAL_FORMS"] = 0
        data[f"{prefix}-INITIAL_FORMS"] = 0
    return {**data, **changes}


def test_editing_a_case_in_the_admin_goes_through_the_service(world, client, make_case, staff_admin_a):
    case = make_case("accepted")
    client.force_login(staff_admin_a)
    url = reverse("admin:cases_case_change", args=[case.pk])
    data = change_form_data(case, priority="high", title="楼道纸箱堆放（已核实）")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    case.refresh_from_db()
    assert (case.title, case.priority, case.version) == ("楼道纸箱堆放（已核实）", "high", 3)
    event = case.events.latest("pk")
    assert event.action == "update" and event.actor == staff_admin_a
    assert set(event.changes) == {"title", "priority"}


@pytest.mark.parametrize("who", ["superuser", "admin_a"])
def test_saving_the_form_with_the_history_inline_shown(world, client, make_case, who):
    user = getattr(world, who)
    user.is_staff = True
    user.save()
    case = make_case("accepted")
    client.force_login(user)
    response = client.post(
        reverse("admin:cases_case_change", args=[case.pk]), change_form_data(case, title="新标题")
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).title == "新标题"


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


# --- the change form: read-only when the workflow says so, checked, versioned ------------------


def assert_unchanged(case):
    after = Case.objects.get(pk=case.pk)
    assert (after.title, after.version, after.micro_grid_id) == (case.title, case.version, case.micro_grid_id)
    assert after.events.count() == case.events.count()


@pytest.mark.parametrize("status", ["resolved", "closed", "rejected"])
def test_a_case_the_workflow_does_not_let_you_update_opens_read_only(
    world, client, make_case, staff_admin_a, status
):
    case = make_case(status)
    client.force_login(staff_admin_a)
    url = reverse("admin:cases_case_change", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert case.title in html
    assert 'name="title"' not in html and 'name="expected_version"' not in html
    response = client.post(url, change_form_data(case, title="结案后改标题"))
    assert response.status_code == 403
    assert_unchanged(case)


def test_community_staff_see_a_street_level_case_read_only(world, client, make_case):
    world.staff_a.is_staff = True
    world.staff_a.save()
    case = make_case("accepted", level="street")
    client.force_login(world.staff_a)
    url = reverse("admin:cases_case_change", args=[case.pk])
    assert 'name="title"' not in client.get(url).content.decode()
    assert client.post(url, change_form_data(case, title="社区改街道的案件")).status_code == 403
    assert_unchanged(case)


def test_a_micro_grid_of_another_grid_is_a_form_error(world, client, make_case, staff_admin_a):
    case = make_case("accepted")
    elsewhere = MicroGridFactory(grid=world.grid_a2)
    client.force_login(staff_admin_a)
    response = client.post(
        reverse("admin:cases_case_change", args=[case.pk]),
        change_form_data(case, micro_grid=elsewhere.pk, title="改了标题"),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["micro_grid"] == ["微网格必须属于案件所在网格。"]
    assert_unchanged(case)


def add_form_data(world, category, **changes):
    data = {
        "kind": "incident",
        "category": category.pk,
        "grid": world.grid_a1.pk,
        "micro_grid": "",
        "source": "patrol",
        "priority": "normal",
        "triage": "small",
        "title": "路灯不亮",
        "description": "",
        "address": "浒溪路 8 号",
        "latitude": "",
        "longitude": "",
        "contact_name": "",
        "contact_phone": "",
    }
    for prefix in ("events", "supervisions", "attachments"):
        data[f"{prefix}-TOTAL_FORMS"] = 0
        data[f"{prefix}-INITIAL_FORMS"] = 0
    return {**data, **changes}


def test_the_add_form_logs_a_case_through_the_service(world, client, category, staff_admin_a):
    client.force_login(staff_admin_a)
    response = client.post(reverse("admin:cases_case_add"), add_form_data(world, category))
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert (case.title, case.reporter, case.status) == ("路灯不亮", staff_admin_a, "reported")


def test_the_add_form_checks_the_micro_grid_against_the_grid(world, client, category, staff_admin_a):
    elsewhere = MicroGridFactory(grid=world.grid_a2)
    client.force_login(staff_admin_a)
    response = client.post(
        reverse("admin:cases_case_add"), add_form_data(world, category, micro_grid=elsewhere.pk)
    )
    assert response.status_code == 200
    assert "micro_grid" in response.context["adminform"].form.errors
    assert not Case.objects.exists()


def test_the_add_form_offers_only_categories_in_use(world, client, category, staff_admin_a):
    retired = CategoryFactory(name="已停用小类", is_active=False)
    client.force_login(staff_admin_a)
    picker = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cases", "model_name": "case", "field_name": "category", "term": ""},
    ).json()
    offered = {int(option["id"]) for option in picker["results"]}
    assert category.pk in offered and retired.pk not in offered
    response = client.post(reverse("admin:cases_case_add"), add_form_data(world, retired))
    assert response.status_code == 200
    assert "category" in response.context["adminform"].form.errors
    assert not Case.objects.exists()


def test_a_case_keeps_its_retired_category_when_edited(world, client, make_case, staff_admin_a):
    case = make_case("accepted")
    case.category.is_active = False
    case.category.save()
    client.force_login(staff_admin_a)
    response = client.post(
        reverse("admin:cases_case_change", args=[case.pk]), change_form_data(case, title="新标题")
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).title == "新标题"


def test_saving_a_form_someone_else_has_overtaken_is_refused(world, client, make_case, staff_admin_a):
    # given the admin opened the form at version 2, then a worker's comment made it version 3
    case = make_case("accepted")
    opened = change_form_data(case, title="管理员的修改")
    services.case_comment(case_id=case.pk, actor=world.worker_a, note="已联系住户")
    client.force_login(staff_admin_a)
    # when the admin saves the stale form
    response = client.post(reverse("admin:cases_case_change", args=[case.pk]), opened)
    # then the form says so and nothing is overwritten
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    after = Case.objects.get(pk=case.pk)
    assert (after.title, after.version) == (case.title, case.version + 1)
    assert not after.events.filter(action="update").exists()


def test_the_service_refuses_a_stale_version_the_form_could_not_see(
    world, client, make_case, staff_admin_a, monkeypatch
):
    # a change that lands between the form's check and the service's row lock
    case = make_case("accepted")
    real_update = services.case_update

    def overtaken(**kwargs):
        services.case_comment(case_id=case.pk, actor=world.worker_a, note="同时的备注")
        return real_update(**kwargs)

    monkeypatch.setattr(services, "case_update", overtaken)
    client.force_login(staff_admin_a)
    response = client.post(
        reverse("admin:cases_case_change", args=[case.pk]),
        change_form_data(case, title="管理员的修改"),
        follow=True,
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Case.objects.get(pk=case.pk).title == case.title
    assert not CaseEvent.objects.filter(case=case, action="update").exists()


# --- the change page's queries do not grow with the history -------------------------------------


def test_the_change_page_query_count_does_not_grow_with_the_history(
    world, client, make_case, staff_admin_a, django_assert_num_queries
):
    short = make_case("in_progress")
    long = make_case("in_progress")
    commenters = [world.admin_a, world.worker_a, world.staff_a, world.superuser]
    for n in range(16):
        services.case_comment(case_id=long.pk, actor=commenters[n % 4], note=f"回访 {n}")
    assert long.events.count() == short.events.count() + 16
    client.force_login(staff_admin_a)
    client.get(reverse("admin:cases_case_change", args=[short.pk]))  # warm-up: content types, session

    with django_assert_num_queries(17):
        client.get(reverse("admin:cases_case_change", args=[short.pk]))
    with django_assert_num_queries(17):
        page = client.get(reverse("admin:cases_case_change", args=[long.pk]))
    assert page.content.decode().count("回访 ") == 16


def test_the_case_list_query_count_does_not_grow_with_the_page(
    world, client, make_case, staff_admin_a, django_assert_num_queries, on_postgres
):
    client.force_login(staff_admin_a)
    make_case("accepted")
    url = reverse("admin:cases_case_changelist")
    client.get(url)  # warm-up: content types, session
    # On PostgreSQL the paginator first asks the planner for its estimate (EXPLAIN).
    queries = 9 if on_postgres else 8
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    for status in ["reported", "assigned", "in_progress", "resolved", "closed"] * 4:
        make_case(status)
    with django_assert_num_queries(queries):
        page = client.get(url)
    assert page.context["cl"].result_count == 21


def test_street_admins_see_the_history_inline(world, client, make_case, staff_admin_a):
    case = make_case("closed")
    client.force_login(staff_admin_a)
    html = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert "案件流转记录" in html and "已清理完毕" in html


# --- the centre's admin actions, through the services ------------------------------------------


def run_action(client, action, cases, follow=True, **fields):
    return client.post(
        reverse("admin:cases_case_changelist"),
        {"action": action, "_selected_action": [c.pk for c in cases], **fields},
        follow=follow,
    )


def messages_of(response):
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def test_assign_asks_for_the_worker_on_an_intermediate_page(world, client, make_case, staff_admin_a):
    case = make_case("accepted")
    client.force_login(staff_admin_a)
    page = run_action(client, "assign_cases", [case], follow=False, note="请今天处理")
    assert page.status_code == 200
    html = page.content.decode()
    assert case.number in html and 'name="worker"' in html and 'name="apply"' in html
    worker_b = GridWorker.objects.get(user=world.worker_b)
    assert f'value="{worker_b.pk}"' not in html  # another street's worker is not offered
    assert Case.objects.get(pk=case.pk).version == case.version  # nothing written yet


def test_assign_dispatches_through_the_service(world, client, make_case, staff_admin_a):
    case = make_case("accepted")
    worker = GridWorker.objects.get(user=world.worker_a)
    client.force_login(staff_admin_a)
    response = run_action(
        client, "assign_cases", [case], apply="1", worker=worker.pk, unit="", note="请今天处理"
    )
    assert response.status_code == 200
    assert [level for level, _text in messages_of(response)] == ["info"]
    case_after = Case.objects.get(pk=case.pk)
    assert (case_after.status, case_after.assignee_worker, case_after.version) == (
        "assigned",
        worker,
        case.version + 1,
    )
    event = case_after.events.latest("pk")
    assert (event.action, event.actor, event.note) == ("assign", staff_admin_a, "请今天处理")


def test_assign_needs_a_worker_or_a_unit(world, client, make_case, staff_admin_a):
    case = make_case("accepted")
    client.force_login(staff_admin_a)
    response = run_action(client, "assign_cases", [case], follow=False, apply="1", worker="", unit="")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert_unchanged(case)


def test_assign_to_a_unit(world, client, make_case, staff_admin_a):
    case = make_case("accepted", level="street")
    DispatchUnitFactory(street=world.street_a, name="区城市管理局")
    client.force_login(staff_admin_a)
    run_action(client, "assign_cases", [case], apply="1", worker="", unit="区城市管理局")
    case_after = Case.objects.get(pk=case.pk)
    assert (case_after.status, case_after.assignee_unit) == ("assigned", "区城市管理局")


def test_assign_on_a_case_in_a_wrong_status_is_an_error_message_and_writes_nothing(
    world, client, make_case, staff_admin_a
):
    closed, accepted = make_case("closed"), make_case("accepted")
    worker = GridWorker.objects.get(user=world.worker_a)
    client.force_login(staff_admin_a)
    response = run_action(client, "assign_cases", [closed, accepted], apply="1", worker=worker.pk, unit="")
    shown = messages_of(response)
    assert shown[0][0] == "warning" and shown[0][1].startswith(f"{closed.number}: ")
    assert shown[1][0] == "info"
    assert_unchanged(closed)
    assert Case.objects.get(pk=accepted.pk).status == "assigned"


def test_rework_sends_a_resolved_case_back_with_the_note(world, client, make_case, staff_admin_a):
    case = make_case("resolved")
    client.force_login(staff_admin_a)
    response = run_action(client, "rework_cases", [case], note="仍有杂物未清")
    assert [level for level, _text in messages_of(response)] == ["info"]
    case_after = Case.objects.get(pk=case.pk)
    assert (case_after.status, case_after.rework_count, case_after.resolved_at) == ("assigned", 1, None)
    event = case_after.events.latest("pk")
    assert (event.action, event.actor, event.note, event.to_status) == (
        "verify",
        staff_admin_a,
        "仍有杂物未清",
        "assigned",
    )


@pytest.mark.parametrize(("status", "note"), [("in_progress", "仍有杂物未清"), ("resolved", "")])
def test_rework_refused_is_an_error_message_and_writes_nothing(
    world, client, make_case, staff_admin_a, status, note
):
    case = make_case(status)
    client.force_login(staff_admin_a)
    response = run_action(client, "rework_cases", [case], note=note)
    assert [level for level, _text in messages_of(response)] == ["warning"]
    assert case.number in messages_of(response)[0][1]
    assert_unchanged(case)


def test_extend_moves_the_due_time_with_the_reason(world, client, make_case, staff_admin_a):
    case = make_case("assigned")
    later = timezone.localtime(case.due_at + timedelta(days=3)).replace(second=0, microsecond=0)
    client.force_login(staff_admin_a)
    response = run_action(
        client, "extend_cases", [case], note="等待配件", due_at=later.strftime("%Y-%m-%dT%H:%M")
    )
    assert [level for level, _text in messages_of(response)] == ["info"]
    case_after = Case.objects.get(pk=case.pk)
    assert case_after.due_at == later
    event = case_after.events.latest("pk")
    assert (event.action, event.note) == ("extend", "等待配件")


@pytest.mark.parametrize(("status", "due"), [("closed", "LATER"), ("assigned", "")])
def test_extend_refused_is_an_error_message_and_writes_nothing(
    world, client, make_case, staff_admin_a, status, due
):
    case = make_case(status)
    later = timezone.localtime(timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    client.force_login(staff_admin_a)
    response = run_action(client, "extend_cases", [case], note="等待配件", due_at=later if due else "")
    shown = messages_of(response)
    assert len(shown) == 1 and shown[0][0] in ("warning", "error")
    assert_unchanged(case)


# --- the case list's count ---------------------------------------------------------------------


def list_queries(client, params, django_capture_queries):
    with django_capture_queries() as captured:
        response = client.get(reverse("admin:cases_case_changelist"), params)
    assert response.status_code == 200
    sqls = [q["sql"] for q in captured.captured_queries]
    return response, sqls


@pytest.fixture
def django_capture_queries():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    return lambda: CaptureQueriesContext(connection)


@pytest.mark.postgres
def test_a_large_filtered_list_is_counted_from_the_planners_estimate(
    world, client, make_case, staff_admin_a, monkeypatch, django_capture_queries
):
    from grids.admin_base import EstimatedCountPaginator

    for _ in range(3):
        make_case("accepted")
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_BELOW", 1)  # every estimate is "large"
    client.force_login(staff_admin_a)
    response, sqls = list_queries(
        client, {"status__exact": "accepted", "triage__exact": "small"}, django_capture_queries
    )
    assert any(sql.startswith("EXPLAIN (FORMAT JSON)") for sql in sqls)
    assert not any("COUNT(" in sql and "cases_case" in sql for sql in sqls)
    assert response.context["cl"].result_count >= 1


@pytest.mark.postgres
def test_a_small_filtered_list_is_counted_exactly(
    world, client, make_case, staff_admin_a, django_capture_queries
):
    for _ in range(3):
        make_case("accepted")
    make_case("reported")
    client.force_login(staff_admin_a)
    response, sqls = list_queries(client, {"status__exact": "accepted"}, django_capture_queries)
    assert any(sql.startswith("EXPLAIN (FORMAT JSON)") for sql in sqls)
    assert response.context["cl"].result_count == 3


def test_sqlite_counts_exactly(
    world, client, make_case, staff_admin_a, monkeypatch, django_capture_queries, on_postgres
):
    from grids.admin_base import EstimatedCountPaginator

    if on_postgres:
        pytest.skip("SQLite only")
    for _ in range(3):
        make_case("accepted")
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_BELOW", 1)
    client.force_login(staff_admin_a)
    response, sqls = list_queries(client, {"status__exact": "accepted"}, django_capture_queries)
    assert not any(sql.startswith("EXPLAIN") for sql in sqls)
    assert response.context["cl"].result_count == 3


def test_the_list_filters_have_named_indexes_in_the_database():
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Case._meta.db_table)
    indexed = {name: c["columns"] for name, c in constraints.items() if c["index"]}
    assert indexed["case_street_triage_rep_idx"] == ["street_id", "triage", "reported_at"]
    assert indexed["case_street_source_rep_idx"] == ["street_id", "source", "reported_at"]
    assert indexed["case_overdue_street_rep_idx"] == ["street_id", "reported_at"]  # where is_overdue
    assert indexed["case_spot_street_rep_idx"] == ["street_id", "reported_at"]  # where on_the_spot
