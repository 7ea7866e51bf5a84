"""The mediation API: scope, roles, bad input, versions, masking and the audited reveal."""

import pytest
from django.utils import timezone

from grids.models import PersonalDataReveal
from mediation.models import Agreement, MediationCase, MediationEvent, Party
from tests.mediation.conftest import parties

pytestmark = pytest.mark.django_db
CASES = "/api/v1/mediation/cases/"


def _register_body(case, roster, **overrides):
    return {
        "case": case.pk,
        "level": "community",
        "dispute_type": "property_management",
        "lead_mediator": roster.gold_a.pk,
        "assisting_mediators": [roster.ordinary_a.pk],
        "room": roster.room_a.pk,
        "amount": "3200.00",
        "parties": parties(),
        **overrides,
    }


# --- registering -----------------------------------------------------------------------------


def test_register_answers_the_mediation_masked(api, world, roster, make_case):
    case = make_case("accepted", kind="dispute")
    response = api(world.admin_a).post(CASES, _register_body(case, roster), format="json")
    assert response.status_code == 201, response.data
    body = response.data
    assert body["status"] == "registered" and body["case_number"] == case.number
    assert body["allowed_actions"] == ["escalate", "start", "withdraw"]
    applicant = next(p for p in body["parties"] if p["role"] == "applicant")
    assert applicant["name"] == "张**"
    assert applicant["phone"] == "138****5678"
    assert applicant["id_number"].startswith("500") and "*" in applicant["id_number"]
    assert "19850312" not in applicant["id_number"]
    assert response["ETag"] == '"1"'


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"level": "district"}, "level"),
        ({"dispute_type": "feud"}, "dispute_type"),
        ({"amount": "-1"}, "amount"),
        ({"parties": []}, "parties"),
        ({"lead_mediator": 99999}, "lead_mediator"),
    ],
)
def test_register_bad_input_names_the_field_and_writes_nothing(
    api, world, roster, make_case, overrides, field
):
    case = make_case("accepted", kind="dispute")
    response = api(world.admin_a).post(CASES, _register_body(case, roster, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not MediationCase.objects.exists()


def test_register_checks_each_party_id_number(api, world, roster, make_case):
    case = make_case("accepted", kind="dispute")
    people = parties()
    people[1]["id_number"] = "500116198503121230"[:17] + "X"
    response = api(world.admin_a).post(CASES, _register_body(case, roster, parties=people), format="json")
    assert response.status_code == 400
    assert "id_number" in response.data["parties"][1]
    assert not Party.objects.exists()


def test_a_lower_case_x_in_an_id_number_is_stored_and_masked_upper_case(api, world, roster, make_case):
    case = make_case("accepted", kind="dispute")
    people = parties()
    people[1]["id_number"] = " 11010519491231002x "
    response = api(world.admin_a).post(CASES, _register_body(case, roster, parties=people), format="json")
    assert response.status_code == 201, response.data
    respondent = Party.objects.get(role="respondent")
    assert respondent.id_number == "11010519491231002X"
    shown = next(p for p in response.data["parties"] if p["role"] == "respondent")
    assert shown["id_number"] == "110" + "*" * 11 + "002X"
    reveal = api(world.admin_a).post(
        f"/api/v1/mediation/parties/{respondent.pk}/reveal/", {"field": "id_number"}, format="json"
    )
    assert reveal.data["value"] == "11010519491231002X"


def test_register_a_case_of_another_street_is_refused_as_unknown(api, world, roster, make_case):
    case = make_case("accepted", kind="dispute", grid=world.grid_b1)
    response = api(world.admin_a).post(CASES, _register_body(case, roster), format="json")
    assert response.status_code == 400 and "case" in response.data


def test_register_by_wrong_role_is_forbidden(api, world, roster, make_case):
    case = make_case("accepted", kind="dispute")
    for user in (world.worker_a, roster.gold_a.user, world.viewer):
        response = api(user).post(CASES, _register_body(case, roster), format="json")
        assert response.status_code == 403, user
    assert api().post(CASES, _register_body(case, roster), format="json").status_code == 401
    assert not MediationCase.objects.exists()


def test_register_an_already_mediated_dispute_is_a_conflict(api, world, roster, make_mediation):
    mediation = make_mediation()
    response = api(world.admin_a).post(CASES, _register_body(mediation.case, roster), format="json")
    assert response.status_code == 409


# --- reading, by scope -----------------------------------------------------------------------


def test_each_role_lists_the_mediations_it_may_see(api, world, roster, make_mediation):
    led = make_mediation()
    other_room = make_mediation(level="street", room=roster.room_a_street, assisting=False)
    village = make_mediation(grid=world.grid_a3, room=None, assisting=False)  # community A2
    everything = {led.pk, other_room.pk, village.pk}
    expectations = {
        world.admin_a: everything,
        world.superuser: everything,
        world.viewer: everything,
        world.staff_a: {led.pk, other_room.pk},  # community A only, whatever the level
        world.worker_a: {led.pk, other_room.pk},  # grid A1 only
        world.admin_b: set(),
        roster.gold_a.user: everything,  # lead of all three
        roster.ordinary_a.user: {led.pk},  # assists the first only
        roster.mediator_b.user: set(),
        world.worker_b: set(),
        world.nobody: set(),
    }
    for user, expected in expectations.items():
        response = api(user).get(CASES)
        assert response.status_code == 200
        assert {row["id"] for row in response.data["results"]} == expected, user.username
        assert response.data["count"] == len(expected)


def test_a_mediator_sees_the_cases_of_their_home_room(api, world, roster, make_mediation):
    mediation = make_mediation(assisting=False)
    mediation.lead_mediator = roster.ordinary_a
    mediation.save()
    # gold_a neither leads nor assists now, but the case is held in gold_a's home room.
    assert api(roster.gold_a.user).get(f"{CASES}{mediation.pk}/").status_code == 200


def test_another_streets_mediation_is_not_found(api, world, roster, make_mediation):
    mediation = make_mediation("mediating")
    for user in (world.admin_b, roster.mediator_b.user):
        client = api(user)
        assert client.get(f"{CASES}{mediation.pk}/").status_code == 404
        assert client.post(f"{CASES}{mediation.pk}/fail/", {"reason": "x"}, format="json").status_code == 404
    assert MediationEvent.objects.filter(action="fail").count() == 0


def test_the_detail_query_count_does_not_grow_with_history(
    api, world, roster, make_mediation, django_assert_num_queries
):
    mediation = make_mediation("agreed")
    client = api(world.admin_a)
    client.get(f"{CASES}{mediation.pk}/")  # warm the token and content-type caches
    # auth (with the scope), mediation (+agreement), assisting, parties, sessions, follow-ups, events.
    with django_assert_num_queries(7):
        assert client.get(f"{CASES}{mediation.pk}/").status_code == 200


def test_list_filters_and_bad_filters(api, world, roster, make_mediation):
    make_mediation("agreed")
    make_mediation("failed", dispute_type="labour")
    client = api(world.admin_a)
    assert client.get(CASES, {"status": "agreed"}).data["count"] == 1
    assert client.get(CASES, {"dispute_type": "labour"}).data["count"] == 1
    for params in ({"status": "closed"}, {"ordering": "nonsense"}, {"registered_after": "yesterday"}):
        response = client.get(CASES, params)
        assert response.status_code == 400
        assert set(response.data) & {"status", "ordering", "registered"}


# --- actions -----------------------------------------------------------------------------------


def test_the_mediation_flow_through_the_api(api, world, roster, make_mediation):
    mediation = make_mediation()
    lead = api(roster.gold_a.user)
    url = f"{CASES}{mediation.pk}/"
    today = timezone.localdate().isoformat()
    steps = [
        ("start", {"note": "约定调解时间"}, "mediating"),
        (
            "session",
            {"held_on": today, "place": "浒溪金牌调解室", "attendees": "双方当事人、网格员"},
            "mediating",
        ),
        ("agree", {"form": "written", "content": "分期偿还欠款", "signed_on": today}, "agreed"),
        ("confirm", {"applied_on": today, "result": "confirmed", "court": "江津区人民法院"}, "agreed"),
        ("follow-up", {"visited_on": today, "performance": "fulfilled"}, "agreed"),
    ]
    for action, body, status in steps:
        response = lead.post(f"{url}{action}/", body, format="json")
        assert response.status_code == 200, (action, response.data)
        assert response.data["status"] == status
    body = response.data
    assert body["agreement"]["confirmation"]["result"] == "confirmed"
    assert [f["performance"] for f in body["follow_ups"]] == ["fulfilled"]
    assert body["case_status"] == "resolved"
    assert [e["action"] for e in body["events"]] == ["register", *[s[0] for s in steps]]


def test_an_action_not_allowed_now_answers_409_with_what_is_allowed(api, world, roster, make_mediation):
    mediation = make_mediation()
    response = api(roster.gold_a.user).post(
        f"{CASES}{mediation.pk}/agree/",
        {"form": "oral", "content": "x", "signed_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert response.status_code == 409
    assert response.data["allowed_actions"] == ["escalate", "start", "withdraw"]


@pytest.mark.parametrize("body", [{}, {"form": "spoken", "signed_on": "yesterday"}])
def test_an_action_not_allowed_now_is_409_even_with_a_bad_body(api, world, roster, make_mediation, body):
    mediation = make_mediation()
    response = api(roster.gold_a.user).post(f"{CASES}{mediation.pk}/agree/", body, format="json")
    assert response.status_code == 409, response.data
    assert response.data["code"] == "action_not_allowed"
    assert response.data["allowed_actions"] == ["escalate", "start", "withdraw"]
    assert MediationCase.objects.get(pk=mediation.pk).version == mediation.version
    assert not Agreement.objects.exists()


def test_role_and_version_are_checked_before_the_body(api, world, roster, make_mediation):
    mediation = make_mediation("failed")
    url = f"{CASES}{mediation.pk}/refer/"
    assert api(roster.ordinary_a.user).post(url, {}, format="json").status_code == 403
    response = api(roster.gold_a.user).post(url, {}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412 and response.data["current_version"] == mediation.version
    assert api(world.admin_b).post(url, {}, format="json").status_code == 404
    assert MediationCase.objects.get(pk=mediation.pk).version == mediation.version


@pytest.mark.parametrize(("day", "status"), [(30, 200), (31, 400)])
def test_confirmation_is_applied_for_by_the_thirtieth_day_after_signing(
    api, world, roster, make_mediation, day, status
):
    mediation = make_mediation("agreed")
    signed_on = timezone.localdate() - timezone.timedelta(days=40)
    Agreement.objects.filter(mediation=mediation).update(signed_on=signed_on)
    body = {
        "applied_on": (signed_on + timezone.timedelta(days=day)).isoformat(),
        "result": "confirmed",
        "court": "江津区人民法院",
    }
    response = api(roster.gold_a.user).post(f"{CASES}{mediation.pk}/confirm/", body, format="json")
    assert response.status_code == status, response.data
    if status == 400:
        assert list(response.data) == ["applied_on"]
    assert MediationEvent.objects.filter(mediation=mediation, action="confirm").count() == (status == 200)


def test_action_bad_input_names_the_field(api, world, roster, make_mediation):
    mediation = make_mediation("agreed")
    client = api(roster.gold_a.user)
    too_late = (mediation.agreement.signed_on + timezone.timedelta(days=31)).isoformat()
    response = client.post(
        f"{CASES}{mediation.pk}/confirm/",
        {"applied_on": too_late, "result": "confirmed", "court": "法院"},
        format="json",
    )
    assert response.status_code == 400 and "applied_on" in response.data
    response = client.post(f"{CASES}{mediation.pk}/follow-up/", {"performance": "mostly"}, format="json")
    assert response.status_code == 400 and {"visited_on", "performance"} <= set(response.data)
    assert not hasattr(MediationCase.objects.get(pk=mediation.pk).agreement, "confirmation")


def test_action_by_wrong_role_is_forbidden(api, world, roster, make_mediation):
    mediation = make_mediation("failed")
    for user, action, body in (
        (world.worker_a, "escalate", {"reason": "x"}),
        (world.viewer, "escalate", {"reason": "x"}),
        (roster.ordinary_a.user, "refer", {"to": "court"}),
    ):
        assert api(user).post(f"{CASES}{mediation.pk}/{action}/", body, format="json").status_code == 403
    assert MediationCase.objects.get(pk=mediation.pk).referral == ""


def test_a_stale_if_match_is_412(api, world, roster, make_mediation):
    mediation = make_mediation("mediating")
    client = api(roster.gold_a.user)
    response = client.post(
        f"{CASES}{mediation.pk}/fail/", {"reason": "x"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 412 and response.data["current_version"] == mediation.version
    response = client.post(
        f"{CASES}{mediation.pk}/fail/", {"reason": "x"}, format="json", HTTP_IF_MATCH=f'"{mediation.version}"'
    )
    assert response.status_code == 200 and response["ETag"] == f'"{mediation.version + 1}"'


def test_if_match_lists_and_foreign_tags_are_compared_under_the_lock(api, world, roster, make_mediation):
    mediation = make_mediation("mediating")
    client = api(roster.gold_a.user)
    url = f"{CASES}{mediation.pk}/fail/"
    foreign = client.post(url, {"reason": "x"}, format="json", HTTP_IF_MATCH='"stale-0"')
    assert foreign.status_code == 412 and foreign.data["current_version"] == mediation.version
    assert MediationCase.objects.get(pk=mediation.pk).status == "mediating"
    listed = client.post(url, {"reason": "x"}, format="json", HTTP_IF_MATCH=f'"0", W/"{mediation.version}"')
    assert listed.status_code == 200
    assert MediationCase.objects.get(pk=mediation.pk).status == "failed"


# --- parties: masked, revealed with an audit row ---------------------------------------------------


def _applicant(mediation):
    return mediation.parties.get(role="applicant")


def test_reveal_by_the_centre_or_the_case_mediators_is_audited(api, world, roster, make_mediation):
    mediation = make_mediation()
    party = _applicant(mediation)
    for user in (world.admin_a, roster.ordinary_a.user):
        response = api(user).post(f"/api/v1/mediation/parties/{party.pk}/reveal/", {"field": "id_number"})
        assert response.status_code == 200
        assert response.data == {"field": "id_number", "value": party.id_number}
    audit = PersonalDataReveal.objects.filter(object_id=party.pk, field="id_number")
    assert sorted(audit.values_list("user__username", flat=True)) == ["admin-a", "mediator-a2"]


def test_reveal_refused_by_role_field_and_territory(api, world, roster, make_mediation):
    mediation = make_mediation()
    url = f"/api/v1/mediation/parties/{_applicant(mediation).pk}/reveal/"
    assert api(world.worker_a).post(url, {"field": "phone"}).status_code == 404  # parties hidden
    assert api(world.viewer).post(url, {"field": "phone"}).status_code == 403
    assert api(world.admin_a).post(url, {"field": "dispute_type"}).status_code == 400
    assert api(world.admin_b).post(url, {"field": "phone"}).status_code == 404
    assert api(roster.mediator_b.user).post(url, {"field": "phone"}).status_code == 404
    assert not PersonalDataReveal.objects.exists()


def test_the_party_list_is_masked_and_scoped(api, world, roster, make_mediation):
    mediation = make_mediation()
    rows = api(world.staff_a).get("/api/v1/mediation/parties/").data["results"]
    assert {row["name"] for row in rows} == {"张**", "李**"}
    assert api(world.admin_b).get("/api/v1/mediation/parties/").data["count"] == 0
    assert api(world.worker_a).get("/api/v1/mediation/parties/").data["count"] == 0
    assert mediation.parties.count() == 2


# --- rooms and mediators ---------------------------------------------------------------------------


def test_rooms_and_mediators_are_listed_by_street(api, world, roster):
    rooms = api(world.staff_a).get("/api/v1/mediation/rooms/").data["results"]
    assert {r["name"] for r in rooms} == {"浒溪金牌调解室", "圣泉街道调解室"}
    gold = api(world.admin_a).get("/api/v1/mediation/rooms/", {"is_gold": "true"}).data["results"]
    assert [r["name"] for r in gold] == ["浒溪金牌调解室"]
    mediators = api(roster.gold_a.user).get("/api/v1/mediation/mediators/", {"kind": "volunteer"}).data
    assert [m["id"] for m in mediators["results"]] == [roster.volunteer_a.pk]
    assert api(world.admin_b).get(f"/api/v1/mediation/mediators/{roster.gold_a.pk}/").status_code == 404
    assert api(world.admin_b).get(f"/api/v1/mediation/rooms/{roster.room_a.pk}/").status_code == 404


def test_rooms_and_mediators_bad_filters_and_anonymous(api, world, roster):
    client = api(world.admin_a)
    assert "is_gold" in client.get("/api/v1/mediation/rooms/", {"is_gold": "maybe"}).data
    assert "kind" in client.get("/api/v1/mediation/mediators/", {"kind": "wizard"}).data
    assert api().get("/api/v1/mediation/rooms/").status_code == 401
    assert api(world.nobody).get("/api/v1/mediation/mediators/").data["count"] == 0


def test_the_api_reads_the_roster_and_deletes_no_mediator(api, world, roster, make_mediation):
    # Given mediator A2, assisting an agreed mediation
    mediation = make_mediation("agreed")
    # When the street admin sends DELETE for them
    response = api(world.admin_a).delete(f"/api/v1/mediation/mediators/{roster.ordinary_a.pk}/")
    # Then the API refuses the method (the roster is edited in the admin) and nothing is removed
    assert response.status_code == 405
    assert list(mediation.assisting_mediators.all()) == [roster.ordinary_a]


def test_me_shows_the_mediator_scope(api, roster):
    body = api(roster.gold_a.user).get("/api/v1/me/").data
    assert body["scope"]["role"] == "mediator"
    assert body["scope"]["mediator"] == roster.gold_a.pk and body["scope"]["room"] == roster.room_a.pk
