"""Boundaries are checked on every write: a valid polygon, inside the parent, clear of siblings.

A bad boundary is a 400 on `boundary` that says what is wrong and where, and nothing is written.
"""

import json

import pytest

from grids.geo.index import stored_token
from grids.models import Grid
from tests.factories import GridFactory, MicroGridFactory
from tests.geo import rect

pytestmark = pytest.mark.django_db

# About 1 m of latitude in degrees (1/111,195).
METRE = 1 / 111_195


def _patch(client, obj, data):
    kind = {"Street": "streets", "Community": "communities", "Grid": "grids", "MicroGrid": "micro-grids"}
    return client.patch(f"/api/v1/{kind[type(obj).__name__]}/{obj.pk}/", data, format="json")


def _refused(response, *words):
    assert response.status_code == 400, response.data
    message = response.json()["boundary"][0]
    for word in words:
        assert word in message, message
    return message


def test_a_good_boundary_is_stored_as_a_multipolygon_with_a_label_point(api, shaped_world):
    world = shaped_world
    polygon = {"type": "Polygon", "coordinates": rect(106.0, 29.0, 106.05, 29.05)["coordinates"][0]}
    token = stored_token()
    response = _patch(api(world.admin_a), world.grid_a1, {"boundary": polygon})
    assert response.status_code == 200, response.data
    grid = Grid.objects.get(pk=world.grid_a1.pk)
    assert grid.boundary == rect(106.0, 29.0, 106.05, 29.05)
    assert grid.label_point["type"] == "Point"
    assert response.json()["boundary"] == grid.boundary
    assert stored_token() != token  # every process's index will be rebuilt


def test_a_self_intersecting_polygon_is_refused_with_where_it_crosses(api, shaped_world):
    world = shaped_world
    before = Grid.objects.get(pk=world.grid_a1.pk).boundary
    bowtie = {
        "type": "MultiPolygon",
        "coordinates": [[[[106.0, 29.0], [106.04, 29.04], [106.04, 29.0], [106.0, 29.04], [106.0, 29.0]]]],
    }
    message = _refused(
        _patch(api(world.admin_a), world.grid_a1, {"boundary": bowtie}), "106.020000, 29.020000"
    )
    assert "自相交" in message  # "its outline crosses itself", in the default language
    assert Grid.objects.get(pk=world.grid_a1.pk).boundary == before


@pytest.mark.parametrize(
    ("boundary", "words"),
    [
        ({"type": "Point", "coordinates": [106.0, 29.0]}, ["MultiPolygon"]),
        ({"type": "MultiPolygon", "coordinates": []}, []),
        ({"type": "MultiPolygon", "coordinates": [[[[106.0, 29.0], [106.01, 29.0], [106.0, 29.0]]]]}, ["4"]),
        (
            {
                "type": "MultiPolygon",
                "coordinates": [[[[106.0, 29.0], [106.01, 29.0], [106.01, 29.01], [106.0, 29.01]]]],
            },
            ["106.000000, 29.000000"],
        ),
        (
            {
                "type": "MultiPolygon",
                "coordinates": [[[[206.0, 29.0], [106.01, 29.0], [106.01, 29.01], [206.0, 29.0]]]],
            },
            ["206"],
        ),
        (
            {
                "type": "MultiPolygon",
                "coordinates": [[[["a", 29.0], [106.01, 29.0], [106.01, 29.01], ["a", 29.0]]]],
            },
            [],
        ),
    ],
    ids=[
        "not-a-polygon",
        "no-polygons",
        "too-few-positions",
        "ring-not-closed",
        "not-a-longitude",
        "not-numbers",
    ],
)
def test_malformed_geojson_is_a_400_on_boundary(api, shaped_world, boundary, words):
    world = shaped_world
    _refused(_patch(api(world.admin_a), world.grid_a1, {"boundary": boundary}), *words)


def test_a_boundary_reaching_outside_its_parent_is_refused(api, shaped_world, settings):
    world = shaped_world
    settings.BOUNDARY_TOLERANCE_M = 5
    # 0.001° (about 110 m) south of community A's southern edge.
    message = _refused(
        _patch(api(world.admin_a), world.grid_a1, {"boundary": rect(106.0, 28.999, 106.05, 29.05)}),
        world.community_a.code,
        world.community_a.name,
    )
    assert "111 m" in message or "111 米" in message, message
    assert Grid.objects.get(pk=world.grid_a1.pk).boundary == rect(106.0, 29.0, 106.05, 29.05)


def test_within_the_tolerance_a_boundary_may_stray_outside_and_overlap(api, shaped_world, settings):
    world = shaped_world
    settings.BOUNDARY_TOLERANCE_M = 5
    client = api(world.admin_a)
    # 3 m outside community A to the south, 3 m into grid A2 to the north.
    three = 3 * METRE
    response = _patch(client, world.grid_a1, {"boundary": rect(106.0, 29.0 - three, 106.05, 29.05 + three)})
    assert response.status_code == 200, response.data
    # 8 m is beyond it.
    eight = 8 * METRE
    _refused(
        _patch(client, world.grid_a1, {"boundary": rect(106.0, 29.0, 106.05, 29.05 + eight)}),
        world.grid_a2.code,
    )


def test_a_boundary_overlapping_a_sibling_is_refused_naming_it(api, shaped_world):
    world = shaped_world
    grid = GridFactory(community=world.community_a2)
    message = _refused(
        _patch(api(world.admin_a), grid, {"boundary": rect(106.06, 29.04, 106.08, 29.06)}),
        world.grid_a3.code,
        world.grid_a3.name,
    )
    assert "平方米" in message  # the overlap's area
    assert Grid.objects.get(pk=grid.pk).boundary is None


