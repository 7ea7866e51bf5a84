"""Base data through the API: scope (404 outside), roles, bad input (400, nothing written),
idempotent creates, search by blind index, a resident's links, moves, reveals and exports."""

import csv
import io

import pytest
from openpyxl import load_workbook

from grids.models import PersonalDataReveal
from registry.models import Building, Facility, House, Organisation, Residence, Resident, ResidentExport
from tests.conftest import client_for
from tests.factories import BuildingFactory, FacilityTypeFactory, HouseFactory, ResidentFactory, id_number_for

pytestmark = pytest.mark.django_db


def _building_body(world, **extra):
    return {
        "grid": world.grid_a1.pk,
        "code": "A1-09",
        "name": "浒溪花园9栋",
        "address": "浒溪路 9 号",
        "latitude": "29.270100",
        "longitude": "106.250200",
        "floors": 11,
        "units": 2,
        "use": "residential",
        "property_managed": True,
        "property_company": "浒溪物业",
        "leader_name": "李建国",
        "leader_phone": "13812345678",
        **extra,
    }


# --- buildings: success, bad input, role, territory -------------------------------------------------


def test_a_grid_worker_records_a_building_of_their_grid(world):
    response = client_for(world.worker_a).post("/api/v1/buildings/", _building_body(world), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "A1-09" and body["community"] == world.community_a.pk
    assert body["leader_name"] == "李**" and body["leader_phone"] == "138****5678"
    assert body["latitude"] == "29.270100"
    assert Building.objects.get(code="A1-09").leader_phone == "13812345678"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"floors": 0}, "floors"),
        ({"use": "castle"}, "use"),
        ({"leader_phone": "12345"}, "leader_phone"),
        ({"latitude": "95"}, "latitude"),
        ({"longitude": None}, "longitude"),
        ({"property_managed": False}, "property_company"),
        ({"status": "x"}, "status"),  # not a field of the create
        ({"grid": 999999}, "grid"),
    ],
)
def test_a_bad_building_is_a_400_naming_the_field_and_writes_nothing(world, change, field):
    response = client_for(world.admin_a).post(
        "/api/v1/buildings/", _building_body(world, **change), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Building.objects.exists()


def test_a_building_code_is_unique_in_its_community(world):
    client = client_for(world.admin_a)
    assert client.post("/api/v1/buildings/", _building_body(world), format="json").status_code == 201
    again = client.post("/api/v1/buildings/", _building_body(world, grid=world.grid_a2.pk), format="json")
    assert again.status_code == 400 and Building.objects.count() == 1


@pytest.mark.parametrize("who", ["viewer", "nobody"])
def test_roles_that_do_not_collect_cannot_create(world, who):
    response = client_for(getattr(world, who)).post(
        "/api/v1/buildings/", _building_body(world), format="json"
    )
    assert response.status_code == 403
    assert not Building.objects.exists()


def test_a_grid_outside_the_territory_is_refused_and_its_buildings_are_not_found(world, place):
    client = client_for(world.worker_a)
    response = client.post("/api/v1/buildings/", _building_body(world, grid=world.grid_a2.pk), format="json")
    assert response.status_code == 400 and "grid" in response.json()
    assert client.get(f"/api/v1/buildings/{place.building_b.pk}/").status_code == 404
    assert client_for(world.admin_b).get(f"/api/v1/buildings/{place.building.pk}/").status_code == 404
    listed = client_for(world.admin_a).get("/api/v1/buildings/").json()
    assert [b["id"] for b in listed["results"]] == [place.building.pk]


def test_building_filters_and_a_bad_filter_value(world, place):
    BuildingFactory(grid=world.grid_a2, use="commercial")
    client = client_for(world.admin_a)
    assert client.get("/api/v1/buildings/?use=commercial").json()["count"] == 1
    assert client.get(f"/api/v1/buildings/?grid={world.grid_a1.pk}").json()["count"] == 1
    assert client.get(f"/api/v1/buildings/?community={world.community_a.pk}").json()["count"] == 2
    bad = client.get("/api/v1/buildings/?property_managed=perhaps")
    assert bad.status_code == 400 and "property_managed" in bad.json()
    assert client.get("/api/v1/buildings/?use=castle").status_code == 400


def test_a_building_is_corrected_with_patch(world, place):
    client = client_for(world.admin_a)
    response = client.patch(f"/api/v1/buildings/{place.building.pk}/", {"floors": 7}, format="json")
    assert response.status_code == 200 and response.json()["floors"] == 7
    bad = client.patch(f"/api/v1/buildings/{place.building.pk}/", {"grid": world.grid_a2.pk}, format="json")
    assert bad.status_code == 400 and "grid" in bad.json()
    other = client.patch(f"/api/v1/buildings/{place.building_b.pk}/", {"floors": 7}, format="json")
    assert other.status_code == 404


# --- offline-safe creation ---------------------------------------------------------------------


def test_a_create_retried_with_its_idempotency_key_is_replayed(world):
    client = client_for(world.worker_a)
    first = client.post(
        "/api/v1/buildings/", _building_body(world), format="json", HTTP_IDEMPOTENCY_KEY="b-1"
    )
    again = client.post(
        "/api/v1/buildings/", _building_body(world), format="json", HTTP_IDEMPOTENCY_KEY="b-1"
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Building.objects.count() == 1
    other = client.post(
        "/api/v1/buildings/", _building_body(world, floors=3), format="json", HTTP_IDEMPOTENCY_KEY="b-1"
    )
    assert other.status_code == 422 and Building.objects.count() == 1
    bad_key = client.post(
        "/api/v1/buildings/", _building_body(world), format="json", HTTP_IDEMPOTENCY_KEY="a b"
    )
    assert bad_key.status_code == 400 and "Idempotency-Key" in bad_key.json()


def test_a_bad_create_under_a_key_is_replayed_as_the_same_400(world):
    client = client_for(world.worker_a)
    body = _building_body(world, floors=0)
    first = client.post("/api/v1/buildings/", body, format="json", HTTP_IDEMPOTENCY_KEY="b-2")
    again = client.post("/api/v1/buildings/", body, format="json", HTTP_IDEMPOTENCY_KEY="b-2")
    assert first.status_code == again.status_code == 400 and again.json() == first.json()
    assert not Building.objects.exists()


# --- houses, organisations, facilities ---------------------------------------------------------------


def test_houses_organisations_and_facilities_are_recorded_in_scope(world, place):
    client = client_for(world.worker_a)
    house = client.post(
        "/api/v1/houses/",
        {
            "building": place.building.pk,
            "floor": 4,
            "room": "401",
            "use": "rented",
            "landlord_name": "王房东",
            "landlord_phone": "13700001111",
            "lease_start": "2022-01-01",
            "lease_end": "2023-01-01",
        },
        format="json",
    )
    assert house.status_code == 201, house.content
    assert house.json()["landlord_name"] == "王**"
    wrong = client.post(
        "/api/v1/houses/",
        {"building": place.building_b.pk, "floor": 1, "room": "1", "use": "vacant"},
        format="json",
    )
    assert wrong.status_code == 400 and "building" in wrong.json()
    organisation = client.post(
        "/api/v1/organisations/",
        {
            "grid": world.grid_a1.pk,
            "name": "浒溪小吃店",
            "kind": "shop",
            "building": place.building.pk,
            "credit_code": "91350100M000100Y43",
            "safety_tags": [],
        },
        format="json",
    )
    assert organisation.status_code == 201, organisation.content
    bad_code = client.post(
        "/api/v1/organisations/",
        {
            "grid": world.grid_a1.pk,
            "name": "某公司",
            "kind": "enterprise",
            "address": "x",
            "credit_code": "91350100M000100Y44",
        },
        format="json",
    )
    assert bad_code.status_code == 400 and "credit_code" in bad_code.json()
    facility = client.post(
        "/api/v1/facilities/",
        {
            "grid": world.grid_a1.pk,
            "code": "500116-0101-000001",
            "type": FacilityTypeFactory().pk,
            "owner_unit": "区城管局",
            "latitude": "29.27",
            "longitude": "106.25",
        },
        format="json",
    )
    assert facility.status_code == 201, facility.content
    assert House.objects.count() == 3 and Organisation.objects.count() == 1 and Facility.objects.count() == 1
    assert client_for(world.admin_b).get(f"/api/v1/facilities/{facility.json()['id']}/").status_code == 404


def test_an_organisation_is_filtered_by_its_safety_tags(world):
    from registry.models import SafetyTag
    from tests.factories import OrganisationFactory

    nine = SafetyTag.objects.get(code="nine_small")
    tagged = OrganisationFactory(grid=world.grid_a1)
    tagged.safety_tags.add(nine)
    OrganisationFactory(grid=world.grid_a1)
    response = client_for(world.admin_a).get("/api/v1/organisations/?tags=nine_small")
    assert [o["id"] for o in response.json()["results"]] == [tagged.pk]


# --- residents -----------------------------------------------------------------------------------------


def _resident_body(place, **extra):
    return {
        "house": place.house.pk,
        "name": "陈小明",
        "gender": "male",
        "id_number": id_number_for(11, "19900315"),
        "phone": "13600002222",
        "residence_type": "floating",
        "relation_to_head": "tenant",
        "moved_in_on": "2022-06-01",
        **extra,
    }


def test_a_resident_is_registered_masked_with_the_birth_date_of_the_id(world, place):
    response = client_for(world.worker_a).post("/api/v1/residents/", _resident_body(place), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "陈**" and body["id_number"].startswith("500") and "*" in body["id_number"]
    assert body["phone"] == "136****2222" and body["building"] == place.building.pk
    resident = Resident.objects.get(pk=body["id"])
    assert str(resident.birth_date) == "1990-03-15"
    assert [(r.house_id, str(r.moved_in_on), r.moved_out_on) for r in resident.residences.all()] == [
        (place.house.pk, "2022-06-01", None)
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id_number": id_number_for(11, "19900315")[:-1] + "Y"}, "id_number"),
        ({"id_number": id_number_for(7, "19580302")}, "id_number"),  # already registered
        ({"id_number": "500***********0070"}, "id_number"),  # the mask echoed back
        ({"gender": "x"}, "gender"),
        ({"phone": "123"}, "phone"),
        ({"tags": [999]}, "tags"),
        ({"birth_date": "1991-01-01"}, "birth_date"),
        ({"residence_type": "foreign"}, "document_type"),
    ],
)
def test_a_bad_resident_is_a_400_naming_the_field(world, place, change, field):
    response = client_for(world.admin_a).post(
        "/api/v1/residents/", _resident_body(place, **change), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Resident.objects.count() == 2 and Residence.objects.count() == 0


def test_residents_are_found_by_whole_id_number_or_phone_never_by_part(world, place):
    client = client_for(world.admin_a)
    whole = client.get("/api/v1/residents/", {"id_number": place.resident.id_number.lower()})
    assert [r["id"] for r in whole.json()["results"]] == [place.resident.pk]
    phone = client.get("/api/v1/residents/", {"phone": "139-0000-1111"})
    assert [r["id"] for r in phone.json()["results"]] == [place.resident.pk]
    part = client.get("/api/v1/residents/", {"id_number": place.resident.id_number[:10]})
    assert part.status_code == 400 and "id_number" in part.json()
    assert client.get("/api/v1/residents/", {"phone": "1390000"}).status_code == 400
    # Another street's resident is not found by their number either.
    assert client.get("/api/v1/residents/", {"id_number": place.resident_b.id_number}).json()["count"] == 0


def test_residents_are_found_by_name_only_within_a_house_or_building(world, place):
    client = client_for(world.admin_a)
    alone = client.get("/api/v1/residents/", {"name": "张"})
    assert alone.status_code == 400 and "name" in alone.json()
    in_building = client.get("/api/v1/residents/", {"name": "张", "building": place.building.pk})
    assert [r["id"] for r in in_building.json()["results"]] == [place.resident.pk]
    in_house = client.get("/api/v1/residents/", {"name": "李", "house": place.house.pk})
    assert in_house.json()["count"] == 0


def test_residents_are_filtered_by_tags_and_a_category_filter_does_not_exist(world, place):
    from registry.models import ResidentTag

    place.resident.tags.add(ResidentTag.objects.get(code="elderly_alone"))
    ResidentFactory(house=HouseFactory(building=place.building))
    client = client_for(world.admin_a)
    assert [r["id"] for r in client.get("/api/v1/residents/?tags=elderly_alone").json()["results"]] == [
        place.resident.pk
    ]
    # No filter says who is a key person: an unknown parameter filters nothing.
    assert client.get("/api/v1/residents/?category=1").json()["count"] == 2


def test_moving_out_and_in_keeps_the_dated_history(world, place):
    client = client_for(world.admin_a)
    created = client.post("/api/v1/residents/", _resident_body(place), format="json").json()
    out = client.post(
        f"/api/v1/residents/{created['id']}/move-out/", {"moved_out_on": "2022-10-01"}, format="json"
    )
    assert out.status_code == 200 and out.json()["moved_out"] is True and out.json()["house"] is None
    early = client.post(
        f"/api/v1/residents/{created['id']}/move-in/",
        {"house": place.house.pk, "moved_in_on": "bad"},
        format="json",
    )
    assert early.status_code == 400 and "moved_in_on" in early.json()
    new_house = HouseFactory(building=place.building, room="502", floor=5)
    back = client.post(
        f"/api/v1/residents/{created['id']}/move-in/",
        {"house": new_house.pk, "moved_in_on": "2022-11-01"},
        format="json",
    )
    assert back.status_code == 200 and back.json()["house"] == new_house.pk
    history = client.get(f"/api/v1/residents/{created['id']}/").json()["residences"]
    assert [(h["house"], h["moved_in_on"], h["moved_out_on"]) for h in history] == [
        (place.house.pk, "2022-06-01", "2022-10-01"),
        (new_house.pk, "2022-11-01", None),
    ]
    assert client.delete(f"/api/v1/residents/{created['id']}/").status_code == 405
    assert Resident.objects.filter(pk=created["id"]).exists()


def test_a_resident_detail_is_404_outside_the_territory(world, place):
    assert client_for(world.admin_b).get(f"/api/v1/residents/{place.resident.pk}/").status_code == 404
    assert client_for(world.worker_b).get(f"/api/v1/residents/{place.resident.pk}/").status_code == 404
    assert client_for(world.staff_a).get(f"/api/v1/residents/{place.resident.pk}/").status_code == 200


def test_revealing_a_residents_id_number_is_audited_and_for_the_centre(world, place):
    url = f"/api/v1/residents/{place.resident.pk}/reveal/"
    response = client_for(world.admin_a).post(url, {"field": "id_number"}, format="json")
    assert response.status_code == 200 and response.json()["value"] == place.resident.id_number
    assert response["Cache-Control"] == "no-store"
    assert PersonalDataReveal.objects.filter(object_id=place.resident.pk, field="id_number").count() == 1
    assert client_for(world.worker_a).post(url, {"field": "id_number"}, format="json").status_code == 403
    assert client_for(world.admin_b).post(url, {"field": "id_number"}, format="json").status_code == 404
    assert PersonalDataReveal.objects.count() == 1


# --- exports --------------------------------------------------------------------------------------


def test_a_street_admin_exports_residents_masked_and_audited(world, place):
    response = client_for(world.admin_a).get("/api/v1/residents/export/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["姓名", "性别", "证件类型", "证件号码", "电话"]
    assert rows[1][0] == "张**" and place.resident.id_number not in response.content.decode()
    assert "13900001111" not in response.content.decode() and len(rows) == 2
    workbook = client_for(world.admin_a).get("/api/v1/residents/export/?format=xlsx")
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet["A2"].value == "张**"
    audits = list(ResidentExport.objects.order_by("pk").values_list("user__username", "file_format", "rows"))
    assert audits == [("admin-a", "csv", 1), ("admin-a", "xlsx", 1)]


@pytest.mark.parametrize("who", ["superuser", "staff_a", "viewer", "worker_a"])
def test_only_street_admins_export_residents(world, place, who):
    assert client_for(getattr(world, who)).get("/api/v1/residents/export/").status_code == 403
    assert not ResidentExport.objects.exists()


def test_an_export_with_an_unknown_format_is_a_400(world, place):
    response = client_for(world.admin_a).get("/api/v1/residents/export/?format=pdf")
    assert response.status_code == 400 and "format" in response.json()
    assert not ResidentExport.objects.exists()
