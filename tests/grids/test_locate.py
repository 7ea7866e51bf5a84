"""GET /api/v1/locate/: the street, community, grid and micro-grid holding a point, in scope."""

import pytest

from grids.geo.coords import gcj02_to_bd09, wgs84_to_gcj02
from grids.geo.index import spatial_index
from tests.factories import MicroGridFactory
from tests.geo import IN_A1, IN_A2, IN_A2_COMMUNITY_ONLY, IN_A3, IN_B1, rect, shape

pytestmark = pytest.mark.django_db
URL = "/api/v1/locate/"


def _locate(client, lng, lat, **extra):
    return client.get(URL, {"lat": lat, "lng": lng, **extra})


def test_a_point_inside_a_grid_names_the_grid_and_its_parents(api, shaped_world):
    world = shaped_world
    micro = shape(MicroGridFactory(grid=world.grid_a1), rect(106.01, 29.01, 106.03, 29.03))
    response = _locate(api(world.admin_a), *IN_A1)
    assert response.status_code == 200, response.data
    body = response.json()
    assert body["grid"] == {"id": world.grid_a1.pk, "code": world.grid_a1.code, "name": world.grid_a1.name}
    assert body["community"]["id"] == world.community_a.pk
    assert body["street"]["id"] == world.street_a.pk
    assert body["micro_grid"]["id"] == micro.pk
    assert body["in_grid"] is True and body["grid_distance_m"] == 0
    assert (body["longitude"], body["latitude"]) == IN_A1


def test_a_point_outside_every_micro_grid_has_none(api, shaped_world):
    body = _locate(api(shaped_world.admin_a), *IN_A2).json()
    assert body["grid"]["id"] == shaped_world.grid_a2.pk and body["micro_grid"] is None


def test_a_point_on_the_edge_of_two_grids_belongs_to_the_lower_code(api, shaped_world):
    world = shaped_world
    assert world.grid_a1.code < world.grid_a2.code
    # On the shared edge at 29.05 N, and on the corner where three grids meet.
    for point in [(106.02, 29.05), (106.05, 29.05), (106.00, 29.02)]:
        body = _locate(api(world.admin_a), *point).json()
        assert body["grid"]["id"] == world.grid_a1.pk, point
        assert body["in_grid"] is True


def test_no_grid_there_answers_the_nearest_grid_within_the_distance(api, shaped_world, settings):
    world = shaped_world
    settings.LOCATE_NEAREST_GRID_M = 100
    # 0.0005° of latitude (about 55 m) north of community A2's grid A3, in its gridless half.
    near = _locate(api(world.admin_a), 106.08, 29.0505).json()
    assert near["grid"]["id"] == world.grid_a3.pk
    assert near["in_grid"] is False
    assert 50 < near["grid_distance_m"] < 60
    assert near["community"]["id"] == world.community_a2.pk and near["micro_grid"] is None
    # Farther than the distance: the community and street only.
    far = _locate(api(world.admin_a), *IN_A2_COMMUNITY_ONLY).json()
    assert far["grid"] is None and far["grid_distance_m"] is None
    assert far["community"]["id"] == world.community_a2.pk and far["street"]["id"] == world.street_a.pk


def test_outside_the_callers_territory_is_the_same_404_as_nowhere(api, shaped_world):
    world = shaped_world
    elsewhere = _locate(api(world.admin_a), *IN_B1)
    nowhere = _locate(api(world.admin_a), 120.0, 40.0)
    assert elsewhere.status_code == nowhere.status_code == 404
    assert elsewhere.json() == nowhere.json()
    # A grid worker's territory is their grids: the next grid of their own street is outside it.
    assert _locate(api(world.worker_a), *IN_A1).status_code == 200
    assert _locate(api(world.worker_a), *IN_A2).status_code == 404
    # Community staff: their community's grids, not the other community's.
    assert _locate(api(world.staff_a), *IN_A2).status_code == 200
    assert _locate(api(world.staff_a), *IN_A3).status_code == 404
    # The district viewer sees street A's district only; the superuser everything.
    assert _locate(api(world.viewer), *IN_A3).status_code == 200
    assert _locate(api(world.viewer), *IN_B1).status_code == 404
    assert _locate(api(world.superuser), *IN_B1).json()["grid"]["id"] == world.grid_b1.pk


