"""One label table for the actions: refusals, the admin and the history never show a code."""

import pytest
from django.urls import reverse

from cases import workflow as case_workflow
from cases.overdue import mark_overdue_step
from core.access import ACCESS
from mediation import workflow as mediation_workflow
from tests.cases.test_api_actions import post

pytestmark = pytest.mark.django_db

RECORDED_CASE_STEPS = {"report", "mark_overdue"}  # recorded, but not moves of the table


@pytest.mark.parametrize(
    ("app", "actions"),
    [
        ("cases", case_workflow.CASE_WORKFLOW.actions | RECORDED_CASE_STEPS),
        ("mediation", mediation_workflow.MEDIATION_WORKFLOW.actions | {"register"}),
    ],
)
def test_every_action_has_a_chinese_label_and_an_english_one(app, actions):
    from django.utils import translation

    assert mark_overdue_step("assigned", None).action in RECORDED_CASE_STEPS
    for action in actions:
        with translation.override("zh-hans"):
            chinese = str(ACCESS.label(app, action))
        with translation.override("en"):
            english = str(ACCESS.label(app, action))
        assert chinese != action and not chinese.isascii(), (app, action, chinese)
        assert english != action and english.isascii(), (app, action, english)


def test_a_refused_role_is_told_the_actions_label(api, world, make_case):
    case = make_case("resolved")
    response = post(api(world.worker_a), "verify", case)
    assert response.status_code == 403
    assert response.json()["detail"] == "您的角色无权对该案件执行“核查”操作。"


def test_a_move_not_allowed_now_is_told_with_labels(api, world, make_case):
    case = make_case("assigned")
    response = post(api(world.admin_a), "verify", case, {"passed": True})
    assert response.status_code == 409
    assert response.json()["detail"] == "案件处于“派遣”状态时不能执行“核查”。"
    # The codes stay where programs read them.
    assert "start" in response.json()["allowed_actions"]


def test_the_labels_follow_the_callers_language(api, world, make_case):
    case = make_case("assigned")
    response = post(api(world.admin_a), "verify", case, {"passed": True}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "“Verify” is not allowed while the case is assigned."
    response = post(api(world.worker_a), "verify", make_case("resolved"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "Your role may not take the action “Verify” on this case."


def test_the_admins_bulk_action_warning_names_the_action_in_chinese(world, client, make_case):
    world.admin_a.is_staff = True
    world.admin_a.save()
    case = make_case("assigned")
    client.force_login(world.admin_a)
    response = client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "verify_cases", "_selected_action": [case.pk]},
        follow=True,
    )
    [warning] = [str(m) for m in response.context["messages"]]
    assert warning == f"{case.number}: 案件处于“派遣”状态时不能执行“核查”。"


def test_a_mediation_refusal_names_the_action_in_chinese(api, world, make_mediation):
    mediation = make_mediation("registered")
    url = reverse("v1:mediation-case-agree", args=[mediation.pk])
    response = api(world.admin_a).post(url, {}, format="json")
    assert response.status_code == 409
    assert "“调解成功”" in response.json()["detail"] and "agree" not in response.json()["detail"]
