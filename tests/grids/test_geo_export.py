"""GET /api/v1/geo/<level>/: the boundaries of the caller's territory as GeoJSON."""

import pytest

pytestmark = pytest.mark.django_db


def _codes(response) -> set[str]:
    return {f["properties"]["code"] for f in response.json()["features"]}


def test_the_export_is_a_feature_collection_scoped_like_the_list(api, shaped_world):
    world = shaped_world
    response = api(world.admin_a).get("/api/v1/geo/grids/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert _codes(response) == {world.grid_a1.code, world.grid_a2.code, world.grid_a3.code}
    feature = next(f for f in body["features"] if f["id"] == world.grid_a1.pk)
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"]["parent"] == world.community_a.pk
    assert feature["properties"]["name"] == world.grid_a1.name
    assert feature["properties"]["synthetic"] is False
    assert _codes(api(world.worker_a).get("/api/v1/geo/grids/")) == {world.grid_a1.code}
    assert _codes(api(world.admin_b).get("/api/v1/geo/grids/")) == {world.grid_b1.code}
    assert _codes(api(world.nobody).get("/api/v1/geo/grids/")) == set()
    assert _codes(api(world.superuser).get("/api/v1/geo/streets/")) == {
        world.street_a.code,
        world.street_b.code,
    }


def test_the_lists_filters_apply_and_bad_ones_are_400(api, shaped_world):
    world = shaped_world
    client = api(world.admin_a)
    assert _codes(client.get("/api/v1/geo/grids/", {"community": world.community_a2.pk})) == {
        world.grid_a3.code
    }
    assert _codes(client.get("/api/v1/geo/communities/", {"street": world.street_a.pk})) == {
        world.community_a.code,
        world.community_a2.code,
    }
    assert client.get("/api/v1/geo/grids/", {"community": "abc"}).status_code == 400
    response = client.get("/api/v1/geo/grids/", {"comunity": world.community_a.pk})
    assert response.status_code == 400 and "comunity" in response.json()
    assert api().get("/api/v1/geo/grids/").status_code == 401


def test_nodes_without_a_boundary_are_left_out(api, world):
    assert api(world.admin_a).get("/api/v1/geo/micro-grids/").json()["features"] == []
