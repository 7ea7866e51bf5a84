"""Logging cases from a phone, reading them, and correcting them with If-Match."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, IdempotencyKey
from tests.factories import CategoryFactory, MicroGridFactory

pytestmark = pytest.mark.django_db

LIST = "v1:case-list"


def detail(case):
    return reverse("v1:case-detail", args=[case.pk])


def payload(world, category, **overrides):
    return {
        "category": category.pk,
        "grid": world.grid_a1.pk,
        "title": "楼道堆放杂物",
        "description": "3 栋 2 单元楼道堆放纸箱，影响通行",
        "address": "浒溪路 8 号 3 栋",
        "latitude": "29.290100",
        "longitude": "106.259800",
        "source": "patrol",
        "contact_name": "张秀兰",
        "contact_phone": "13812345678",
        **overrides,
    }


# --- create -----------------------------------------------------------------------------


def test_worker_reports_a_case_in_their_grid(world, api, category):
    response = api(world.worker_a).post(reverse(LIST), payload(world, category), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get()
    year = timezone.localtime(case.reported_at).year
    assert body["number"] == f"SQ-{year}-000001"
    assert (body["status"], body["triage"], body["level"], body["kind"]) == (
        "reported",
        "small",
        "grid",
        "incident",
    )
    assert (body["street"], body["community"], body["grid"]) == (
        world.street_a.pk,
        world.community_a.pk,
        world.grid_a1.pk,
    )
    assert body["contact_name"] == "张**" and body["contact_phone"] == "138****5678"
    assert case.contact_phone == "13812345678"
    assert case.due_at == case.reported_at + timedelta(hours=48)
    assert case.reporter == world.worker_a
    assert [e["action"] for e in body["events"]] == ["report"]
    assert body["allowed_actions"] == ["attach", "comment", "update"]  # the reporter may correct it


def test_numbers_count_up_per_street_and_year(world, api, category):
    client = api(world.admin_a)
    numbers = [
        client.post(reverse(LIST), payload(world, category), format="json").json()["number"] for _ in range(3)
    ]
    other = (
        api(world.admin_b)
        .post(reverse(LIST), payload(world, category, grid=world.grid_b1.pk), format="json")
        .json()["number"]
    )
    year = timezone.localdate().year
    assert numbers == [f"SQ-{year}-00000{n}" for n in (1, 2, 3)]
    assert other == f"DC-{year}-000001"


def test_a_grid_outside_the_callers_scope_is_400_naming_grid(world, api, category):
    response = api(world.worker_a).post(
        reverse(LIST), payload(world, category, grid=world.grid_a2.pk), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["grid"]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("category", 999999),
        ("latitude", "91"),
        ("contact_phone", "123"),
        ("source", "rumour"),
        ("reported_at", "2001-01-01T00:00:00+08:00"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(world, api, category, field, value):
    body = {**payload(world, category), field: value}
    response = api(world.worker_a).post(reverse(LIST), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_a_future_report_time_is_refused(world, api, category):
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    response = api(world.worker_a).post(
        reverse(LIST), payload(world, category, reported_at=future), format="json"
    )
    assert response.status_code == 400 and "reported_at" in response.json()


def test_a_case_logged_offline_keeps_its_report_time_and_due_time(world, api, category):
    seen = timezone.now() - timedelta(hours=30)
    response = api(world.worker_a).post(
        reverse(LIST), payload(world, category, reported_at=seen.isoformat()), format="json"
    )
    case = Case.objects.get(pk=response.json()["id"])
    assert abs((case.reported_at - seen).total_seconds()) < 1
    assert case.due_at == case.reported_at + timedelta(hours=48)


def test_the_micro_grid_must_be_in_the_grid(world, api, category):
    elsewhere = MicroGridFactory(grid=world.grid_a2)
    client = api(world.admin_a)
    response = client.post(reverse(LIST), payload(world, category, micro_grid=elsewhere.pk), format="json")
    assert response.status_code == 400 and "micro_grid" in response.json()
    inside = MicroGridFactory(grid=world.grid_a1)
    assert (
        client.post(reverse(LIST), payload(world, category, micro_grid=inside.pk), format="json").status_code
        == 201
    )


def test_district_viewer_may_not_report(world, api, category):
    response = api(world.viewer).post(reverse(LIST), payload(world, category), format="json")
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_an_inactive_category_is_refused(world, api):
    retired = CategoryFactory(is_active=False)
    response = api(world.worker_a).post(reverse(LIST), payload(world, retired), format="json")
    assert response.status_code == 400 and "category" in response.json()


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"status": "closed", "number": "X-1", "version": 9}, {"status", "number", "version"}),
        ({"reporter": 1, "closed_at": "2022-01-01T00:00:00+08:00"}, {"reporter", "closed_at"}),
        ({"rework_count": 5, "colour": "red"}, {"rework_count", "colour"}),
    ],
)
def test_a_create_naming_a_field_it_does_not_set_is_400_naming_it(world, api, category, extra, named):
    response = api(world.worker_a).post(reverse(LIST), payload(world, category, **extra), format="json")
    assert response.status_code == 400
    assert set(response.json()) == named
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


# --- on-the-spot resolution -------------------------------------------------------------


def test_worker_resolves_a_small_matter_on_the_spot(world, api, category):
    body = payload(world, category, on_the_spot=True, result="当场劝导住户清理完毕")
    response = api(world.worker_a).post(reverse(LIST), body, format="json")
    assert response.status_code == 201, response.json()
    case = Case.objects.get()
    assert (case.status, case.on_the_spot, case.level, case.assignee_worker.user) == (
        "resolved",
        True,
        "grid",
        world.worker_a,
    )
    assert list(case.events.values_list("action", flat=True)) == [
        "report",
        "accept",
        "assign",
        "start",
        "resolve",
    ]
    assert all(e.actor == world.worker_a for e in case.events.all())
    for stage in ["accepted_at", "assigned_at", "started_at", "resolved_at"]:
        assert getattr(case, stage) is not None
    assert case.closed_at is None  # the centre still verifies


def test_on_the_spot_for_a_big_matter_category_says_triage_may_be_set_small(world, api):
    big_by_default = CategoryFactory(name="违章搭建", default_triage="big", default_level="street")
    client = api(world.worker_a)
    body = payload(world, big_by_default, on_the_spot=True, result="已劝导拆除")
    refused = client.post(reverse(LIST), body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400
    message = refused.json()["triage"][0]
    assert "即报即办" in message and '"triage": "small"' in message
    assert not Case.objects.exists()
    judged_small = client.post(reverse(LIST), {**body, "triage": "small"}, format="json")
    assert judged_small.status_code == 201, judged_small.json()
    assert judged_small.json()["status"] == "resolved"


def test_on_the_spot_needs_a_result_and_a_small_matter(world, api, category):
    client = api(world.worker_a)
    no_result = client.post(reverse(LIST), payload(world, category, on_the_spot=True), format="json")
    assert no_result.status_code == 400 and "result" in no_result.json()
    big = client.post(
        reverse(LIST),
        payload(world, category, on_the_spot=True, result="已处理", triage="big"),
        format="json",
    )
    assert big.status_code == 400 and "triage" in big.json()
    assert not Case.objects.exists()


def test_on_the_spot_is_for_grid_workers(world, api, category):
    response = api(world.admin_a).post(
        reverse(LIST), payload(world, category, on_the_spot=True, result="已处理"), format="json"
    )
    assert response.status_code == 403
    assert not Case.objects.exists()


# --- idempotency ------------------------------------------------------------------------


def test_a_retry_with_the_same_key_replays_and_creates_nothing(world, api, category):
    client = api(world.worker_a)
    first = client.post(reverse(LIST), payload(world, category), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(reverse(LIST), payload(world, category), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_the_same_key_with_another_body_is_422(world, api, category):
    client = api(world.worker_a)
    client.post(reverse(LIST), payload(world, category), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = client.post(
        reverse(LIST), payload(world, category, title="另一件事"), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Case.objects.count() == 1


def test_a_retry_while_the_first_is_in_flight_is_409(world, api, category):
    from cases.idempotency import fingerprint

    body = payload(world, category)
    IdempotencyKey.objects.create(
        user=world.worker_a,
        key="k-1",
        fingerprint=fingerprint(reverse(LIST), body),
        created_at=timezone.now(),
    )
    response = api(world.worker_a).post(reverse(LIST), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_flight"
    assert not Case.objects.exists()


def test_keys_belong_to_one_user(world, api, category):
    api(world.worker_a).post(
        reverse(LIST), payload(world, category), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    body = payload(world, category, grid=world.grid_a2.pk)
    response = api(world.admin_a).post(reverse(LIST), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 201
    assert Case.objects.count() == 2


def test_a_validation_error_stores_nothing_and_the_corrected_body_succeeds_with_the_same_key(
    world, api, category
):
    client = api(world.worker_a)
    bad = payload(world, category, title="")
    first = client.post(reverse(LIST), bad, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 400 and "title" in first.json()
    assert "Idempotent-Replayed" not in first
    assert not Case.objects.exists() and not IdempotencyKey.objects.exists()
    fixed = client.post(reverse(LIST), payload(world, category), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert fixed.status_code == 201
    again = client.post(reverse(LIST), payload(world, category), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_a_refused_create_stores_nothing_under_its_key(world, api, category):
    client = api(world.viewer)
    refused = client.post(reverse(LIST), payload(world, category), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert refused.status_code == 403
    assert not IdempotencyKey.objects.exists()


def test_a_malformed_key_is_400(world, api, category):
    response = api(world.worker_a).post(
        reverse(LIST), payload(world, category), format="json", HTTP_IDEMPOTENCY_KEY="空格 不行"
    )
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not Case.objects.exists()


def test_expired_keys_are_purged_after_the_retention_period(world, api, category):
    from django.core.management import call_command

    client = api(world.worker_a)
    client.post(reverse(LIST), payload(world, category), format="json", HTTP_IDEMPOTENCY_KEY="old")
    client.post(reverse(LIST), payload(world, category), format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=49))
    IdempotencyKey.objects.filter(key="new").update(created_at=timezone.now() - timedelta(hours=23))
    call_command("purge_idempotency_keys", "--hours", "1")  # never below 24 hours
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


# --- offline sync -----------------------------------------------------------------------


def test_sync_batch_with_a_bad_item_loses_none_of_the_others(world, api, category):
    client = api(world.worker_a)
    items = [
        {"idempotency_key": "off-1", "case": payload(world, category, title="井盖缺失")},
        {"idempotency_key": "off-2", "case": payload(world, category, grid=world.grid_b1.pk)},
        {"idempotency_key": "off-3", "case": payload(world, category, title="")},
        {"idempotency_key": "off-4", "case": payload(world, category, title="路灯不亮")},
    ]
    response = client.post(reverse("v1:case-sync"), {"items": items}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["idempotency_key"], r["status"], r["outcome"]) for r in results] == [
        ("off-1", 201, "created"),
        ("off-2", 400, "error"),
        ("off-3", 400, "error"),
        ("off-4", 201, "created"),
    ]
    assert "grid" in results[1]["body"] and "title" in results[2]["body"]
    assert sorted(Case.objects.values_list("title", flat=True)) == ["井盖缺失", "路灯不亮"]
    # Sending the same batch again replays each answer and creates nothing more.
    again = client.post(reverse("v1:case-sync"), {"items": items}, format="json").json()["results"]
    assert [(r["outcome"], r["replayed"]) for r in again] == [
        ("replayed", True),
        ("error", False),
        ("error", False),
        ("replayed", True),
    ]
    assert again[0]["body"] == results[0]["body"]
    assert Case.objects.count() == 2
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["off-1", "off-4"]


def test_a_sync_item_corrected_after_a_validation_error_is_created_under_the_same_key(world, api, category):
    client = api(world.worker_a)
    bad = [{"idempotency_key": "off-1", "case": payload(world, category, title="")}]
    first = client.post(reverse("v1:case-sync"), {"items": bad}, format="json").json()["results"][0]
    assert (first["status"], first["outcome"]) == (400, "error") and "title" in first["body"]
    assert not IdempotencyKey.objects.exists()
    fixed = [{"idempotency_key": "off-1", "case": payload(world, category, title="井盖缺失")}]
    second = client.post(reverse("v1:case-sync"), {"items": fixed}, format="json").json()["results"][0]
    assert (second["status"], second["outcome"]) == (201, "created")
    third = client.post(reverse("v1:case-sync"), {"items": fixed}, format="json").json()["results"][0]
    assert (third["outcome"], third["body"]["id"]) == ("replayed", second["body"]["id"])
    assert list(Case.objects.values_list("title", flat=True)) == ["井盖缺失"]


def test_sync_shares_keys_with_single_creates(world, api, category):
    client = api(world.worker_a)
    body = payload(world, category)
    client.post(reverse(LIST), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    result = client.post(
        reverse("v1:case-sync"), {"items": [{"idempotency_key": "k-1", "case": body}]}, format="json"
    ).json()["results"][0]
    assert result["outcome"] == "replayed"
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [{}, {"items": []}, {"items": "not a list"}, {"items": [{"idempotency_key": "k", "case": {}}] * 101}],
)
def test_a_malformed_batch_envelope_is_400_and_creates_nothing(world, api, body):
    response = api(world.worker_a).post(reverse("v1:case-sync"), body, format="json")
    assert response.status_code == 400 and "items" in response.json()
    assert not Case.objects.exists() and not IdempotencyKey.objects.exists()


def test_a_malformed_sync_item_is_that_items_400_and_the_others_are_created(world, api, category):
    good = payload(world, category, title="井盖缺失")
    items = [
        {"idempotency_key": "off-1", "case": good},
        {"case": payload(world, category, title="没有键")},
        {"idempotency_key": "off-3", "case": "not an object"},
        "not an item",
        {"idempotency_key": "off-5", "case": payload(world, category, title="路灯不亮")},
    ]
    response = api(world.worker_a).post(reverse("v1:case-sync"), {"items": items}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["idempotency_key"], r["status"], r["outcome"]) for r in results] == [
        ("off-1", 201, "created"),
        (None, 400, "error"),
        ("off-3", 400, "error"),
        (None, 400, "error"),
        ("off-5", 201, "created"),
    ]
    assert "idempotency_key" in results[1]["body"] and "case" in results[2]["body"]
    assert "non_field_errors" in results[3]["body"]
    assert sorted(Case.objects.values_list("title", flat=True)) == ["井盖缺失", "路灯不亮"]
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["off-1", "off-5"]


@pytest.mark.parametrize(
    ("bad_item", "field", "echoed_key"),
    [
        ({"idempotency_key": "\ud800"}, "idempotency_key", None),
        ({"idempotency_key": "k\x00"}, "idempotency_key", None),
        ({"idempotency_key": "off-2", "case_title": "\ud83d"}, "title", "off-2"),
        ({"idempotency_key": "off-2", "case_title": "整改\x00"}, "title", "off-2"),
        ({"idempotency_key": "off-2", "note": "\x00"}, "note", "off-2"),
        ({"idempotency_key": "off-2", "\udfff": 1}, "non_field_errors", "off-2"),
    ],
)
def test_bad_text_in_a_sync_item_is_that_items_400_and_the_good_item_is_replayed_on_retry(
    world, api, category, bad_item, field, echoed_key
):
    bad_item = dict(bad_item)
    bad = {"case": payload(world, category, title=bad_item.pop("case_title", "没有键")), **bad_item}
    items = [{"idempotency_key": "off-1", "case": payload(world, category, title="井盖缺失")}, bad]
    # The phone's JSON, as it sends it: escaped, so that the lone surrogate reaches the server.
    raw = json.dumps({"items": items}).encode()
    client = api(world.worker_a)
    response = client.generic("POST", reverse("v1:case-sync"), raw, "application/json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["idempotency_key"], r["status"], r["outcome"]) for r in results] == [
        ("off-1", 201, "created"),
        (echoed_key, 400, "error"),
    ]
    assert results[1]["body"] == {field: ["文本不能包含 NUL 字符或不成对的代理字符。"]}
    assert list(Case.objects.values_list("title", flat=True)) == ["井盖缺失"]
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["off-1"]
    again = client.generic("POST", reverse("v1:case-sync"), raw, "application/json").json()["results"]
    assert [(r["status"], r["outcome"], r["replayed"]) for r in again] == [
        (201, "replayed", True),
        (400, "error", False),
    ]
    assert again[0]["body"] == results[0]["body"]
    assert again[0]["body"]["number"] == Case.objects.get().number
    assert Case.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_two_sync_items_with_one_key_are_one_request_sent_twice(world, api, category):
    first = payload(world, category, title="井盖缺失")
    items = [
        {"idempotency_key": "dup", "case": first},
        {"idempotency_key": "dup", "case": first},
        {"idempotency_key": "dup", "case": payload(world, category, title="另一件事")},
    ]
    response = api(world.worker_a).post(reverse("v1:case-sync"), {"items": items}, format="json")
    results = response.json()["results"]
    outcomes = [(r["status"], r["outcome"]) for r in results]
    assert outcomes == [(201, "created"), (201, "replayed"), (422, "error")]
    assert results[1]["body"] == results[0]["body"]
    assert list(Case.objects.values_list("title", flat=True)) == ["井盖缺失"]


def test_sync_by_a_role_that_may_not_report_is_403(world, api, category):
    items = [{"idempotency_key": "off-1", "case": payload(world, category)}]
    assert api(world.viewer).post(reverse("v1:case-sync"), {"items": items}, format="json").status_code == 403
    assert not Case.objects.exists()


# --- reading ----------------------------------------------------------------------------


def test_worker_sees_cases_of_their_grid_and_those_they_handle(world, api, make_case):
    own = make_case()
    other_grid = make_case(grid=world.grid_a2)
    other_street = make_case(grid=world.grid_b1)
    client = api(world.worker_a)
    ids = {c["id"] for c in client.get(reverse(LIST)).json()["results"]}
    assert ids == {own.pk}
    assert client.get(detail(other_grid)).status_code == 404
    assert client.get(detail(other_street)).status_code == 404
    handled = make_case("assigned", grid=world.grid_a2)
    ids = {c["id"] for c in client.get(reverse(LIST)).json()["results"]}
    assert ids == {own.pk, handled.pk}


def test_street_admin_never_sees_another_streets_cases(world, api, make_case):
    theirs = make_case(grid=world.grid_b1, title="东城的事")
    client = api(world.admin_a)
    assert client.get(detail(theirs)).status_code == 404
    assert client.get(reverse(LIST), {"search": "东城"}).json()["count"] == 0
    assert client.get(reverse(LIST), {"street": world.street_b.pk}).json()["count"] == 0
    assert client.get(reverse(LIST), {"search": theirs.number}).json()["count"] == 0


def test_filters(world, api, make_case):
    reported = make_case()
    closed = make_case("closed", title="已结案的事")
    late = make_case("assigned", title="超期的事")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    client = api(world.admin_a)

    def ids(**params):
        return {c["id"] for c in client.get(reverse(LIST), params).json()["results"]}

    assert ids(status="closed") == {closed.pk}
    assert ids(status=["closed", "reported"]) == {closed.pk, reported.pk}
    assert ids(overdue="true") == {late.pk}
    assert ids(overdue="false") == {reported.pk, closed.pk}
    assert ids(grid=world.grid_a1.pk) == {reported.pk, closed.pk, late.pk}
    assert ids(community=world.community_a2.pk) == set()
    assert ids(reporter=world.worker_a.pk) == {reported.pk, closed.pk, late.pk}
    assert ids(search="结案") == {closed.pk}
    today = timezone.localdate().isoformat()
    assert ids(closed_after=today) == {closed.pk}
    assert ids(reported_before="2000-01-01") == set()
    numbers = [c["number"] for c in client.get(reverse(LIST), {"ordering": "number"}).json()["results"]]
    assert numbers == sorted(numbers)


def test_ordering_by_priority_follows_its_rank_not_its_spelling(world, api, make_case):
    for priority in ["high", "low", "urgent", "normal"]:
        make_case(priority=priority, title=priority)
    client = api(world.admin_a)

    def titles(ordering):
        response = client.get(reverse(LIST), {"ordering": ordering})
        assert response.status_code == 200
        return [c["title"] for c in response.json()["results"]]

    assert titles("-priority") == ["urgent", "high", "normal", "low"]
    assert titles("priority") == ["low", "normal", "high", "urgent"]
    assert titles("-priority,number")[0] == "urgent"


@pytest.mark.parametrize(
    "params",
    [
        {"status": "lost"},
        {"overdue": "maybe"},
        {"reported_after": "yesterday"},
        {"ordering": "contact_phone"},
    ],
)
def test_bad_filters_are_400_naming_the_parameter(world, api, params):
    response = api(world.admin_a).get(reverse(LIST), params)
    assert response.status_code == 400
    name = next(iter(params))
    assert any(key.startswith(name.split("_")[0]) for key in response.json())


def test_list_and_detail_query_counts_do_not_grow(world, api, make_case, django_assert_num_queries):
    client = api(world.admin_a)
    first = make_case("closed")
    client.get(reverse(LIST))  # warm-up: content types, token
    # token (with the user's scope), count, page: whatever the page size
    with django_assert_num_queries(3):
        client.get(reverse(LIST), {"page_size": 50})
    for _ in range(12):
        make_case("in_progress")
    with django_assert_num_queries(3):
        response = client.get(reverse(LIST), {"page_size": 50})
    assert response.json()["count"] == 13
    # token (with the scope), case, events, attachments, supervisions, duplicates merged into it
    with django_assert_num_queries(6):
        client.get(detail(first))
    for n in range(15):
        client.post(reverse("v1:case-comment", args=[first.pk]), {"note": f"回访 {n}"}, format="json")
    with django_assert_num_queries(6):
        long = client.get(detail(first))
    assert len(long.json()["events"]) == 6 + 15


# --- ETag and PATCH ---------------------------------------------------------------------


def test_detail_carries_an_etag_and_patch_honours_if_match(world, api, make_case):
    case = make_case("accepted")
    client = api(world.admin_a)
    etag = client.get(detail(case))["ETag"]
    assert etag == f'"{case.version}"'
    ok = client.patch(detail(case), {"title": "楼道纸箱堆放"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200
    assert ok["ETag"] == f'"{case.version + 1}"'
    stale = client.patch(detail(case), {"title": "又改"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["current_version"] == case.version + 1
    case.refresh_from_db()
    assert case.title == "楼道纸箱堆放"
    assert case.events.latest("pk").changes == {"title": ["楼道堆放杂物", "楼道纸箱堆放"]}


def test_a_stale_if_match_on_an_action_is_412_and_writes_nothing(world, api, make_case):
    case = make_case("reported")
    response = api(world.admin_a).post(
        reverse("v1:case-accept", args=[case.pk]), {}, format="json", HTTP_IF_MATCH=f'"{case.version - 1}"'
    )
    assert response.status_code == 412
    case.refresh_from_db()
    assert case.status == "reported" and case.events.count() == 1


def test_a_malformed_if_match_is_400(world, api, make_case):
    case = make_case()
    response = api(world.admin_a).patch(detail(case), {"title": "x"}, format="json", HTTP_IF_MATCH="v7")
    assert response.status_code == 400 and "If-Match" in response.json()


@pytest.mark.parametrize("field", ["status", "number", "reporter", "version", "closed_at", "due_at"])
def test_read_only_fields_cannot_be_patched(world, api, make_case, field):
    case = make_case("accepted")
    response = api(world.admin_a).patch(detail(case), {field: "x", "title": "新标题"}, format="json")
    assert response.status_code == 400 and field in response.json()
    case.refresh_from_db()
    assert case.title == "楼道堆放杂物" and case.version == 2


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"is_overdue": True, "escalation_count": 9, "title": "x"}, {"is_overdue", "escalation_count"}),
        ({"on_the_spot": True}, {"on_the_spot"}),
        ({"id": 5, "events": [], "title": "x"}, {"id", "events"}),
        ({"colour": "red", "title": "x"}, {"colour"}),
    ],
)
def test_patching_any_field_that_is_not_editable_is_400_naming_it(world, api, make_case, body, named):
    case = make_case("accepted")
    response = api(world.admin_a).patch(detail(case), body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == named
    after = Case.objects.get(pk=case.pk)
    assert (after.title, after.version, after.is_overdue, after.escalation_count) == (
        case.title,
        case.version,
        False,
        0,
    )
    assert after.events.count() == case.events.count()


def test_the_patch_input_offers_exactly_the_fields_the_service_edits():
    from cases import services
    from cases.serializers import CaseUpdateSerializer

    assert set(CaseUpdateSerializer().fields) == services.EDITABLE_FIELDS


def test_patch_masks_personal_data_in_history(world, api, make_case):
    case = make_case("accepted")
    api(world.admin_a).patch(detail(case), {"contact_phone": "13900001111"}, format="json")
    assert case.events.latest("pk").changes == {"contact_phone": ["", "139****1111"]}


def test_patch_by_the_reporter_only_while_reported(world, api, make_case):
    case = make_case()
    client = api(world.worker_a)
    assert client.patch(detail(case), {"address": "浒溪路 9 号"}, format="json").status_code == 200
    services_accept = api(world.admin_a).post(reverse("v1:case-accept", args=[case.pk]), {}, format="json")
    assert services_accept.status_code == 200
    assert client.patch(detail(case), {"address": "浒溪路 10 号"}, format="json").status_code == 403


def test_patch_a_closed_case_is_409(world, api, make_case):
    case = make_case("closed")
    response = api(world.admin_a).patch(detail(case), {"title": "改"}, format="json")
    assert response.status_code == 409
    assert response.json()["allowed_actions"] == ["comment", "feedback"]


def test_changing_the_category_recomputes_the_due_time(world, api, make_case):
    case = make_case("accepted")
    urgent = CategoryFactory(time_limit_hours=4)
    api(world.admin_a).patch(detail(case), {"category": urgent.pk}, format="json")
    case.refresh_from_db()
    assert case.due_at == case.reported_at + timedelta(hours=4)


def test_categories_are_listed_for_pickers(world, api, category):
    body = api(world.worker_a).get(reverse("v1:category-list")).json()
    assert body[0]["name"] == "乱堆乱放" and body[0]["time_limit_hours"] == 48


def test_an_unexpected_error_in_one_sync_item_is_that_items_500_and_the_others_are_kept(
    world, api, category, monkeypatch, caplog
):
    from cases import services

    real_create = services.case_create

    def create_or_crash(**kwargs):
        if kwargs["title"] == "会出错":
            real_create(**kwargs)  # the case is written, then something unexpected happens
            raise RuntimeError(f"database said: {kwargs['contact_name']} {kwargs['contact_phone']}")
        return real_create(**kwargs)

    monkeypatch.setattr(services, "case_create", create_or_crash)
    client = api(world.worker_a)
    items = [
        {"idempotency_key": "off-1", "case": payload(world, category, title="井盖缺失")},
        {"idempotency_key": "off-2", "case": payload(world, category, title="会出错")},
        {"idempotency_key": "off-3", "case": payload(world, category, title="路灯不亮")},
    ]
    with caplog.at_level("ERROR", logger="cases.views"):
        response = client.post(reverse("v1:case-sync"), {"items": items}, format="json")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["idempotency_key"], r["status"], r["outcome"]) for r in results] == [
        ("off-1", 201, "created"),
        ("off-2", 500, "error"),
        ("off-3", 201, "created"),
    ]
    assert set(results[1]["body"]) == {"detail"} and "张秀兰" not in results[1]["body"]["detail"]
    # The crashed item wrote nothing and its key is free for the phone's next attempt.
    assert sorted(Case.objects.values_list("title", flat=True)) == ["井盖缺失", "路灯不亮"]
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["off-1", "off-3"]
    # The failure is logged with the key, without the resident's data.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "off-2" in logged and "RuntimeError" in logged
    assert "张秀兰" not in logged and "13812345678" not in logged and "会出错" not in logged

    monkeypatch.setattr(services, "case_create", real_create)
    again = client.post(reverse("v1:case-sync"), {"items": items}, format="json").json()["results"]
    assert [r["outcome"] for r in again] == ["replayed", "created", "replayed"]
    assert Case.objects.count() == 3


def test_create_answers_an_etag_the_phone_can_act_with_at_once(world, api, category):
    client = api(world.admin_a)
    created = client.post(reverse(LIST), payload(world, category), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert created.status_code == 201
    assert created["ETag"] == f'"{created.json()["version"]}"'
    replayed = client.post(reverse(LIST), payload(world, category), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert replayed["ETag"] == created["ETag"]
    plain = client.post(reverse(LIST), payload(world, category), format="json")
    assert plain["ETag"] == '"1"'
    accepted = client.post(
        reverse("v1:case-accept", args=[created.json()["id"]]),
        {},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert accepted.status_code == 200 and accepted["ETag"] == '"2"'
    refused = client.post(reverse(LIST), payload(world, category, title=""), format="json")
    assert refused.status_code == 400 and "ETag" not in refused


def test_a_412_carries_the_current_etag_and_a_retry_with_it_succeeds(world, api, make_case):
    case = make_case("reported")
    client = api(world.admin_a)
    client.patch(detail(case), {"title": "楼道纸箱"}, format="json")
    stale = client.post(
        reverse("v1:case-accept", args=[case.pk]), {}, format="json", HTTP_IF_MATCH=f'"{case.version}"'
    )
    assert stale.status_code == 412
    assert stale["ETag"] == f'"{case.version + 1}"' == f'"{stale.json()["current_version"]}"'
    retried = client.post(
        reverse("v1:case-accept", args=[case.pk]), {}, format="json", HTTP_IF_MATCH=stale["ETag"]
    )
    assert retried.status_code == 200 and retried["ETag"] == f'"{case.version + 2}"'


def test_on_the_spot_steps_are_moves_of_the_workflow_table(world, api, category, monkeypatch):
    from cases import workflow
    from cases.models import Status

    # given a table in which an assigned case cannot be started
    without_start = {a: t for a, t in workflow.TRANSITIONS[Status.ASSIGNED].items() if a != "start"}
    monkeypatch.setitem(workflow.TRANSITIONS, Status.ASSIGNED, without_start)
    body = payload(world, category, on_the_spot=True, result="当场劝导住户清理完毕")
    response = api(world.worker_a).post(reverse(LIST), body, format="json")
    # then on-the-spot resolution stops where the table does, and writes nothing
    assert response.status_code == 409
    assert response.json()["code"] == "action_not_allowed"
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_on_the_spot_history_marks_the_case_at_acceptance(world, api, category):
    body = payload(world, category, on_the_spot=True, result="当场劝导住户清理完毕")
    api(world.worker_a).post(reverse(LIST), body, format="json")
    case = Case.objects.get()
    steps = [(e.action, e.from_status, e.to_status) for e in case.events.all()]
    assert steps == [
        ("report", "", "reported"),
        ("accept", "reported", "accepted"),
        ("assign", "accepted", "assigned"),
        ("start", "assigned", "in_progress"),
        ("resolve", "in_progress", "resolved"),
    ]
    assert case.events.get(action="accept").changes["on_the_spot"] == [False, True]
    assert case.version == 5


@pytest.mark.parametrize("params", [{"reported_after": "0001-01-01"}, {"due_before": "9999-12-31"}])
def test_a_period_filter_outside_the_calendar_is_400_on_the_filter(world, api, params):
    response = api(world.admin_a).get(reverse(LIST), params)
    assert response.status_code == 400
    assert list(response.json()) == [next(iter(params)).rsplit("_", 1)[0]]
