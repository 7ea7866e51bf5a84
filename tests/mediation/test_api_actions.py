"""Each mediation action over HTTP: success, bad input, wrong role, wrong territory, wrong moment."""

import datetime

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent
from mediation import workflow
from mediation.models import (
    Agreement,
    FollowUp,
    JudicialConfirmation,
    MediationCase,
    MediationEvent,
    MediationStatus,
    Session,
)

pytestmark = pytest.mark.django_db
# Days are named here and given when a test runs: a run that crosses midnight (in the service's
# zone) must send that day's date, not the one the module was read on.
TODAY, TOMORROW = "TODAY", "TOMORROW"


def url(mediation, action):
    return f"/api/v1/mediation/cases/{mediation.pk}/{action}/"


# action: (status it needs, a valid body, a bad body, the field the 400 names)
ACTIONS = {
    "start": ("registered", {"note": "约定周三调解"}, {"note": {"when": "周三"}}, "note"),
    "session": (
        "mediating",
        {"held_on": TODAY, "place": "浒溪金牌调解室", "attendees": "双方当事人"},
        {"held_on": TOMORROW, "place": "浒溪金牌调解室", "attendees": "双方当事人"},
        "held_on",
    ),
    "agree": (
        "mediating",
        {"form": "written", "content": "赔偿维修费 800 元", "signed_on": TODAY},
        {"form": "spoken", "content": "赔偿维修费 800 元", "signed_on": TODAY},
        "form",
    ),
    "fail": ("mediating", {"reason": "双方分歧较大"}, {"reason": ""}, "reason"),
    "withdraw": ("mediating", {"reason": "申请人撤回"}, {}, "reason"),
    "escalate": (
        "mediating",
        {"reason": "社区调解未果", "room": "STREET_ROOM"},
        {"reason": "x", "room": "ROOM"},
        "room",
    ),
    "refer": ("failed", {"to": "court", "note": "引导诉讼"}, {"to": "heaven"}, "to"),
    "confirm": (
        "agreed",
        {"applied_on": TODAY, "result": "confirmed", "court": "江津区人民法院"},
        {"applied_on": TODAY, "result": "maybe", "court": "江津区人民法院"},
        "result",
    ),
    "follow-up": (
        "agreed",
        {"visited_on": TODAY, "performance": "fulfilled"},
        {"visited_on": TODAY, "performance": "mostly"},
        "performance",
    ),
}


def body_for(roster, body):
    today = timezone.localdate()
    named = {
        "STREET_ROOM": roster.room_a_street.pk,
        "ROOM": roster.room_a.pk,
        TODAY: today.isoformat(),
        TOMORROW: (today + datetime.timedelta(days=1)).isoformat(),
    }
    return {key: named.get(value, value) if isinstance(value, str) else value for key, value in body.items()}


def state(mediation):
    """Everything an action may write, to show that a refusal wrote nothing."""
    m = MediationCase.objects.get(pk=mediation.pk)
    case = Case.objects.get(pk=m.case_id)
    return {
        "mediation": (m.status, m.version, m.level, m.room_id, m.referral),
        "case": (case.status, case.version),
        "rows": (
            MediationEvent.objects.filter(mediation=m).count(),
            CaseEvent.objects.filter(case=case).count(),
            Session.objects.filter(mediation=m).count(),
            Agreement.objects.filter(mediation=m).count(),
            JudicialConfirmation.objects.filter(agreement__mediation=m).count(),
            FollowUp.objects.filter(mediation=m).count(),
        ),
    }


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_the_lead_mediator_takes_each_action(api, roster, make_mediation, action):
    status, good, _bad, _field = ACTIONS[action]
    mediation = make_mediation(status)
    response = api(roster.gold_a.user).post(url(mediation, action), body_for(roster, good), format="json")
    assert response.status_code == 200, response.data
    body = response.data
    assert body["version"] == mediation.version + 1 and response["ETag"] == f'"{mediation.version + 1}"'
    assert body["status"] == workflow.TRANSITIONS[status][action][0]
    last = body["events"][-1]
    assert (last["action"], last["actor"], last["from_status"]) == (action, roster.gold_a.user.pk, status)
    assert MediationEvent.objects.filter(mediation=mediation, action=action).count() == 1


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_bad_input_is_400_naming_the_field_and_writes_nothing(api, roster, make_mediation, action):
    status, _good, bad, field = ACTIONS[action]
    mediation = make_mediation(status)
    before = state(mediation)
    response = api(roster.gold_a.user).post(url(mediation, action), body_for(roster, bad), format="json")
    assert response.status_code == 400, response.data
    assert list(response.data) == [field]
    assert state(mediation) == before


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("who", ["worker_a", "viewer"])
def test_a_role_that_sees_the_mediation_but_may_not_act_gets_403(
    api, world, roster, make_mediation, action, who
):
    status, good, _bad, _field = ACTIONS[action]
    mediation = make_mediation(status)
    before = state(mediation)
    response = api(getattr(world, who)).post(url(mediation, action), body_for(roster, good), format="json")
    assert response.status_code == 403
    assert state(mediation) == before


