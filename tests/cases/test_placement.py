"""A case placed by its point: the grid optional, coordinate systems, warnings, the territory."""

import pytest
from django.urls import reverse

from cases.models import Case
from grids.geo.coords import gcj02_to_bd09, wgs84_to_gcj02
from grids.models import GridWorker
from tests.factories import MicroGridFactory
from tests.geo import IN_A1, IN_A2, IN_A3, IN_B1, rect, shape

pytestmark = pytest.mark.django_db
LIST = reverse("v1:case-list")


def _create(client, category, **fields):
    return client.post(LIST, {"category": category.pk, "title": "楼道堆放杂物", **fields}, format="json")


def test_a_point_without_a_grid_places_the_case_in_its_grid_and_micro_grid(api, shaped_world, category):
    world = shaped_world
    micro = shape(MicroGridFactory(grid=world.grid_a1), rect(106.01, 29.01, 106.03, 29.03))
    response = _create(api(world.admin_a), category, longitude=IN_A1[0], latitude=IN_A1[1])
    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["grid"], body["micro_grid"]) == (world.grid_a1.pk, micro.pk)
    assert (body["community"], body["street"]) == (world.community_a.pk, world.street_a.pk)
    # Numbers, not strings.
    assert body["latitude"] == 29.02 and body["longitude"] == 106.02
    assert body["warnings"] == [] and body["possible_duplicates"] == []
    case = Case.objects.get(pk=body["id"])
    assert (float(case.latitude), float(case.longitude)) == (29.02, 106.02)


def test_a_given_grid_that_does_not_hold_the_point_is_kept_with_a_warning(api, shaped_world, category):
    world = shaped_world
    response = _create(
        api(world.admin_a), category, grid=world.grid_a1.pk, longitude=IN_A2[0], latitude=IN_A2[1]
    )
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["grid"] == world.grid_a1.pk
    [warning] = body["warnings"]
    assert warning["code"] == "point_outside_grid"
    assert warning["grid"] == {"id": world.grid_a2.pk, "code": world.grid_a2.code, "name": world.grid_a2.name}
    assert world.grid_a2.name in warning["message"]
    assert warning["distance_m"] > 3000


def test_a_worker_at_the_edge_of_their_grid_keeps_it(api, shaped_world, category):
    """20 m across the edge into the next grid, which the worker does not cover."""
    world = shaped_world
    response = _create(
        api(world.worker_a), category, grid=world.grid_a1.pk, longitude=106.03, latitude=29.0502
    )
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["grid"] == world.grid_a1.pk
    [warning] = body["warnings"]
    # The grid the point is in is not the worker's to see: it is not named.
    assert warning["code"] == "point_outside_grid" and warning["grid"] is None
    assert 20 <= warning["distance_m"] <= 25


def test_a_point_outside_the_callers_territory_is_a_400_on_latitude(api, shaped_world, category):
    world = shaped_world
    before = Case.objects.count()
    for fields in ({}, {"grid": world.grid_a1.pk}):
        response = _create(api(world.admin_a), category, longitude=IN_B1[0], latitude=IN_B1[1], **fields)
        assert response.status_code == 400, fields
        assert "latitude" in response.json()
    assert _create(api(world.worker_a), category, longitude=IN_A3[0], latitude=IN_A3[1]).status_code == 400
    assert Case.objects.count() == before


def test_a_point_just_outside_every_grid_goes_to_the_nearest_with_a_warning(api, shaped_world, category):
    world = shaped_world
    response = _create(api(world.admin_a), category, longitude=106.08, latitude=29.0504)
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["grid"] == world.grid_a3.pk
    assert body["warnings"][0]["code"] == "point_near_grid"
    assert 40 < body["warnings"][0]["distance_m"] < 50


def test_a_worker_covering_one_grid_may_send_neither_grid_nor_point(api, shaped_world, category):
    world = shaped_world
    response = _create(api(world.worker_a), category)
    assert response.status_code == 201, response.data
    assert response.json()["grid"] == world.grid_a1.pk
    # Covering two grids, the worker must say which.
    GridWorker.objects.get(user=world.worker_a).grids.add(world.grid_a2)
    response = _create(api(world.worker_a), category)
    assert response.status_code == 400 and "grid" in response.json()
    # The centre sees many grids: it names one, or gives the point.
    assert "grid" in _create(api(world.admin_a), category).json()


@pytest.mark.parametrize("system", ["wgs84", "gcj02", "bd09"])
def test_each_coordinate_system_is_stored_as_wgs84(api, shaped_world, category, system):
    world = shaped_world
    wgs = (106.0498, 29.02)  # 20 m inside grid A1's east edge; GCJ-02 reads it in grid A3
    point = {"wgs84": wgs, "gcj02": wgs84_to_gcj02(*wgs), "bd09": gcj02_to_bd09(*wgs84_to_gcj02(*wgs))}[
        system
    ]
    response = _create(
        api(world.admin_a), category, longitude=point[0], latitude=point[1], coord_system=system
    )
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["grid"] == world.grid_a1.pk
    assert body["longitude"] == pytest.approx(wgs[0], abs=2e-6)
    assert body["latitude"] == pytest.approx(wgs[1], abs=2e-6)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"latitude": 29.02}, "longitude"),
        ({"longitude": 106.02}, "latitude"),
        ({"latitude": 29.02, "longitude": 106.02, "coord_system": "mars"}, "coord_system"),
        ({"latitude": 95, "longitude": 106.02}, "latitude"),
    ],
)
def test_bad_points_are_400_naming_the_field(api, shaped_world, category, fields, field):
    response = _create(api(shaped_world.admin_a), category, **fields)
    assert response.status_code == 400 and field in response.json()
    assert not Case.objects.exists()


def test_each_sync_item_is_placed_by_its_point(api, shaped_world, category):
    world = shaped_world
    items = [
        {
            "idempotency_key": "p-1",
            "case": {"category": category.pk, "title": "一", "longitude": IN_A1[0], "latitude": IN_A1[1]},
        },
        {
            "idempotency_key": "p-2",
            "case": {"category": category.pk, "title": "二", "longitude": IN_B1[0], "latitude": IN_B1[1]},
        },
        {
            "idempotency_key": "p-3",
            "case": {
                "category": category.pk,
                "title": "三",
                "grid": world.grid_a1.pk,
                "longitude": IN_A2[0],
                "latitude": IN_A2[1],
            },
        },
    ]
    response = api(world.admin_a).post(reverse("v1:case-sync"), {"items": items}, format="json")
    assert response.status_code == 200
    first, second, third = response.json()["results"]
    assert first["status"] == 201 and first["body"]["grid"] == world.grid_a1.pk
    assert second["status"] == 400 and "latitude" in second["body"]
    assert third["status"] == 201 and third["body"]["warnings"][0]["grid"]["id"] == world.grid_a2.pk
    assert Case.objects.count() == 2


def test_without_boundaries_a_given_grid_takes_any_point(api, world, category):
    response = _create(api(world.admin_a), category, grid=world.grid_a1.pk, latitude=29.5, longitude=106.5)
    assert response.status_code == 201, response.data
    assert response.json()["warnings"] == []
