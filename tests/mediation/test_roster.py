"""The roster services: rooms and mediators, saved and deleted by the street's centre."""

import pytest
from django.utils import translation

from config.api import status_for
from config.errors import ActionNotAllowed, RoleNotAllowed
from mediation import services
from mediation.models import MediationCase, MediationRoom, Mediator
from tests.factories import MediationCaseFactory

pytestmark = pytest.mark.django_db


def _refusal(actor, obj) -> ActionNotAllowed:
    with translation.override("en"), pytest.raises(ActionNotAllowed) as refused:
        services.roster_delete(actor=actor, obj=obj)
    return refused.value


def _assisting(mediation) -> list[Mediator]:
    return list(MediationCase.objects.get(pk=mediation.pk).assisting_mediators.all())


def test_a_mediator_who_assisted_a_past_mediation_is_not_deleted(world, roster, make_mediation):
    # Given an agreed mediation that mediator A2 assisted
    mediation = make_mediation("agreed")
    # When the street admin deletes mediator A2
    refused = _refusal(world.admin_a, roster.ordinary_a)
    # Then 409 naming what refers to them, and they stay, in the mediation too
    assert status_for(refused) == 409
    assert refused.as_data() == {
        "detail": f"{roster.ordinary_a.name} cannot be deleted while mediation cases name them "
        "(assisting in 1); deactivate them instead.",
        "code": "action_not_allowed",
        "allowed_actions": [],
    }
    assert Mediator.objects.filter(pk=roster.ordinary_a.pk).exists()
    assert _assisting(mediation) == [roster.ordinary_a]


def test_a_mediator_who_led_mediations_is_not_deleted(world, roster, make_mediation):
    # Given two mediations led by mediator A
    make_mediation("agreed")
    make_mediation("registered", assisting=False)
    # When the superuser deletes mediator A
    refused = _refusal(world.superuser, roster.gold_a)
    # Then 409 with both counted, and mediator A stays
    assert status_for(refused) == 409
    assert refused.message == (
        f"{roster.gold_a.name} cannot be deleted while mediation cases name them (lead in 2); "
        "deactivate them instead."
    )
    assert Mediator.objects.filter(pk=roster.gold_a.pk).exists()


def test_a_mediator_both_leading_and_assisting_is_refused_with_both_roles(world, roster, make_mediation):
    # Given mediator A2 assisting one mediation and leading another
    assisted = make_mediation("mediating")
    MediationCaseFactory(lead_mediator=roster.ordinary_a, case__grid=world.grid_a2)
    # When the street admin deletes them
    refused = _refusal(world.admin_a, roster.ordinary_a)
    # Then both roles are named and nothing is removed
    assert "(lead in 1, assisting in 1)" in refused.message
    assert _assisting(assisted) == [roster.ordinary_a]
    assert MediationCase.objects.filter(lead_mediator=roster.ordinary_a).count() == 1


def test_deactivation_retires_a_mediator_whom_mediations_name(world, roster, make_mediation):
    # Given an agreed mediation that mediator A2 assisted
    mediation = make_mediation("agreed")
    # When the street admin deactivates mediator A2
    roster.ordinary_a.is_active = False
    services.roster_save(actor=world.admin_a, obj=roster.ordinary_a)
    # Then they are inactive and still recorded in the mediation
    assert Mediator.objects.get(pk=roster.ordinary_a.pk).is_active is False
    assert _assisting(mediation) == [roster.ordinary_a]


def test_a_mediator_nothing_names_is_deleted(world, roster):
    # Given the volunteer, in no mediation
    # When the street admin deletes them
    services.roster_delete(actor=world.admin_a, obj=roster.volunteer_a)
    # Then they are gone, and nobody else
    assert not Mediator.objects.filter(pk=roster.volunteer_a.pk).exists()
    assert Mediator.objects.count() == 3


def test_another_streets_admin_cannot_delete_a_mediator(world, roster):
    # Given the volunteer of street A
    # When the admin of street B deletes them
    with pytest.raises(RoleNotAllowed) as refused:
        services.roster_delete(actor=world.admin_b, obj=roster.volunteer_a)
    # Then 403 and the volunteer stays
    assert status_for(refused.value) == 403
    assert Mediator.objects.filter(pk=roster.volunteer_a.pk).exists()


def test_a_room_that_holds_mediations_is_not_deleted(world, roster, make_mediation):
    # Given a mediation held in room A
    make_mediation("registered")
    # When the street admin deletes room A
    refused = _refusal(world.admin_a, roster.room_a)
    # Then 409 naming the mediation cases, and room A stays with its mediator
    assert refused.message == f"{roster.room_a.name} cannot be deleted while it still has mediation cases."
    assert MediationRoom.objects.filter(pk=roster.room_a.pk).exists()
    assert Mediator.objects.get(pk=roster.gold_a.pk).home_room == roster.room_a
