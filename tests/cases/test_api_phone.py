"""The grid worker's phone: `me` in filters, several statuses, `open`, "what waits for me",
and a label beside every code in the request's language."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from grids.models import GridWorker
from tests.factories import GridWorkerFactory

pytestmark = pytest.mark.django_db

LIST = "v1:case-list"
WORK = "v1:my-work"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return sorted(row["number"] for row in response.json()["results"])


# --- filters -----------------------------------------------------------------------------


def test_assignee_worker_me_lists_the_callers_cases(world, api, make_case):
    mine = make_case("assigned")
    make_case("accepted")
    GridWorkerFactory(user__username="worker-a2", street=world.street_a, grids=[world.grid_a1])
    response = api(world.worker_a).get(reverse(LIST), {"assignee_worker": "me"})
    assert numbers(response) == [mine.number]


def test_me_is_nobodys_worker_for_a_caller_who_is_no_grid_worker(world, api, make_case):
    make_case("assigned")
    response = api(world.admin_a).get(reverse(LIST), {"assignee_worker": "me"})
    assert numbers(response) == []


def test_reporter_me_lists_what_the_caller_reported(world, api, make_case):
    by_worker = make_case()  # grid A1: reported by worker A
    make_case(grid=world.grid_a2)  # reported by the admin
    assert numbers(api(world.worker_a).get(reverse(LIST), {"reporter": "ME"})) == [by_worker.number]


def test_several_statuses_comma_separated_repeated_or_both(world, api, make_case):
    assigned, in_progress, resolved = make_case("assigned"), make_case("in_progress"), make_case("resolved")
    make_case("closed")
    client = api(world.admin_a)
    comma = client.get(reverse(LIST) + "?status=assigned,in_progress")
    repeated = client.get(reverse(LIST) + "?status=assigned&status=in_progress")
    both = client.get(reverse(LIST) + "?status=assigned,in_progress&status=resolved")
    assert numbers(comma) == numbers(repeated) == sorted([assigned.number, in_progress.number])
    assert numbers(both) == sorted([assigned.number, in_progress.number, resolved.number])


def test_open_true_and_false(world, api, make_case):
    open_cases = [make_case(), make_case("resolved")]
    finished = [make_case("closed"), make_case("rejected")]
    client = api(world.admin_a)
    assert numbers(client.get(reverse(LIST), {"open": "true"})) == sorted(c.number for c in open_cases)
    assert numbers(client.get(reverse(LIST), {"open": "false"})) == sorted(c.number for c in finished)


def test_a_queue_filter_lists_the_queues_cases(world, api, make_case):
    reported = make_case()
    make_case("accepted")
    assert numbers(api(world.admin_a).get(reverse(LIST), {"queue": "to_accept"})) == [reported.number]


@pytest.mark.parametrize(
    "params, named",
    [
        ({"assignee_worker": "you"}, "assignee_worker"),
        ({"reporter": "me,1"}, "reporter"),
        ({"status": "assigned,done"}, "status"),
        ({"open": "yes"}, "open"),
        ({"queue": "mine"}, "queue"),
    ],
)
def test_bad_phone_filters_are_400_naming_the_parameter(world, api, params, named):
    response = api(world.worker_a).get(reverse(LIST), params)
    assert response.status_code == 400 and named in response.json()


def test_me_stays_within_the_callers_territory(world, api, make_case):
    """Worker B's `me` finds nothing of street A, even a case once assigned to them there."""
    make_case("assigned")
    response = api(world.worker_b).get(reverse(LIST), {"assignee_worker": "me", "open": "true"})
    assert numbers(response) == []


def test_reporter_me_stays_within_the_callers_territory(world, api, make_case):
    """Street B's admin, asking for the cases they reported, finds none of street A's."""
    make_case("reported")
    response = api(world.admin_b).get(reverse(LIST), {"reporter": "me"})
    assert response.status_code == 200 and numbers(response) == []


def test_my_work_needs_a_signed_in_user(api):
    assert api().get("/api/v1/me/work/").status_code == 401


# --- what waits for me -------------------------------------------------------------------------


def test_my_work_counts_a_workers_open_cases_by_status(world, api, make_case):
    make_case("assigned")
    late = make_case("in_progress")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    make_case("closed")
    make_case()  # reported by the worker, waiting for the centre
    response = api(world.worker_a).get(reverse(WORK), **ZH)
    assert response.status_code == 200
    body = response.json()
    assigned = body["assigned_to_me"]
    assert (assigned["open"], assigned["overdue"]) == (2, 1)
    counts = {row["status"]: (row["count"], row["status_label"]) for row in assigned["by_status"]}
    assert counts["assigned"] == (1, "派遣") and counts["in_progress"][0] == 1
    assert counts["reported"][0] == 0
    assert assigned["cases"].endswith(reverse(LIST) + "?assignee_worker=me&open=true")
    # Every case of grid A1 was reported by worker A; the closed one is not open.
    assert body["reported_by_me"]["open"] == 3
    assert body["queues"] == []  # a grid worker takes none of the centre's steps


