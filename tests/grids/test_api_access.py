"""Roles and territory on every territory endpoint: 403 for a role that may not write, 404
outside the caller's street, and nothing written either way."""

import pytest
from django.urls import reverse

from grids.models import MicroGrid

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"v1:{name}", kwargs=kwargs)


def micro_grid_payload(world, **overrides):
    return {
        "code": world.grid_a1.code + "001",
        "name": "5栋",
        "covers": "building",
        "leader_title": "building_leader",
        "leader_name": "赵敏",
        "leader_phone": "13700001111",
        "grid": world.grid_a1.pk,
        **overrides,
    }


@pytest.mark.parametrize(("field", "value"), [("leader_title", "楼长"), ("covers", "castle")])
def test_micro_grid_choices_are_checked(world, api, field, value):
    response = api(world.admin_a).post(
        url("micro-grid-list"), micro_grid_payload(world, **{field: value}), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not MicroGrid.objects.exists()


def test_a_micro_grid_leader_is_a_building_or_unit_leader(world, api):
    response = api(world.admin_a).post(
        url("micro-grid-list"), micro_grid_payload(world, leader_title="unit_leader"), format="json"
    )
    assert response.status_code == 201
    assert response.json()["leader_title"] == "unit_leader"
    assert MicroGrid.objects.get().leader_title == MicroGrid.LeaderTitle.UNIT_LEADER
