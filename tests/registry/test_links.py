"""一次采集、多边利用: a case shows the base data it is about; a resident lists their cases and
mediations as far as the caller sees them. Query counts stay fixed."""

import pytest

from tests.conftest import client_for
from tests.factories import (
    BuildingFactory,
    HouseFactory,
    KeyPersonFactory,
    MediationCaseFactory,
    PartyFactory,
    ResidentFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


def _case_body(world, category, **extra):
    return {"grid": world.grid_a1.pk, "category": category.pk, "title": "楼道堆放杂物", **extra}


def test_a_case_logged_at_a_building_shows_the_buildings_data(world, place, category):
    client = client_for(world.worker_a)
    response = client.post(
        "/api/v1/cases/",
        _case_body(world, category, house=place.house.pk, resident=place.resident.pk),
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["building"] == place.building.pk  # filled in from the house
    assert body["base_data"]["building"] == {
        "id": place.building.pk,
        "code": "A1-01",
        "name": "浒溪花园1栋",
        "address": place.building.address,
        "use": "residential",
        "floors": 6,
        "units": 2,
        "property_managed": False,
        "property_company": "",
        "leader_name": "",
        "leader_phone": "",
    }
    assert body["base_data"]["resident"] == {"id": place.resident.pk, "name": "张**"}
    assert body["base_data"]["house"]["room"] == "301"


def test_a_case_names_only_base_data_of_its_grid_and_the_callers_territory(world, place, category):
    client = client_for(world.admin_a)
    elsewhere = BuildingFactory(grid=world.grid_a2)
    wrong_grid = client.post(
        "/api/v1/cases/", _case_body(world, category, building=elsewhere.pk), format="json"
    )
    assert wrong_grid.status_code == 400 and "building" in wrong_grid.json()
    other_street = client.post(
        "/api/v1/cases/", _case_body(world, category, resident=place.resident_b.pk), format="json"
    )
    assert other_street.status_code == 400 and "resident" in other_street.json()
    mismatch = client.post(
        "/api/v1/cases/",
        _case_body(world, category, building=BuildingFactory(grid=world.grid_a1).pk, house=place.house.pk),
        format="json",
    )
    assert mismatch.status_code == 400 and "house" in mismatch.json()
    from cases.models import Case

    assert not Case.objects.exists()


def test_a_case_is_corrected_to_name_its_building(world, place, make_case):
    case = make_case("accepted")
    response = client_for(world.admin_a).patch(
        f"/api/v1/cases/{case.pk}/", {"building": place.building.pk}, format="json"
    )
    assert response.status_code == 200 and response.json()["base_data"]["building"]["id"] == place.building.pk


def test_a_residents_detail_lists_their_cases_and_mediations_within_scope(world, place, make_case):
    case = make_case("accepted", resident=place.resident)
    unrelated = make_case("accepted")
    mediation = MediationCaseFactory(case__grid=world.grid_a2)  # another case of street A
    PartyFactory(mediation=mediation, id_number=place.resident.id_number.lower())  # the same person, by ID
    elsewhere = MediationCaseFactory(case__grid=world.grid_b1)
    PartyFactory(mediation=elsewhere, id_number=place.resident.id_number)
    links = client_for(world.admin_a).get(f"/api/v1/residents/{place.resident.pk}/").json()["links"]
    assert [c["id"] for c in links["cases"]] == [case.pk] and unrelated.pk not in [
        c["id"] for c in links["cases"]
    ]
    assert links["cases"][0]["number"] == case.number
    assert [m["id"] for m in links["mediations"]] == [mediation.pk]
    # Community staff of the resident's community see the resident; their links are what they see.
    staff_links = client_for(world.staff_a).get(f"/api/v1/residents/{place.resident.pk}/").json()["links"]
    assert [c["id"] for c in staff_links["cases"]] == [case.pk]
    everything = client_for(world.superuser).get(f"/api/v1/residents/{place.resident.pk}/").json()["links"]
    assert sorted(m["id"] for m in everything["mediations"]) == sorted([mediation.pk, elsewhere.pk])


def test_a_mediation_of_a_case_about_the_resident_is_listed(world, place, make_case):
    mediation = MediationCaseFactory(case__grid=world.grid_a1)
    mediation.case.resident = place.resident
    mediation.case.save(update_fields=["resident"])
    links = client_for(world.superuser).get(f"/api/v1/residents/{place.resident.pk}/").json()["links"]
    assert mediation.pk in [m["id"] for m in links["mediations"]]


# --- query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 15])
def test_the_resident_list_is_a_fixed_number_of_queries(world, place, django_assert_num_queries, size):
    for n in range(size):
        ResidentFactory(house=HouseFactory(building=place.building, room=f"9{n:02d}"))
    client = client_for(world.admin_a)
    client.get("/api/v1/residents/")  # the token and scope of the first request
    # token (with the scope), count, page, tags
    with django_assert_num_queries(4):
        assert client.get("/api/v1/residents/?page_size=50").status_code == 200


@pytest.mark.parametrize("visits", [1, 12])
def test_a_key_person_detail_is_a_fixed_number_of_queries(
    world, place, worker_a, django_assert_num_queries, visits
):
    key_person = KeyPersonFactory(resident=place.resident, grid=world.grid_a1, responsible_worker=worker_a)
    for _ in range(visits):
        VisitFactory(key_person=key_person)
    client = client_for(world.admin_a)
    # token (with the scope), the key person (joined), its visits, its history
    with django_assert_num_queries(4):
        assert client.get(f"/api/v1/key-persons/{key_person.pk}/").status_code == 200
    with django_assert_num_queries(3):  # token (with the scope), count, page
        assert client.get("/api/v1/key-persons/").status_code == 200
