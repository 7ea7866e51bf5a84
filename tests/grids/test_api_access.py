"""Roles and territory on every territory endpoint: 403 for a role that may not write, 404
outside the caller's street, and nothing written either way."""

import pytest
from django.urls import reverse

from grids.models import CoGovernanceMember, Community, MicroGrid
from tests.factories import CoGovernanceMemberFactory, MicroGridFactory

pytestmark = pytest.mark.django_db

READ_ONLY_ROLES = ["worker_a", "staff_a", "viewer", "nobody"]


def url(name, **kwargs):
    return reverse(f"v1:{name}", kwargs=kwargs)


def community_payload(world, **overrides):
    return {
        "code": world.street_a.code + "088",
        "name": "陡石村",
        "kind": "rural",
        "population": 3200,
        "street": world.street_a.pk,
        **overrides,
    }


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


def member_payload(world, **overrides):
    return {"role": "volunteer", "name": "刘洋", "community": world.community_a.pk, **overrides}


# --- wrong role: 403, nothing written -------------------------------------------------------


@pytest.mark.parametrize("who", READ_ONLY_ROLES)
def test_read_only_roles_may_not_write_communities(world, api, who):
    client = api(getattr(world, who))
    detail = url("community-detail", pk=world.community_a.pk)
    assert client.post(url("community-list"), community_payload(world), format="json").status_code == 403
    assert client.patch(detail, {"name": "改名"}, format="json").status_code == 403
    assert client.delete(detail).status_code == 403
    assert not Community.objects.filter(name__in=["陡石村", "改名"]).exists()
    assert Community.objects.filter(pk=world.community_a.pk).exists()


@pytest.mark.parametrize("who", READ_ONLY_ROLES)
def test_read_only_roles_may_not_write_micro_grids(world, api, who):
    micro = MicroGridFactory(grid=world.grid_a1, name="1栋")
    client = api(getattr(world, who))
    detail = url("micro-grid-detail", pk=micro.pk)
    assert client.post(url("micro-grid-list"), micro_grid_payload(world), format="json").status_code == 403
    assert client.patch(detail, {"name": "改名"}, format="json").status_code == 403
    assert client.delete(detail).status_code == 403
    assert list(MicroGrid.objects.values_list("name", flat=True)) == ["1栋"]


@pytest.mark.parametrize("who", READ_ONLY_ROLES)
def test_read_only_roles_may_not_write_members(world, api, who):
    member = CoGovernanceMemberFactory(community=world.community_a, grid=world.grid_a1, name="王秀英")
    client = api(getattr(world, who))
    detail = url("member-detail", pk=member.pk)
    assert client.post(url("member-list"), member_payload(world), format="json").status_code == 403
    assert client.patch(detail, {"name": "改名"}, format="json").status_code == 403
    assert client.delete(detail).status_code == 403
    assert list(CoGovernanceMember.objects.values_list("name", flat=True)) == ["王秀英"]


# --- wrong territory: 404, nothing written --------------------------------------------------


def test_another_streets_micro_grid_is_404_on_every_method(world, api):
    micro = MicroGridFactory(grid=world.grid_b1, name="1栋")
    client = api(world.admin_a)
    detail = url("micro-grid-detail", pk=micro.pk)
    assert client.get(detail).status_code == 404
    assert client.patch(detail, {"name": "改名"}, format="json").status_code == 404
    assert client.delete(detail).status_code == 404
    assert client.post(url("micro-grid-reveal", pk=micro.pk), {"field": "leader_name"}).status_code == 404
    assert list(MicroGrid.objects.values_list("name", flat=True)) == ["1栋"]


def test_a_worker_gets_404_for_a_micro_grid_of_another_grid(world, api):
    micro = MicroGridFactory(grid=world.grid_a2)
    assert api(world.worker_a).get(url("micro-grid-detail", pk=micro.pk)).status_code == 404
    assert api(world.worker_a).get(url("micro-grid-list")).json()["count"] == 0


def test_another_streets_community_is_404_for_writes(world, api):
    client = api(world.admin_a)
    detail = url("community-detail", pk=world.community_b.pk)
    assert client.patch(detail, {"name": "改名"}, format="json").status_code == 404
    assert client.delete(detail).status_code == 404
    assert Community.objects.filter(pk=world.community_b.pk, name="灌坝社区").exists()


def test_a_community_cannot_be_created_in_another_street(world, api):
    payload = community_payload(world, street=world.street_b.pk, code=world.street_b.code + "088")
    response = api(world.admin_a).post(url("community-list"), payload, format="json")
    assert response.status_code == 400
    assert "street" in response.json()
    assert not Community.objects.filter(name="陡石村").exists()


# --- codes consistent with their parents ------------------------------------------------------


def test_a_community_code_must_start_with_its_street_code(world, api):
    payload = community_payload(world, code=world.street_b.code + "088")
    response = api(world.admin_a).post(url("community-list"), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["code"]
    assert not Community.objects.filter(name="陡石村").exists()


def test_a_micro_grid_code_must_start_with_its_grid_code(world, api):
    payload = micro_grid_payload(world, code=world.grid_a2.code + "001")
    response = api(world.admin_a).post(url("micro-grid-list"), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["code"]
    assert not MicroGrid.objects.exists()


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
