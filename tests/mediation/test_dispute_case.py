"""The dispute case and its mediation cannot diverge: the case moves with the mediation.

Everything here goes through the API in English, so that the exact history notes and refusal
messages are asserted whatever the Chinese catalogue says.
"""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Case, CaseEvent
from mediation.models import MediationCase
from tests.factories import MediationCaseFactory
from tests.mediation.conftest import parties

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TODAY = timezone.localdate


def post(client, path, body=None, **headers):
    return client.post(path, body or {}, format="json", **EN, **headers)


def case_url(case_id, action=""):
    return f"/api/v1/cases/{case_id}/{action + '/' if action else ''}"


def mediation_url(mediation_id, action):
    return f"/api/v1/mediation/cases/{mediation_id}/{action}/"


def history(case_id):
    return list(
        CaseEvent.objects.filter(case_id=case_id).order_by("pk").values_list("action", "to_status", "note")
    )


def snapshot(case_id):
    case = Case.objects.get(pk=case_id)
    return case.status, case.version, case.assignee_unit, CaseEvent.objects.filter(case_id=case_id).count()


HELD = ["attach", "comment", "extend", "update"]  # what the centre may still do with a held case


@pytest.mark.parametrize(
    ("status", "case_status", "label", "action", "body"),
    [
        ("registered", "assigned", "registered", "assign", {"unit": "街道司法所"}),
        ("registered", "assigned", "registered", "start", {"note": "自行处置"}),
        ("registered", "assigned", "registered", "escalate", {"reason": "提级处置"}),
        ("mediating", "in_progress", "mediating", "resolve", {"result": "已处理"}),
        ("mediating", "in_progress", "mediating", "escalate", {"reason": "提级处置"}),
        ("failed", "in_progress", "mediation failed", "resolve", {"result": "已处理"}),
        ("failed", "in_progress", "mediation failed", "escalate", {"reason": "提级处置"}),
    ],
)
def test_the_centre_cannot_move_a_dispute_case_its_mediation_holds(
    api, world, make_mediation, status, case_status, label, action, body
):
    mediation = make_mediation(status)
    before = snapshot(mediation.case_id)
    assert before[0] == case_status
    response = post(api(world.admin_a), case_url(mediation.case_id, action), body)
    assert response.status_code == 409, response.json()
    assert response.json() == {
        "detail": f"The dispute is in mediation (mediation case {mediation.pk}, {label}): "
        "it moves only with the mediation's actions.",
        "code": "action_not_allowed",
        "allowed_actions": HELD,
    }
    assert snapshot(mediation.case_id) == before
    detail = api(world.admin_a).get(case_url(mediation.case_id), **EN).json()
    assert detail["allowed_actions"] == HELD


@pytest.mark.parametrize(
    ("status", "action", "body", "case_status"),
    [
        ("registered", "start", {"note": "约定周三调解"}, "in_progress"),
        (
            "mediating",
            "agree",
            {"form": "written", "content": "赔偿 800 元", "signed_on": "TODAY"},
            "resolved",
        ),
        ("failed", "refer", {"to": "court", "note": "引导诉讼"}, "resolved"),
    ],
)
def test_after_the_refusal_the_mediation_still_moves_the_case(
    api, world, roster, make_mediation, status, action, body, case_status
):
    mediation = make_mediation(status)
    post(api(world.admin_a), case_url(mediation.case_id, "resolve"), {"result": "已处理"})
    body = {k: TODAY().isoformat() if v == "TODAY" else v for k, v in body.items()}
    response = post(api(roster.gold_a.user), mediation_url(mediation.pk, action), body)
    assert response.status_code == 200, response.json()
    assert response.json()["case_status"] == case_status