def test_a_parent_may_not_shrink_away_from_its_children(api, shaped_world):
    world = shaped_world
    message = _refused(
        _patch(api(world.admin_a), world.community_a, {"boundary": rect(106.0, 29.0, 106.05, 29.06)}),
        world.grid_a2.code,
    )
    assert world.grid_a2.name in message


def test_a_new_node_is_checked_too_and_a_label_point_must_lie_inside(api, shaped_world):
    world = shaped_world
    client = api(world.admin_a)
    data = {
        "community": world.community_a2.pk,
        "code": world.community_a2.code + "099",
        "name": "新网格",
        "kind": "urban_residential",
    }
    overlapping = client.post(
        "/api/v1/grids/", {**data, "boundary": rect(106.06, 29.04, 106.08, 29.06)}, format="json"
    )
    _refused(overlapping, world.grid_a3.code)
    outside_label = client.post(
        "/api/v1/grids/",
        {**data, "boundary": rect(106.06, 29.06, 106.08, 29.08), "label_point": [106.0, 29.0]},
        format="json",
    )
    assert outside_label.status_code == 400 and "label_point" in outside_label.json()
    assert not Grid.objects.filter(name="新网格").exists()
    created = client.post(
        "/api/v1/grids/",
        {**data, "boundary": rect(106.06, 29.06, 106.08, 29.08), "label_point": [106.07, 29.07]},
        format="json",
    )
    assert created.status_code == 201, created.data
    assert created.json()["label_point"] == {"type": "Point", "coordinates": [106.07, 29.07]}


def test_micro_grids_stay_inside_their_grid(api, shaped_world):
    world = shaped_world
    micro = MicroGridFactory(grid=world.grid_a1)
    client = api(world.admin_a)
    _refused(_patch(client, micro, {"boundary": rect(106.04, 29.04, 106.06, 29.045)}), world.grid_a1.code)
    assert _patch(client, micro, {"boundary": rect(106.01, 29.01, 106.02, 29.02)}).status_code == 200


def test_removing_a_boundary_and_deleting_a_shaped_node_tell_the_index(api, shaped_world):
    world = shaped_world
    client = api(world.admin_a)
    micro = MicroGridFactory(grid=world.grid_a1)
    assert _patch(client, micro, {"boundary": rect(106.01, 29.01, 106.02, 29.02)}).status_code == 200
    token = stored_token()
    assert _patch(client, micro, {"boundary": None}).status_code == 200
    assert stored_token() != token
    token = stored_token()
    assert _patch(client, micro, {"boundary": rect(106.01, 29.01, 106.02, 29.02)}).status_code == 200
    token = stored_token()
    assert client.delete(f"/api/v1/micro-grids/{micro.pk}/").status_code == 204
    assert stored_token() != token


def test_lists_leave_the_boundary_out_and_details_carry_it(api, shaped_world):
    client = api(shaped_world.admin_a)
    listed = client.get("/api/v1/grids/").json()["results"][0]
    assert "boundary" not in listed and listed["label_point"]["type"] == "Point"
    detail = client.get(f"/api/v1/grids/{listed['id']}/").json()
    assert detail["boundary"]["type"] == "MultiPolygon"


def test_other_roles_and_other_streets_cannot_write_boundaries(api, shaped_world):
    world = shaped_world
    boundary = {"boundary": rect(106.0, 29.0, 106.04, 29.04)}
    for user in (world.staff_a, world.worker_a, world.viewer):
        assert _patch(api(user), world.grid_a1, boundary).status_code == 403, user
    assert _patch(api(world.admin_b), world.grid_a1, boundary).status_code == 404
    assert Grid.objects.get(pk=world.grid_a1.pk).boundary == rect(106.0, 29.0, 106.05, 29.05)


def test_the_admin_form_shows_a_bad_boundary_as_an_error_on_the_field(shaped_world):
    from django.contrib import admin
    from django.forms.models import model_to_dict
    from django.test import RequestFactory

    world = shaped_world
    request = RequestFactory().post("/")
    request.user = world.admin_a
    model_admin = admin.site._registry[Grid]
    grid = Grid.objects.get(pk=world.grid_a1.pk)
    form_class = model_admin.get_form(request, grid)
    data = {k: v for k, v in model_to_dict(grid).items() if v is not None}
    # 0.01° north into grid A2.
    data["boundary"] = json.dumps(rect(106.0, 29.0, 106.05, 29.06))
    data["label_point"] = ""
    form = form_class(data, instance=grid)
    assert not form.is_valid()
    assert world.grid_a2.code in form.errors["boundary"][0]
    assert Grid.objects.get(pk=grid.pk).boundary == rect(106.0, 29.0, 106.05, 29.05)


def test_a_rolled_back_write_leaves_no_process_trusting_its_index(api, shaped_world):
    from django.db import transaction

    from grids.geo.index import spatial_index
    from grids.services import territory_update
    from tests.geo import IN_A3, ROOT

    world = shaped_world
    before = spatial_index().grids.covering(*IN_A3)
    assert before == world.grid_a3.pk
    with transaction.atomic():
        territory_update(scope=ROOT, obj=world.grid_a3, data={"boundary": rect(106.05, 29.00, 106.10, 29.01)})
        # This process sees its own uncommitted write, as PostgreSQL and SQLite show it.
        assert spatial_index().grids.covering(*IN_A3) is None
        transaction.set_rollback(True)
    # The stored token is the old one again, unlike the index's: it is rebuilt from the rows.
    assert spatial_index().grids.covering(*IN_A3) == world.grid_a3.pk
