"""Moving and deleting nodes of the territory: codes, parents and stored copies stay consistent."""

import pytest
from django.urls import reverse

from cases.models import Case
from grids.models import Community, Grid, GridWorker, Street
from tests.factories import CaseFactory, CommunityFactory, GridFactory, MicroGridFactory, StreetFactory

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"v1:{name}", kwargs=kwargs)


def stored(obj, *fields):
    return type(obj).objects.filter(pk=obj.pk).values_list(*fields).get()


# --- a street's district is the superuser's ----------------------------------------------


@pytest.mark.parametrize(
    "change", [{"district_code": "500119", "code": "500119888"}, {"district_name": "南川区"}]
)
def test_street_admin_may_not_move_their_street_to_another_district(world, api, change):
    # Given street A, seen by the Jiangjin district viewer
    before = stored(world.street_a, "code", "district_code", "district_name")
    # When its street admin changes the district
    response = api(world.admin_a).patch(url("street-detail", pk=world.street_a.pk), change, format="json")
    # Then it is a role refusal and the street stays in Jiangjin
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert stored(world.street_a, "code", "district_code", "district_name") == before
    assert api(world.viewer).get(url("street-detail", pk=world.street_a.pk)).status_code == 200


def test_street_admin_may_not_change_their_streets_code_while_it_has_communities(world, api):
    response = api(world.admin_a).patch(
        url("street-detail", pk=world.street_a.pk), {"code": "500116999"}, format="json"
    )
    assert response.status_code == 409
    assert "村（社区）" in response.json()["detail"]
    assert stored(world.street_a, "code") == (world.street_a.code,)


def test_superuser_moves_an_empty_street_but_not_one_with_communities(world, api):
    client = api(world.superuser)
    move = {"district_code": "500119", "district_name": "南川区", "code": "500119777"}
    refused = client.patch(url("street-detail", pk=world.street_a.pk), move, format="json")
    assert refused.status_code == 409
    assert stored(world.street_a, "district_code") == ("500116",)
    empty = StreetFactory(district_code="500116", code="500116777")
    moved = client.patch(url("street-detail", pk=empty.pk), move, format="json")
    assert moved.status_code == 200, moved.json()
    assert stored(empty, "code", "district_code") == ("500119777", "500119")


def test_echoing_a_street_unchanged_is_not_a_change(world, api):
    client = api(world.admin_a)
    body = client.get(url("street-detail", pk=world.street_a.pk)).json()
    response = client.patch(url("street-detail", pk=world.street_a.pk), body, format="json")
    assert response.status_code == 200
    assert response.json() == body


# --- a node's code and parent stay fixed while anything refers to it ---------------------


def test_changing_a_communitys_code_while_it_has_grids_is_409(world, api):
    # Given community A, whose grids' codes start with its code
    new_code = world.street_a.code + "999"
    # When the street admin changes the community's code
    response = api(world.admin_a).patch(
        url("community-detail", pk=world.community_a.pk), {"code": new_code}, format="json"
    )
    # Then it is refused, naming the grids, and every code still agrees
    assert response.status_code == 409
    assert "网格" in response.json()["detail"]
    assert stored(world.community_a, "code") == (world.community_a.code,)
    assert all(g.code.startswith(world.community_a.code) for g in world.community_a.grids.all())


def test_superuser_may_not_move_a_community_with_grids_and_cases_to_another_street(world, api):
    CaseFactory(grid=world.grid_a1)
    new_code = world.street_b.code + "999"
    response = api(world.superuser).patch(
        url("community-detail", pk=world.community_a.pk),
        {"street": world.street_b.pk, "code": new_code},
        format="json",
    )
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "网格" in detail and "案件" in detail
    assert stored(world.community_a, "street_id", "code") == (world.street_a.pk, world.community_a.code)
    assert Case.objects.get().street_id == world.street_a.pk


def test_moving_a_grid_with_cases_to_another_community_is_409_and_the_cases_stay_consistent(world, api):
    # Given a case of grid A2, which stores grid A2's community and street
    case = CaseFactory(grid=world.grid_a2)
    # When the street admin moves grid A2 to community A2 (same street)
    response = api(world.admin_a).patch(
        url("grid-detail", pk=world.grid_a2.pk),
        {"community": world.community_a2.pk, "code": world.community_a2.code + "555"},
        format="json",
    )
    # Then it is refused, naming the cases, and the case still agrees with its grid
    assert response.status_code == 409
    assert "案件" in response.json()["detail"]
    world.grid_a2.refresh_from_db()
    case.refresh_from_db()
    assert world.grid_a2.community_id == world.community_a.pk
    assert case.community_id == world.grid_a2.community_id


