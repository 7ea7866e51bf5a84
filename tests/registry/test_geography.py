"""A building's or facility's point lies inside its grid's boundary, on every path that writes
one (the API, the admin, the import); a grid without a boundary checks nothing."""

import pytest
from django.urls import reverse

from grids.scope import scope_for
from registry.imports import base_data_import
from registry.models import Building, Facility
from tests.conftest import client_for
from tests.factories import FacilityTypeFactory
from tests.geo import IN_A1, IN_A2, shape_world

pytestmark = pytest.mark.django_db


def _building(world, lng_lat, code="A1-09"):
    lng, lat = lng_lat
    return {
        "grid": world.grid_a1.pk,
        "code": code,
        "name": "浒溪花园9栋",
        "address": "浒溪路 9 号",
        "latitude": f"{lat:.6f}",
        "longitude": f"{lng:.6f}",
        "floors": 11,
        "units": 2,
        "use": "residential",
    }


def test_a_building_inside_its_grid_is_recorded(world):
    shape_world(world)
    answer = client_for(world.worker_a).post("/api/v1/buildings/", _building(world, IN_A1), format="json")
    assert answer.status_code == 201, answer.content


def test_a_building_outside_its_grid_is_400_on_latitude_and_writes_nothing(world):
    shape_world(world)
    answer = client_for(world.worker_a).post("/api/v1/buildings/", _building(world, IN_A2), format="json")
    assert answer.status_code == 400
    [message] = answer.json()["latitude"]
    assert "网格" in message and world.grid_a1.name in message and " m" in message
    assert not Building.objects.exists()


def test_a_point_within_the_tolerance_of_the_edge_is_in(world, settings):
    shape_world(world)
    settings.BOUNDARY_TOLERANCE_M = 5
    # Grid A1 ends at 29.05 N; 0.00002 degrees of latitude is about 2 m beyond it.
    answer = client_for(world.worker_a).post(
        "/api/v1/buildings/", _building(world, (106.02, 29.05002)), format="json"
    )
    assert answer.status_code == 201, answer.content


def test_moving_a_building_out_of_its_grid_is_refused(world):
    shape_world(world)
    client = client_for(world.admin_a)
    building = client.post("/api/v1/buildings/", _building(world, IN_A1), format="json").json()
    lng, lat = IN_A2
    answer = client.patch(
        f"/api/v1/buildings/{building['id']}/",
        {"latitude": f"{lat:.6f}", "longitude": f"{lng:.6f}"},
        format="json",
    )
    assert answer.status_code == 400 and "latitude" in answer.json()
    assert float(Building.objects.get(pk=building["id"]).latitude) == pytest.approx(IN_A1[1])


def test_a_grid_without_a_boundary_checks_nothing(world):
    answer = client_for(world.worker_a).post("/api/v1/buildings/", _building(world, IN_B_FAR), format="json")
    assert answer.status_code == 201, answer.content


IN_B_FAR = (120.0, 30.0)


def test_a_facility_outside_its_grid_is_400(world):
    shape_world(world)
    lng, lat = IN_A2
    answer = client_for(world.admin_a).post(
        "/api/v1/facilities/",
        {
            "grid": world.grid_a1.pk,
            "code": "500116-0101-000001",
            "type": FacilityTypeFactory().pk,
            "owner_unit": "区城管局",
            "latitude": f"{lat:.6f}",
            "longitude": f"{lng:.6f}",
        },
        format="json",
    )
    assert answer.status_code == 400 and "latitude" in answer.json()
    assert not Facility.objects.exists()


def test_an_imported_building_outside_its_grid_is_a_bad_row(world):
    shape_world(world)
    header = "网格编码,楼栋编码,名称,地址,纬度,经度,层数,单元数,用途,物管"
    rows = [
        f"{world.grid_a1.code},A1-20,甲楼,浒溪路,{IN_A1[1]},{IN_A1[0]},9,2,住宅,否",
        f"{world.grid_a1.code},A1-21,乙楼,浒溪路,{IN_A2[1]},{IN_A2[0]},9,2,住宅,否",
    ]
    report = base_data_import(
        scope=scope_for(world.admin_a),
        actor=world.admin_a,
        kind="building",
        content="\n".join([header, *rows]).encode(),
        filename="b.csv",
    )
    assert [(e["line"], e["column"]) for e in report.errors] == [(3, "纬度")]
    assert not Building.objects.exists()


def test_the_admin_refuses_a_building_outside_its_grid(world, client):
    shape_world(world)
    client.force_login(world.admin_a)
    body = {**_building(world, IN_A2), "leader_name": "", "leader_phone": "", "property_company": ""}
    response = client.post(reverse("admin:registry_building_add"), body)
    assert response.status_code == 200  # the form again, with the error
    assert not Building.objects.exists()
    assert "以外" in response.content.decode()