def test_each_coordinate_system_finds_the_same_grid(api, shaped_world):
    world = shaped_world
    client = api(world.admin_a)
    # A point 20 m inside grid A1's east edge: GCJ-02 shifts it about 370 m east (and 330 m
    # south) here, so the raw reading would be in grid A3; converted, it is in A1 again.
    wgs = (106.0498, 29.02)
    gcj = wgs84_to_gcj02(*wgs)
    bd = gcj02_to_bd09(*gcj)
    assert _locate(client, *gcj).json()["grid"]["id"] == world.grid_a3.pk
    # Within 0.1 m: BD-09 back to GCJ-02 is itself an approximation (a few centimetres).
    for system, point in (("wgs84", wgs), ("gcj02", gcj), ("bd09", bd)):
        body = _locate(client, *point, coord_system=system).json()
        assert body["grid"]["id"] == world.grid_a1.pk, system
        assert body["longitude"] == pytest.approx(wgs[0], abs=1e-6), system
        assert body["latitude"] == pytest.approx(wgs[1], abs=1e-6), system


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lng": 106.02}, "lat"),
        ({"lat": 29.02}, "lng"),
        ({"lat": "north", "lng": 106.02}, "lat"),
        ({"lat": 91, "lng": 106.02}, "lat"),
        ({"lat": 29.02, "lng": 181}, "lng"),
        ({"lat": 29.02, "lng": 106.02, "coord_system": "utm"}, "coord_system"),
    ],
)
def test_bad_parameters_are_400_naming_them(api, shaped_world, params, field):
    response = api(shaped_world.admin_a).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_a_role_without_territory_is_403_and_anonymous_401(api, shaped_world):
    from tests.factories import MediatorFactory, UserFactory, UserScopeFactory

    assert _locate(api(shaped_world.nobody), *IN_A1).status_code == 403
    mediator = MediatorFactory(street=shaped_world.street_a, user=UserFactory())
    UserScopeFactory(user=mediator.user, role="mediator", street=shaped_world.street_a)
    assert _locate(api(mediator.user), *IN_A1).status_code == 403
    assert _locate(api(), *IN_A1).status_code == 401


def test_the_index_is_rebuilt_when_a_boundary_changes(api, shaped_world):
    world = shaped_world
    client = api(world.admin_a)
    before = spatial_index()
    assert _locate(client, *IN_A3).json()["grid"]["id"] == world.grid_a3.pk
    # The street admin moves grid A3's north edge down: the point is no longer in it.
    response = client.patch(
        f"/api/v1/grids/{world.grid_a3.pk}/", {"boundary": rect(106.05, 29.00, 106.10, 29.01)}, format="json"
    )
    assert response.status_code == 200, response.data
    assert spatial_index().token != before.token
    body = _locate(client, *IN_A3).json()
    assert body["grid"] is None and body["community"]["id"] == world.community_a2.pk


def test_a_committed_index_is_used_without_a_query_and_another_process_change_arrives_in_time(
    shaped_world, settings, monkeypatch, django_assert_num_queries
):
    from grids.geo import index
    from grids.models import BoundaryVersion

    settings.GEO_INDEX_RECHECK_SECONDS = 30
    # As if the world's boundaries had been committed (the test's transaction never commits);
    # the index's state is put back afterwards, for the tests that follow.
    _own_index_state(monkeypatch, index)
    built = spatial_index()
    with django_assert_num_queries(0):
        assert spatial_index() is built
        assert spatial_index().grids.covering(*IN_A3) == shaped_world.grid_a3.pk
    # Another process moves grid A3 and commits: this one keeps its index for the interval…
    shaped_world.grid_a3.boundary = rect(106.05, 29.00, 106.10, 29.01)
    type(shaped_world.grid_a3).objects.filter(pk=shaped_world.grid_a3.pk).update(
        boundary=shaped_world.grid_a3.boundary
    )
    BoundaryVersion.objects.filter(pk=1).update(token="changed-elsewhere")
    assert spatial_index() is built
    # …and reads the token again once it has passed.
    monkeypatch.setattr(index, "_confirmed_at", index._confirmed_at - 31)
    rebuilt = spatial_index()
    assert rebuilt.token == "changed-elsewhere"
    assert rebuilt.grids.covering(*IN_A3) is None


def test_a_boundary_written_here_is_used_at_once_even_within_the_interval(
    shaped_world, settings, monkeypatch
):
    from grids.geo import index

    settings.GEO_INDEX_RECHECK_SECONDS = 3600
    _own_index_state(monkeypatch, index)
    assert spatial_index().grids.covering(*IN_A3) == shaped_world.grid_a3.pk
    shape(shaped_world.grid_a3, rect(106.05, 29.00, 106.10, 29.01))
    assert spatial_index().grids.covering(*IN_A3) is None


def _own_index_state(monkeypatch, index) -> None:
    monkeypatch.setattr(index, "_uncommitted", set())
    monkeypatch.setattr(index, "_current", None)
    monkeypatch.setattr(index, "_confirmed_at", float("-inf"))