def test_moving_a_grid_covered_by_a_worker_is_409(world, api):
    response = api(world.admin_a).patch(
        url("grid-detail", pk=world.grid_a1.pk),
        {"community": world.community_a2.pk, "code": world.community_a2.code + "555"},
        format="json",
    )
    assert response.status_code == 409
    assert "网格员" in response.json()["detail"]
    assert stored(world.grid_a1, "community_id") == (world.community_a.pk,)


def test_changing_a_grids_code_while_it_has_micro_grids_is_409(world, api):
    micro = MicroGridFactory(grid=world.grid_a2)
    response = api(world.admin_a).patch(
        url("grid-detail", pk=world.grid_a2.pk), {"code": world.community_a.code + "555"}, format="json"
    )
    assert response.status_code == 409
    assert "微网格" in response.json()["detail"]
    assert micro.code.startswith(stored(world.grid_a2, "code")[0])


def test_a_grid_with_nothing_under_it_can_still_be_moved(world, api):
    # Given a grid nothing refers to yet (created by mistake under the wrong community)
    grid = GridFactory(community=world.community_a)
    new_code = world.community_a2.code + "555"
    # When the street admin moves it
    response = api(world.admin_a).patch(
        url("grid-detail", pk=grid.pk), {"community": world.community_a2.pk, "code": new_code}, format="json"
    )
    # Then it moves, with a code consistent with its new community
    assert response.status_code == 200, response.json()
    assert stored(grid, "community_id", "code") == (world.community_a2.pk, new_code)


def test_renaming_a_node_that_has_children_is_still_allowed(world, api):
    response = api(world.admin_a).patch(
        url("community-detail", pk=world.community_a.pk), {"name": "浒溪新社区"}, format="json"
    )
    assert response.status_code == 200
    assert stored(world.community_a, "name") == ("浒溪新社区",)


# --- deleting -------------------------------------------------------------------------------


def test_deleting_a_grid_still_covered_by_a_worker_is_409(world, api):
    # Given grid A1, covered by worker A (a many-to-many row, which PROTECT does not guard)
    worker = GridWorker.objects.get(user=world.worker_a)
    # When the street admin deletes the grid
    response = api(world.admin_a).delete(url("grid-detail", pk=world.grid_a1.pk))
    # Then it is refused, naming the workers, and the grid and the coverage remain
    assert response.status_code == 409
    assert response.json()["detail"] == "浒溪一网格 下仍有网格员，不能删除。"
    assert Grid.objects.filter(pk=world.grid_a1.pk).exists()
    assert list(worker.grids.all()) == [world.grid_a1]


def test_only_a_superuser_deletes_a_street(world, api):
    empty = StreetFactory()
    response = api(world.admin_a).delete(url("street-detail", pk=world.street_a.pk))
    assert response.status_code == 403
    assert Street.objects.filter(pk=world.street_a.pk).exists()
    assert api(world.superuser).delete(url("street-detail", pk=empty.pk)).status_code == 204
    assert not Street.objects.filter(pk=empty.pk).exists()


def test_deleting_a_street_with_communities_is_409(world, api):
    response = api(world.superuser).delete(url("street-detail", pk=world.street_b.pk))
    assert response.status_code == 409
    assert "村（社区）" in response.json()["detail"]
    assert Street.objects.filter(pk=world.street_b.pk).exists()


def test_deleting_another_streets_street_or_community_is_404(world, api):
    client = api(world.admin_a)
    assert client.delete(url("street-detail", pk=world.street_b.pk)).status_code == 404
    assert client.delete(url("community-detail", pk=world.community_b.pk)).status_code == 404
    empty = CommunityFactory(street=world.street_b)
    assert client.delete(url("community-detail", pk=empty.pk)).status_code == 404
    assert Community.objects.filter(pk=empty.pk).exists()
    assert Street.objects.filter(pk=world.street_b.pk).exists()
