"""Which territory each role sees: the one rule every app's lists and details follow."""

import pytest

from grids.models import CoGovernanceMember, Community, Grid, GridWorker, MicroGrid, Street
from grids.scope import scope_for
from tests.factories import CoGovernanceMemberFactory, MicroGridFactory

pytestmark = pytest.mark.django_db


def names(queryset):
    return sorted(str(obj) for obj in queryset)


def test_superuser_sees_everything(world):
    scope = scope_for(world.superuser)
    assert scope.level == "all"
    assert Grid.objects.visible_to(scope).count() == 4


def test_district_viewer_sees_the_streets_of_their_district_only(world):
    scope = scope_for(world.viewer)
    assert names(Street.objects.visible_to(scope)) == ["圣泉街道"]
    assert names(Community.objects.visible_to(scope)) == ["三河村", "浒溪社区"]
    assert Grid.objects.visible_to(scope).count() == 3


def test_street_admin_sees_their_street_only(world):
    scope = scope_for(world.admin_b)
    assert names(Street.objects.visible_to(scope)) == ["东城街道"]
    assert names(Grid.objects.visible_to(scope)) == ["灌坝一网格"]
    assert names(GridWorker.objects.visible_to(scope)) == names(
        GridWorker.objects.filter(street=world.street_b)
    )


def test_community_staff_see_their_community_and_its_street_name(world):
    scope = scope_for(world.staff_a)
    assert names(Street.objects.visible_to(scope)) == ["圣泉街道"]
    assert names(Community.objects.visible_to(scope)) == ["浒溪社区"]
    assert names(Grid.objects.visible_to(scope)) == ["浒溪一网格", "浒溪二网格"]


def test_grid_worker_sees_their_grids_and_their_parents_only(world):
    MicroGridFactory(grid=world.grid_a1, name="1栋")
    MicroGridFactory(grid=world.grid_a2, name="2栋")
    scope = scope_for(world.worker_a)
    assert scope.grid_ids == {world.grid_a1.pk}
    assert names(Street.objects.visible_to(scope)) == ["圣泉街道"]
    assert names(Community.objects.visible_to(scope)) == ["浒溪社区"]
    assert names(Grid.objects.visible_to(scope)) == ["浒溪一网格"]
    assert names(MicroGrid.objects.visible_to(scope)) == ["1栋"]


def test_a_worker_covering_two_grids_is_listed_once(world):
    worker = GridWorker.objects.get(user=world.worker_a)
    worker.grids.add(world.grid_a2)
    assert list(GridWorker.objects.visible_to(scope_for(world.staff_a))) == [worker]
    assert Street.objects.visible_to(scope_for(world.worker_a)).count() == 1


def test_members_are_visible_down_to_their_grid(world):
    on_grid = CoGovernanceMemberFactory(community=world.community_a, grid=world.grid_a1)
    on_community = CoGovernanceMemberFactory(community=world.community_a)
    CoGovernanceMemberFactory(community=world.community_b)
    assert list(CoGovernanceMember.objects.visible_to(scope_for(world.worker_a))) == [on_grid]
    assert set(CoGovernanceMember.objects.visible_to(scope_for(world.staff_a))) == {on_grid, on_community}


def test_a_user_without_a_scope_sees_nothing(world):
    scope = scope_for(world.nobody)
    assert scope.role == "none"
    assert not Street.objects.visible_to(scope).exists()
    assert not GridWorker.objects.visible_to(scope).exists()


def test_an_inactive_worker_loses_their_grids(world):
    GridWorker.objects.filter(user=world.worker_a).update(is_active=False)
    world.worker_a.refresh_from_db()
    assert not Grid.objects.visible_to(scope_for(world.worker_a)).exists()
