"""Personal data in mediation: exact masks per role, who may reveal, what grid workers read."""

import pytest

from grids.models import PersonalDataReveal
from tests.mediation.conftest import parties

pytestmark = pytest.mark.django_db
CASES = "/api/v1/mediation/cases/"
PARTIES = "/api/v1/mediation/parties/"
MEDIATORS = "/api/v1/mediation/mediators/"
APPLICANT = parties()[0]
# ID: first 3 kept, 11 stars, last 4 kept; phone: 3 + 4 stars + 4.
APPLICANT_MASKED = {
    "role": "applicant",
    "name": "张**",
    "phone": "138****5678",
    "id_number": APPLICANT["id_number"][:3] + "*" * 11 + APPLICANT["id_number"][-4:],
}
RESPONDENT_MASKED = {"role": "respondent", "name": "李**", "phone": "139****4321", "id_number": ""}


def _without_ids(rows):
    return sorted(({k: v for k, v in row.items() if k != "id"} for row in rows), key=lambda r: r["role"])


@pytest.mark.parametrize("who", ["mediator", "superuser", "community_staff", "street_admin"])
def test_parties_are_masked_exactly_for_every_role(api, world, roster, make_mediation, who):
    mediation = make_mediation()
    user = {
        "mediator": roster.gold_a.user,
        "superuser": world.superuser,
        "community_staff": world.staff_a,
        "street_admin": world.admin_a,
    }[who]
    client = api(user)
    detail = client.get(f"{CASES}{mediation.pk}/")
    assert detail.status_code == 200
    assert _without_ids(detail.data["parties"]) == [APPLICANT_MASKED, RESPONDENT_MASKED]
    assert APPLICANT["id_number"] == "50011619850312123" + APPLICANT["id_number"][-1]
    assert APPLICANT_MASKED["id_number"] == "500***********123" + APPLICANT["id_number"][-1]
    applicant = mediation.parties.get(role="applicant")
    one = client.get(f"{PARTIES}{applicant.pk}/")
    assert one.status_code == 200
    assert one.data == {"id": applicant.pk, **APPLICANT_MASKED}
    assert _without_ids(client.get(PARTIES).data["results"]) == [APPLICANT_MASKED, RESPONDENT_MASKED]
    assert not PersonalDataReveal.objects.exists()


def test_a_party_outside_the_scope_is_not_found(api, world, roster, make_mediation):
    party = make_mediation().parties.get(role="applicant")
    for user in (world.admin_b, roster.mediator_b.user, world.nobody):
        assert api(user).get(f"{PARTIES}{party.pk}/").status_code == 404


# --- reveal: whoever may act on the mediation --------------------------------------------------------


def _reveal(api, user, party, field="phone"):
    return api(user).post(f"{PARTIES}{party.pk}/reveal/", {"field": field}, format="json")


def test_community_staff_reveal_on_the_community_level_mediations_they_act_on(api, world, make_mediation):
    party = make_mediation(level="community").parties.get(role="applicant")
    response = _reveal(api, world.staff_a, party)
    assert response.status_code == 200
    assert response.data == {"field": "phone", "value": "13812345678"}
    audit = PersonalDataReveal.objects.get()
    assert (audit.user, audit.object_id, audit.field) == (world.staff_a, party.pk, "phone")


def test_community_staff_see_but_may_not_reveal_on_a_street_level_mediation(api, world, make_mediation):
    mediation = make_mediation(level="street")
    party = mediation.parties.get(role="applicant")
    assert api(world.staff_a).get(f"{CASES}{mediation.pk}/").status_code == 200
    assert _reveal(api, world.staff_a, party).status_code == 403
    assert not PersonalDataReveal.objects.exists()


def test_a_mediator_who_sees_the_case_only_through_their_home_room_may_not_reveal(
    api, world, roster, make_mediation
):
    mediation = make_mediation(assisting=False)
    mediation.lead_mediator = roster.ordinary_a  # gold_a's home room still holds the case
    mediation.save(update_fields=["lead_mediator"])
    party = mediation.parties.get(role="applicant")
    assert api(roster.gold_a.user).get(f"{CASES}{mediation.pk}/").status_code == 200
    assert api(roster.gold_a.user).get(f"{PARTIES}{party.pk}/").data["phone"] == "138****5678"
    assert _reveal(api, roster.gold_a.user, party).status_code == 403
    assert _reveal(api, roster.ordinary_a.user, party, "id_number").data["value"] == APPLICANT["id_number"]
    assert list(PersonalDataReveal.objects.values_list("user__username", "field")) == [
        ("mediator-a2", "id_number")
    ]


# --- grid workers: the mediation's existence and status, nothing of its content -----------------------

SUMMARY = {
    "id",
    "case",
    "case_number",
    "case_status",
    "street",
    "community",
    "level",
    "dispute_type",
    "status",
    "lead_mediator",
    "lead_mediator_name",
    "room",
    "registered_at",
    "concluded_at",
    "version",
}


def test_a_grid_worker_reads_that_a_dispute_is_mediated_and_how_it_stands_only(
    api, world, roster, make_mediation
):
    mediation = make_mediation("agreed", amount="3200.00", summary="楼上漏水")
    client = api(world.worker_a)
    detail = client.get(f"{CASES}{mediation.pk}/")
    assert detail.status_code == 200
    assert set(detail.data) == SUMMARY
    assert (detail.data["status"], detail.data["case_status"]) == ("agreed", "resolved")
    rows = client.get(CASES).data["results"]
    assert [row["id"] for row in rows] == [mediation.pk] and set(rows[0]) == SUMMARY
    assert client.get(PARTIES).data["count"] == 0
    party = mediation.parties.get(role="applicant")
    assert client.get(f"{PARTIES}{party.pk}/").status_code == 404
    # Nor does the dispute case they see carry the agreement's terms ("800" alone may be in a time).
    case = client.get(f"/api/v1/cases/{mediation.case_id}/").content.decode()
    assert "800 元" not in case and "楼上住户赔偿维修费" not in case


def test_the_centre_still_reads_the_whole_mediation(api, world, make_mediation):
    mediation = make_mediation("agreed")
    body = api(world.admin_a).get(f"{CASES}{mediation.pk}/").data
    assert body["agreement"]["content"] == "楼上住户赔偿维修费 800 元"
    assert {"parties", "sessions", "events", "follow_ups", "amount", "summary"} <= set(body)


# --- mediators' phones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("superuser", "13912345678"),
        ("admin_a", "13912345678"),
        ("staff_a", "139****5678"),
        ("worker_a", "139****5678"),
        ("mediator", "139****5678"),
    ],
)
def test_a_mediators_phone_is_read_in_full_by_the_centre_only(api, world, roster, who, shown):
    roster.volunteer_a.phone = "13912345678"
    roster.volunteer_a.save(update_fields=["phone"])
    user = roster.gold_a.user if who == "mediator" else getattr(world, who)
    client = api(user)
    assert client.get(f"{MEDIATORS}{roster.volunteer_a.pk}/").data["phone"] == shown
    rows = client.get(MEDIATORS, {"kind": "volunteer"}).data["results"]
    assert [row["phone"] for row in rows] == [shown]
