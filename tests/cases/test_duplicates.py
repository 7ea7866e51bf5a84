"""Possible duplicates: in a create's answer, and asked for before logging (cases/nearby)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db
LIST = reverse("v1:case-list")
NEARBY = reverse("v1:case-nearby")
# About 1 m of latitude in degrees.
METRE = 1 / 111_195


def _at(world, category, lat, lng, title="楼道堆放杂物", actor=None, **fields):
    return services.case_create(
        actor=actor or world.admin_a, category=category, title=title, latitude=lat, longitude=lng, **fields
    )


def test_a_create_lists_open_cases_of_its_category_nearby_and_recent(api, shaped_world, category):
    world = shaped_world
    lat, lng = 29.02, 106.02
    near = _at(world, category, lat + 30 * METRE, lng)
    nearer = _at(world, category, lat + 10 * METRE, lng)
    _at(world, category, lat + 80 * METRE, lng, title="太远")  # beyond 50 m
    _at(world, CategoryFactory(), lat, lng, title="别的类别")
    closed = _at(world, category, lat, lng, title="已办结")
    Case.objects.filter(pk=closed.pk).update(status="rejected")
    old = _at(world, category, lat, lng, title="三天前")
    Case.objects.filter(pk=old.pk).update(reported_at=timezone.now() - timedelta(hours=73))
    response = api(world.admin_a).post(
        LIST, {"category": category.pk, "title": "又一处", "latitude": lat, "longitude": lng}, format="json"
    )
    assert response.status_code == 201, response.data
    found = response.json()["possible_duplicates"]
    assert [d["id"] for d in found] == [nearer.pk, near.pk]
    assert found[0]["number"] == nearer.number and 9 < found[0]["distance_m"] < 11
    assert isinstance(found[0]["latitude"], float)


def test_the_radius_and_period_are_the_categorys(api, shaped_world):
    world = shaped_world
    wide = CategoryFactory(duplicate_radius_m=200, duplicate_window_hours=24 * 7)
    far = _at(world, wide, 29.02 + 150 * METRE, 106.02)
    Case.objects.filter(pk=far.pk).update(reported_at=timezone.now() - timedelta(days=5))
    body = api(world.admin_a).get(NEARBY, {"lat": 29.02, "lng": 106.02, "category": wide.pk}).json()
    assert [d["id"] for d in body["results"]] == [far.pk]


def test_nearby_answers_only_cases_the_caller_sees(api, shaped_world, category):
    world = shaped_world
    # A case of grid A2 right by the edge, and the grid worker of A1 standing on their side.
    edge = _at(world, category, 29.05 + 5 * METRE, 106.02)
    params = {"lat": 29.05 - 5 * METRE, "lng": 106.02, "category": category.pk}
    assert [d["id"] for d in api(world.admin_a).get(NEARBY, params).json()["results"]] == [edge.pk]
    assert api(world.worker_a).get(NEARBY, params).json()["results"] == []
    assert api(world.admin_b).get(NEARBY, params).json()["results"] == []


def test_nearby_takes_each_coordinate_system(api, shaped_world, category):
    from grids.geo.coords import wgs84_to_gcj02

    world = shaped_world
    case = _at(world, category, 29.02, 106.02)
    lng, lat = wgs84_to_gcj02(106.02, 29.02)
    client = api(world.admin_a)
    assert client.get(NEARBY, {"lat": lat, "lng": lng, "category": category.pk}).json()["results"] == []
    body = client.get(
        NEARBY, {"lat": lat, "lng": lng, "category": category.pk, "coord_system": "gcj02"}
    ).json()
    assert [d["id"] for d in body["results"]] == [case.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lng": 106.02}, "lat"),
        ({"lat": 29.02, "lng": 106.02}, "category"),
        ({"lat": 29.02, "lng": 106.02, "category": 999999}, "category"),
        ({"lat": "x", "lng": 106.02}, "lat"),
        ({"lat": 91, "lng": 106.02, "category": "CATEGORY"}, "lat"),
        ({"lat": 29.02, "lng": 181, "category": "CATEGORY"}, "lng"),
        ({"lat": 29.02, "lng": 106.02, "category": "CATEGORY", "coord_system": "mars"}, "coord_system"),
        # A radius the endpoint does not take is refused, not silently ignored.
        ({"lat": 29.02, "lng": 106.02, "category": "CATEGORY", "radius": 500}, "radius"),
    ],
)
def test_nearby_bad_input_is_400(api, shaped_world, category, params, field):
    params = {k: category.pk if v == "CATEGORY" else v for k, v in params.items()}
    response = api(shaped_world.admin_a).get(NEARBY, params)
    assert response.status_code == 400 and field in response.json()


def test_nearby_is_for_those_who_report(api, shaped_world, category):
    params = {"lat": 29.02, "lng": 106.02, "category": category.pk}
    assert api(shaped_world.viewer).get(NEARBY, params).status_code == 403
    assert api(shaped_world.nobody).get(NEARBY, params).status_code == 403
    assert api().get(NEARBY, params).status_code == 401