def test_my_work_gives_the_centre_its_queues(world, api, make_case):
    make_case(), make_case(), make_case("accepted"), make_case("resolved")
    make_case(grid=world.grid_b1)  # street B: not admin A's
    body = api(world.admin_a).get(reverse(WORK), **ZH).json()
    queues = {row["queue"]: (row["count"], row["label"]) for row in body["queues"]}
    assert queues["to_accept"] == (2, "待立案")
    assert queues["to_dispatch"][0] == 1 and queues["to_verify"][0] == 1
    to_accept = next(row for row in body["queues"] if row["queue"] == "to_accept")
    listed = api(world.admin_a).get(to_accept["cases"]).json()
    assert listed["count"] == 2
    assert body["assigned_to_me"]["open"] == 0


def test_my_work_in_another_territory_counts_nothing_of_street_a(world, api, make_case):
    make_case(), make_case("assigned")
    body = api(world.admin_b).get(reverse(WORK)).json()
    assert {row["queue"]: row["count"] for row in body["queues"]}["to_accept"] == 0
    assert body["assigned_to_me"]["open"] == body["reported_by_me"]["open"] == 0


def test_my_work_for_a_caller_without_a_role_is_403(world, api):
    assert api(world.nobody).get(reverse(WORK)).status_code == 403


def test_my_work_takes_no_parameters(world, api):
    response = api(world.worker_a).get(reverse(WORK), {"status": "assigned"})
    assert response.status_code == 400 and "status" in response.json()


def test_my_work_is_four_queries_for_the_centre(world, api, make_case, django_assert_max_num_queries):
    make_case()
    client = api(world.admin_a)
    client.get(reverse(WORK))  # the session and the scope
    with django_assert_max_num_queries(8):
        assert client.get(reverse(WORK)).status_code == 200


# --- labels beside codes --------------------------------------------------------------------------


def test_a_case_carries_a_label_beside_every_code_in_the_requests_language(world, api, make_case):
    case = make_case("closed")
    client = api(world.admin_a)
    client.post(reverse("v1:case-feedback", args=[case.pk]), {"satisfaction": "satisfied"}, format="json")
    case = make_case("resolved")
    zh = client.get(reverse("v1:case-detail", args=[case.pk]), **ZH).json()
    assert (zh["status"], zh["status_label"]) == ("resolved", "已处置待核查")
    labels = {
        name: zh[f"{name}_label"] for name in ("kind", "status", "priority", "triage", "level", "source")
    }
    assert all(label and label != zh[name] for name, label in labels.items()), labels
    assert zh["allowed_action_labels"]["verify"] == "核查"
    assert set(zh["allowed_action_labels"]) == set(zh["allowed_actions"])
    assert zh["satisfaction"] == "" and zh["satisfaction_label"] == ""
    event = zh["events"][0]
    assert (event["action"], event["action_label"]) == ("report", "上报")
    assert (event["to_status"], event["to_status_label"]) == ("reported", "上报")
    en = client.get(reverse("v1:case-detail", args=[case.pk]), **EN).json()
    assert en["status_label"] == "resolved, awaiting verification"
    assert en["allowed_action_labels"]["verify"] == "Verify"


def test_the_list_labels_each_row_and_the_satisfaction_once_given(world, api, make_case):
    case = make_case("closed")
    client = api(world.admin_a)
    client.post(reverse("v1:case-feedback", args=[case.pk]), {"satisfaction": "satisfied"}, format="json")
    row = client.get(reverse(LIST), **ZH).json()["results"][0]
    assert row["status_label"] == "结案" and row["priority_label"] == "一般"
    detail = client.get(reverse("v1:case-detail", args=[case.pk]), **ZH).json()
    assert detail["satisfaction_label"] == "满意"


def test_categories_carry_labels(world, api, category):
    row = api(world.worker_a).get(reverse("v1:category-list"), **ZH).json()[0]
    assert row["default_triage_label"] == "小事（村社区或网格办理）"
    assert row["default_level_label"] == "网格"


def test_actor_name_and_me_give_the_persons_real_name(world, api, make_case):
    GridWorker.objects.filter(user=world.worker_a).update(name="赵红红")
    case = make_case()
    event = api(world.admin_a).get(reverse("v1:case-detail", args=[case.pk])).json()["events"][0]
    assert event["actor_name"] == "赵红红" and event["actor"] == world.worker_a.pk
    me = api(world.worker_a).get(reverse("v1:me")).json()
    assert (me["username"], me["name"]) == ("worker-a", "赵红红")


def test_overdue_is_now_and_is_overdue_the_lasting_mark_of_a_late_closed_case(world, api, make_case):
    case = make_case("closed")
    Case.objects.filter(pk=case.pk).update(due_at=case.closed_at - timedelta(hours=2), is_overdue=True)
    row = api(world.admin_a).get(reverse(LIST)).json()["results"][0]
    assert (row["overdue"], row["is_overdue"]) == (False, True)


def test_the_detail_with_labels_keeps_its_query_count(world, api, make_case, django_assert_num_queries):
    case = make_case("resolved")
    client = api(world.admin_a)
    client.get(reverse("v1:case-detail", args=[case.pk]))
    # token (with the scope), case, events (with their actors' worker rows), attachments,
    # supervisions, duplicates: the labels add none
    with django_assert_num_queries(6):
        client.get(reverse("v1:case-detail", args=[case.pk]))
