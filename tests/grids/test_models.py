"""Model validation and database constraints of the territory."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from grids.models import Community, Grid, MicroGrid, UserScope
from tests.factories import (
    CoGovernanceMemberFactory,
    CommunityFactory,
    GridFactory,
    GridWorkerFactory,
    MicroGridFactory,
    PersonalDataRevealFactory,
    StreetFactory,
    UserFactory,
    UserScopeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory",
    [
        StreetFactory,
        CommunityFactory,
        GridFactory,
        MicroGridFactory,
        GridWorkerFactory,
        CoGovernanceMemberFactory,
        UserScopeFactory,
        PersonalDataRevealFactory,
        UserFactory,
    ],
)
def test_every_factory_builds_a_valid_row(factory):
    obj = factory()
    obj.full_clean()


def test_codes_nest_in_their_parents():
    grid = GridFactory()
    assert grid.code.startswith(grid.community.code)
    assert grid.community.code.startswith(grid.community.street.code)
    assert grid.community.street.code.startswith(grid.community.street.district_code)
    grid.code = "999999999999001"
    with pytest.raises(ValidationError) as info:
        grid.full_clean()
    assert "code" in info.value.message_dict


def test_database_refuses_a_grid_code_that_is_not_15_digits():
    community = CommunityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Grid.objects.create(community=community, code="12AB", name="坏编码", kind="special")


def test_codes_are_unique():
    grid = GridFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        GridFactory(code=grid.code)


def test_community_names_are_unique_within_a_street():
    community = CommunityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Community.objects.create(
            street=community.street, kind="urban", name=community.name, code=community.street.code + "999"
        )


def test_a_community_staff_scope_needs_a_community():
    scope = UserScope(user=UserFactory(), role=UserScope.Role.COMMUNITY_STAFF)
    with pytest.raises(ValidationError) as info:
        scope.full_clean()
    assert "community" in info.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        scope.save()


def test_a_grid_worker_scope_needs_a_worker_record():
    with pytest.raises(ValidationError):
        UserScope(user=UserFactory(), role=UserScope.Role.GRID_WORKER).full_clean()


def test_a_member_grid_must_be_in_the_members_community():
    member = CoGovernanceMemberFactory.build(community=CommunityFactory(), grid=GridFactory())
    with pytest.raises(ValidationError) as info:
        member.full_clean()
    assert "grid" in info.value.message_dict


def test_the_leader_title_migration_maps_the_seeds_titles_and_keeps_other_text():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("grids.migrations.0004_microgrid_leader_title_choices")
    titles = ["楼栋长", "单元长", "楼栋党小组长", "楼长"]
    micro = [MicroGridFactory() for _ in titles]
    for row, title in zip(micro, titles, strict=True):
        MicroGrid.objects.filter(pk=row.pk).update(leader_title=title)
    migration.forwards(apps, None)
    stored = [MicroGrid.objects.get(pk=row.pk).leader_title for row in micro]
    assert stored == ["building_leader", "unit_leader", "building_leader", "楼长"]
    migration.backwards(apps, None)
    assert MicroGrid.objects.get(pk=micro[1].pk).leader_title == "单元长"


@pytest.mark.parametrize(
    ("factory", "field"), [(CoGovernanceMemberFactory, "phone"), (MicroGridFactory, "leader_phone")]
)
def test_residents_phones_are_validated_on_the_model(factory, field):
    row = factory()
    setattr(row, field, "abc")
    with pytest.raises(ValidationError) as info:
        row.full_clean()
    assert field in info.value.message_dict