@pytest.mark.parametrize("action", ["escalate", "refer"])
def test_an_assisting_mediator_may_not_escalate_or_refer(api, roster, make_mediation, action):
    status, good, _bad, _field = ACTIONS[action]
    mediation = make_mediation(status)
    before = state(mediation)
    response = api(roster.ordinary_a.user).post(url(mediation, action), body_for(roster, good), format="json")
    assert response.status_code == 403
    assert state(mediation) == before


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("who", ["admin_b", "mediator_b"])
def test_another_street_gets_404(api, world, roster, make_mediation, action, who):
    status, good, _bad, _field = ACTIONS[action]
    mediation = make_mediation(status)
    before = state(mediation)
    user = roster.mediator_b.user if who == "mediator_b" else world.admin_b
    response = api(user).post(url(mediation, action), body_for(roster, good), format="json")
    assert response.status_code == 404
    assert state(mediation) == before


# --- the complement of the transition table: every action not allowed in every status --------------

STATUSES = ["registered", "mediating", "failed", "agreed", "withdrawn"]
# What the centre may do in each status (an agreed mediation here has a written agreement).
ALLOWED_FOR_THE_CENTRE = {
    "registered": ["escalate", "start", "withdraw"],
    "mediating": ["agree", "escalate", "fail", "session", "withdraw"],
    "failed": ["escalate", "refer"],
    "agreed": ["confirm", "follow-up"],
    "withdrawn": [],
}
FORBIDDEN = [
    (status, action)
    for status in STATUSES
    for action in sorted(ACTIONS)
    if action not in workflow.TRANSITIONS[status]
]


def test_the_table_covers_every_status_and_every_action():
    assert set(workflow.TRANSITIONS) == set(MediationStatus.values) == set(STATUSES)
    assert set(workflow.ACTIONS) - {"register"} == set(ACTIONS)
    assert {s: sorted(moves) for s, moves in workflow.TRANSITIONS.items()} == ALLOWED_FOR_THE_CENTRE
    assert len(FORBIDDEN) == 5 * 9 - sum(len(moves) for moves in workflow.TRANSITIONS.values())


@pytest.mark.parametrize(("status", "action"), FORBIDDEN)
def test_an_action_outside_the_table_is_409_naming_what_is_allowed_and_writes_nothing(
    api, world, roster, make_mediation, status, action
):
    mediation = make_mediation(status)
    before = state(mediation)
    _status, good, _bad, _field = ACTIONS[action]
    response = api(world.admin_a).post(url(mediation, action), body_for(roster, good), format="json")
    assert response.status_code == 409, response.data
    assert response.data["code"] == "action_not_allowed"
    assert response.data["allowed_actions"] == ALLOWED_FOR_THE_CENTRE[status]
    assert state(mediation) == before


# The README's diagram, written out by hand with where each move leads.
README_MOVES = {
    ("registered", "start"): ("mediating",),
    ("registered", "withdraw"): ("withdrawn",),
    ("registered", "escalate"): ("registered",),
    ("mediating", "session"): ("mediating",),
    ("mediating", "agree"): ("agreed",),
    ("mediating", "fail"): ("failed",),
    ("mediating", "withdraw"): ("withdrawn",),
    ("mediating", "escalate"): ("registered",),
    ("failed", "escalate"): ("registered",),
    ("failed", "refer"): ("failed",),
    ("agreed", "confirm"): ("agreed",),
    ("agreed", "follow-up"): ("agreed",),
}


def test_the_table_is_the_readmes_diagram():
    table = {
        (status, action): targets
        for status, moves in workflow.TRANSITIONS.items()
        for action, targets in moves.items()
    }
    assert table == README_MOVES
