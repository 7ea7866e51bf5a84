"""Each action over HTTP: success, bad input, wrong role, wrong territory, wrong moment."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent
from grids.models import GridWorker
from tests.factories import GridWorkerFactory

pytestmark = pytest.mark.django_db


def post(client, action, case, body=None, **headers):
    return client.post(reverse(f"v1:case-{action}", args=[case.pk]), body or {}, format="json", **headers)


def worker_id(world, who="worker_a"):
    return GridWorker.objects.get(user=getattr(world, who)).pk


def in_two_days():
    return (timezone.now() + timedelta(days=20)).isoformat()


# action: (status it needs, a valid body, a bad body and the field it names)
ACTIONS = {
    "accept": ("reported", {"triage": "big", "level": "street"}, {"level": "galaxy"}, "level"),
    "reject": ("reported", {"reason": "重复上报"}, {"reason": ""}, "reason"),
    "assign": ("accepted", {"worker": "A"}, {"unit": ""}, "worker"),
    "start": ("assigned", {"note": "已到现场"}, None, None),
    "resolve": ("in_progress", {"result": "已清理"}, {"result": ""}, "result"),
    "verify": ("resolved", {"passed": True}, {"passed": False}, "note"),
    "escalate": ("in_progress", {"reason": "需街道协调"}, {}, "reason"),
    "extend": (
        "assigned",
        {"due_at": "LATER", "reason": "等待配件"},
        {"due_at": "soon", "reason": "x"},
        "due_at",
    ),
    "comment": ("closed", {"note": "回访满意"}, {"note": ""}, "note"),
    "feedback": ("closed", {"satisfaction": "satisfied"}, {"satisfaction": "great"}, "satisfaction"),
}


def body_for(world, body):
    body = dict(body)
    if body.get("worker") == "A":
        body["worker"] = worker_id(world)
    if body.get("due_at") == "LATER":
        body["due_at"] = in_two_days()
    return body


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_street_admin_takes_each_action(world, api, make_case, action):
    status, good, _bad, _field = ACTIONS[action]
    case = make_case(status)
    response = post(api(world.admin_a), action, case, body_for(world, good))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["version"] == case.version + 1
    assert response["ETag"] == f'"{case.version + 1}"'
    assert body["events"][-1]["action"] == action
    assert body["events"][-1]["actor"] == world.admin_a.pk
    assert CaseEvent.objects.filter(case=case, action=action).count() == 1


@pytest.mark.parametrize("action", sorted(a for a in ACTIONS if ACTIONS[a][2] is not None))
def test_bad_input_is_400_naming_the_field_and_writes_nothing(world, api, make_case, action):
    status, _good, bad, field = ACTIONS[action]
    case = make_case(status)
    response = post(api(world.admin_a), action, case, bad)
    assert response.status_code == 400
    assert field in response.json()
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.version) == (case.status, case.version)
    assert after.events.count() == case.events.count()


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_another_streets_admin_gets_404(world, api, make_case, action):
    status, good, _bad, _field = ACTIONS[action]
    case = make_case(status)
    assert post(api(world.admin_b), action, case, body_for(world, good)).status_code == 404
    assert Case.objects.get(pk=case.pk).version == case.version


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_district_viewer_gets_403(world, api, make_case, action):
    status, good, _bad, _field = ACTIONS[action]
    case = make_case(status)
    assert post(api(world.viewer), action, case, body_for(world, good)).status_code == 403
    assert Case.objects.get(pk=case.pk).version == case.version


@pytest.mark.parametrize("action", ["accept", "reject", "assign", "verify", "escalate", "extend"])
def test_grid_workers_do_not_dispatch(world, api, make_case, action):
    status, good, _bad, _field = ACTIONS[action]
    case = make_case(status)
    response = post(api(world.worker_a), action, case, body_for(world, good))
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).version == case.version


def test_only_the_assigned_worker_starts_and_resolves(world, api, make_case):
    case = make_case("assigned")
    colleague = GridWorkerFactory(
        user__username="colleague", street=world.street_a, grids=[world.grid_a1]
    ).user
    assert post(api(colleague), "start", case).status_code == 403
    assert post(api(world.worker_a), "start", case).status_code == 200
    assert post(api(colleague), "resolve", case, {"result": "已处理"}).status_code == 403
    assert post(api(world.worker_a), "resolve", case, {"result": "已处理"}).status_code == 200


def test_an_action_not_allowed_now_is_409_naming_the_allowed_ones(world, api, make_case):
    case = make_case("reported")
    response = post(api(world.admin_a), "resolve", case, {"result": "已处理"})
    assert response.status_code == 409
    assert response.json()["code"] == "action_not_allowed"
    assert response.json()["allowed_actions"] == [
        "accept",
        "attach",
        "comment",
        "extend",
        "merge",
        "reject",
        "update",
    ]
    assert Case.objects.get(pk=case.pk).version == case.version


def test_community_staff_dispatch_community_cases_but_not_street_ones(world, api, make_case):
    grid_case = make_case("reported")
    assert post(api(world.staff_a), "accept", grid_case).status_code == 200
    street_case = make_case("accepted", level="street")
    assert post(api(world.staff_a), "assign", street_case, {"worker": worker_id(world)}).status_code == 403
    assert post(api(world.staff_a), "comment", street_case, {"note": "社区已知悉"}).status_code == 200


def test_assigning_a_worker_of_another_street_is_400(world, api, make_case):
    case = make_case("accepted")
    response = post(api(world.superuser), "assign", case, {"worker": worker_id(world, "worker_b")})
    assert response.status_code == 400 and "worker" in response.json()
    assert Case.objects.get(pk=case.pk).status == "accepted"


def test_assign_to_a_named_unit(world, api, make_case):
    case = make_case("accepted", level="street")
    response = post(api(world.admin_a), "assign", case, {"unit": "区城市管理局"})
    assert response.json()["assignee_unit"] == "区城市管理局"
    assert response.json()["assignee_worker"] is None


def test_verify_failed_needs_a_note_and_raises_the_rework_count(world, api, make_case):
    case = make_case("resolved")
    response = post(api(world.admin_a), "verify", case, {"passed": False, "note": "仍有杂物"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rework_count"]) == ("assigned", 1)


def test_extend_must_move_the_due_time_later(world, api, make_case):
    case = make_case("assigned")
    earlier = (case.due_at - timedelta(hours=1)).isoformat()
    response = post(api(world.admin_a), "extend", case, {"due_at": earlier, "reason": "x"})
    assert response.status_code == 400 and "due_at" in response.json()


def test_feedback_twice_is_409(world, api, make_case):
    case = make_case("closed")
    client = api(world.worker_a)
    assert post(client, "feedback", case, {"satisfaction": "satisfied"}).status_code == 200
    again = post(client, "feedback", case, {"satisfaction": "dissatisfied"})
    assert again.status_code == 409
    assert "feedback" not in again.json()["allowed_actions"]


def test_unauthenticated_action_is_401(world, api, make_case):
    case = make_case()
    assert post(api(), "accept", case).status_code == 401


def test_actions_on_a_case_that_does_not_exist_are_404(world, api):
    response = api(world.admin_a).post(reverse("v1:case-accept", args=[999999]), {}, format="json")
    assert response.status_code == 404


# Names in allowed_actions that are not /<action>/ endpoints, as the README documents them.
NOT_ACTION_ENDPOINTS = {"update": ("patch", "v1:case-detail"), "attach": ("post", "v1:case-attachments")}


def test_every_allowed_action_name_leads_to_an_endpoint(world, api, make_case):
    from django.urls import NoReverseMatch

    from cases import workflow

    case = make_case()
    for name in sorted(workflow.ACTIONS):
        if name in NOT_ACTION_ENDPOINTS:
            method, route = NOT_ACTION_ENDPOINTS[name]
            with pytest.raises(NoReverseMatch):
                reverse(f"v1:case-{name}", args=[case.pk])
            answer = getattr(api(world.admin_a), method)(reverse(route, args=[case.pk]), {}, format="json")
            assert answer.status_code == 400  # the endpoint exists; the empty body is refused
        else:
            assert reverse(f"v1:case-{name}", args=[case.pk]).endswith(f"/{name}/")


def test_a_409_names_the_same_actions_as_the_detail(world, api, make_case):
    case = make_case("assigned")
    client = api(world.staff_a)
    detail = client.get(reverse("v1:case-detail", args=[case.pk])).json()
    refused = post(client, "verify", case, {"passed": True})
    assert refused.status_code == 409
    assert refused.json()["allowed_actions"] == detail["allowed_actions"]
    assert "update" in detail["allowed_actions"] and "attach" in detail["allowed_actions"]


WRONG_MOMENT = {  # action: a status in which the table does not allow it
    "accept": "closed",
    "reject": "assigned",
    "assign": "reported",
    "start": "accepted",
    "resolve": "assigned",
    "verify": "in_progress",
    "escalate": "resolved",
    "extend": "closed",
    "comment": None,
    "feedback": "resolved",
}


@pytest.mark.parametrize(
    "action", sorted(a for a in ACTIONS if WRONG_MOMENT[a] and ACTIONS[a][2] is not None)
)
def test_an_action_not_allowed_now_is_409_whatever_the_body_says(world, api, make_case, action):
    # Given a case in a status that does not allow the action
    case = make_case(WRONG_MOMENT[action])
    _status, _good, bad, _field = ACTIONS[action]
    # When the centre sends it with a bad body
    response = post(api(world.admin_a), action, case, bad)
    # Then the move is refused before the body is read, as in mediation, and nothing is written
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "action_not_allowed"
    assert action not in response.json()["allowed_actions"]
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.version, after.events.count()) == (
        case.status,
        case.version,
        case.events.count(),
    )


def test_a_stale_if_match_is_412_before_the_body_is_read(world, api, make_case):
    case = make_case("reported")
    response = post(
        api(world.admin_a), "reject", case, {"reason": ""}, HTTP_IF_MATCH=f'"{case.version - 1 or 99}"'
    )
    assert response.status_code == 412
    assert response.json()["current_version"] == case.version


def test_an_extension_beyond_the_configured_horizon_is_400_and_writes_nothing(
    world, api, make_case, settings
):
    settings.CASE_EXTENSION_MAX_DAYS = 30
    case = make_case("assigned")
    too_far = (timezone.now() + timedelta(days=31)).isoformat()
    response = post(api(world.admin_a), "extend", case, {"due_at": too_far, "reason": "等待配件"})
    assert response.status_code == 400 and "due_at" in response.json()
    assert Case.objects.get(pk=case.pk).version == case.version
    within = (timezone.now() + timedelta(days=29)).isoformat()
    assert (
        post(api(world.admin_a), "extend", case, {"due_at": within, "reason": "等待配件"}).status_code == 200
    )