def test_an_agreed_mediation_walks_the_dispute_case_to_resolved_and_the_centre_closes_it(
    api, world, roster, make_case
):
    case = make_case("accepted", kind="dispute", title="邻里漏水纠纷")
    admin, lead = api(world.admin_a), api(roster.gold_a.user)
    body = {
        "case": case.pk,
        "level": "community",
        "dispute_type": "neighbourhood",
        "lead_mediator": roster.gold_a.pk,
        "room": roster.room_a.pk,
        "parties": parties(),
    }
    created = post(admin, "/api/v1/mediation/cases/", body)
    assert created.status_code == 201, created.json()
    mediation_id = created.json()["id"]
    assert history(case.pk)[-1] == ("assign", "assigned", "")
    assert Case.objects.get(pk=case.pk).assignee_unit == "People's mediation: 浒溪金牌调解室"
    assert post(lead, mediation_url(mediation_id, "start")).status_code == 200
    agreement = {"form": "written", "content": "赔偿维修费 800 元", "signed_on": TODAY().isoformat()}
    assert post(lead, mediation_url(mediation_id, "agree"), agreement).status_code == 200
    assert history(case.pk)[2:] == [
        ("assign", "assigned", ""),
        ("start", "in_progress", "Mediation started."),
        ("resolve", "resolved", f"Mediation succeeded: written agreement, signed on {TODAY()}."),
    ]
    closed = post(admin, case_url(case.pk, "verify"), {"passed": True, "note": "核查通过"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert MediationCase.objects.get(pk=mediation_id).status == "agreed"


def test_a_failed_mediation_comments_on_the_case_and_keeps_holding_it(api, world, roster, make_mediation):
    mediation = make_mediation("mediating")
    response = post(api(roster.gold_a.user), mediation_url(mediation.pk, "fail"), {"reason": "双方分歧较大"})
    assert response.status_code == 200
    assert response.json()["case_status"] == "in_progress"
    assert history(mediation.case_id)[-1] == ("comment", "in_progress", "Mediation failed: 双方分歧较大")
    refused = post(api(world.admin_a), case_url(mediation.case_id, "resolve"), {"result": "已处理"})
    assert refused.status_code == 409


def test_verify_failed_is_refused_for_a_dispute_settled_by_a_mediation_agreement(api, world, make_mediation):
    mediation = make_mediation("agreed")
    before = snapshot(mediation.case_id)
    assert before[0] == "resolved"
    response = post(
        api(world.admin_a), case_url(mediation.case_id, "verify"), {"passed": False, "note": "未履行"}
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"The dispute was settled by the agreement of mediation case {mediation.pk}: it is not "
        "sent back for rework. Record whether the parties perform it as the mediation's follow-up visits.",
        "code": "action_not_allowed",
        "allowed_actions": ["attach", "comment", "extend", "verify"],
    }
    assert snapshot(mediation.case_id) == before
    assert MediationCase.objects.get(pk=mediation.pk).status == "agreed"
    assert (
        post(api(world.admin_a), case_url(mediation.case_id, "verify"), {"passed": True}).status_code == 200
    )
    assert Case.objects.get(pk=mediation.case_id).status == "closed"


def test_verify_failed_of_a_referral_sends_the_case_back_to_the_centre(api, world, roster, make_mediation):
    """A referral ends the mediation for good: rework then belongs to the centre alone."""
    mediation = make_mediation("failed")
    assert (
        post(api(roster.gold_a.user), mediation_url(mediation.pk, "refer"), {"to": "court"}).status_code
        == 200
    )
    admin = api(world.admin_a)
    response = post(admin, case_url(mediation.case_id, "verify"), {"passed": False, "note": "未告知当事人"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "assigned" and response.json()["rework_count"] == 1
    assert post(admin, case_url(mediation.case_id, "assign"), {"unit": "街道司法所"}).status_code == 200
    assert MediationCase.objects.get(pk=mediation.pk).status == "failed"


# --- after a withdrawal -------------------------------------------------------------------------


def _register(client, case, roster, **overrides):
    body = {
        "case": case.pk,
        "level": "community",
        "dispute_type": "neighbourhood",
        "lead_mediator": roster.gold_a.pk,
        "room": roster.room_a.pk,
        "parties": parties(),
        **overrides,
    }
    return post(client, "/api/v1/mediation/cases/", body)


def test_a_withdrawal_hands_the_case_to_the_centre_which_closes_it(api, world, roster, make_mediation):
    mediation = make_mediation("mediating")
    response = post(
        api(roster.gold_a.user), mediation_url(mediation.pk, "withdraw"), {"reason": "双方自行和解"}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["case_status"]) == ("withdrawn", "resolved")
    assert history(mediation.case_id)[-1] == ("resolve", "resolved", "Mediation withdrawn: 双方自行和解")
    closed = post(api(world.admin_a), case_url(mediation.case_id, "verify"), {"passed": True})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_after_a_withdrawal_the_dispute_can_be_mediated_again(api, world, roster, make_mediation):
    first = make_mediation("registered")
    admin = api(world.admin_a)
    assert (
        post(api(roster.gold_a.user), mediation_url(first.pk, "withdraw"), {"reason": "换调解室"}).status_code
        == 200
    )
    # The centre sends the case back (rework) and registers it again, in the street's room.
    again = post(admin, case_url(first.case_id, "verify"), {"passed": False, "note": "转街道调解"})
    assert again.status_code == 200 and again.json()["status"] == "assigned"
    response = _register(admin, first.case, roster, level="street", room=roster.room_a_street.pk)
    assert response.status_code == 201, response.json()
    second = MediationCase.objects.get(pk=response.json()["id"])
    assert list(
        MediationCase.objects.filter(case=first.case).order_by("pk").values_list("status", flat=True)
    ) == [
        "withdrawn",
        "registered",
    ]
    case = Case.objects.get(pk=first.case_id)
    assert (case.status, case.assignee_unit) == ("assigned", "People's mediation: 圣泉街道调解室")
    assert history(case.pk)[-1] == ("assign", "assigned", "")
    # One mediation at a time: while the second one is open, a third registration is refused.
    third = _register(admin, first.case, roster)
    assert third.status_code == 409
    assert MediationCase.objects.filter(case=first.case).count() == 2
    assert second.status == "registered"


def test_the_database_allows_one_mediation_per_case_unless_withdrawn(world, roster, make_mediation):
    mediation = make_mediation("withdrawn")
    MediationCaseFactory(case=mediation.case, lead_mediator=roster.gold_a, registered_by=world.admin_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        MediationCaseFactory(case=mediation.case, lead_mediator=roster.gold_a, registered_by=world.admin_a)
