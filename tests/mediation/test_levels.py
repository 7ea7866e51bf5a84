"""Levels, rooms and mediators: who mediates a dispute at which level, and where."""

import pytest
from django.utils import translation

from cases.models import CaseEvent
from config.errors import InvalidInput
from mediation import services
from mediation.models import MediationCase, MediationEvent
from tests.factories import MediationRoomFactory, MediatorFactory
from tests.mediation.conftest import parties

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever the Chinese catalogue says."""
    with translation.override("en"):
        yield


def register(world, roster, case, **arguments):
    return services.mediation_register(
        actor=world.admin_a,
        case=case,
        dispute_type="neighbourhood",
        parties=parties(),
        **{"lead_mediator": roster.gold_a, **arguments},
    )


def peacemaker(world, community):
    return MediatorFactory(street=world.street_a, community=community, kind="volunteer", name="和事佬老周")


@pytest.fixture
def room_a2(world):
    """The room of community A2 (三河村), a village of street A."""
    return MediationRoomFactory(
        name="三河村调解室", street=world.street_a, community=world.community_a2, level="community"
    )


@pytest.mark.parametrize(
    ("level", "room", "message"),
    [
        (
            "grid",
            "room_a_street",
            "A grid- or community-level mediation is held in the room of the case's community.",
        ),
        (
            "community",
            "room_a2",
            "A grid- or community-level mediation is held in the room of the case's community.",
        ),
        ("street", "room_a", "A street-level mediation is held in a street room."),
        ("street", "room_b", "Choose a room of the case's street."),
    ],
)
def test_the_room_must_suit_the_level_and_hold_the_case(
    world, roster, make_case, room_a2, level, room, message
):
    case = make_case("accepted", kind="dispute")  # grid A1, community A
    rooms = {"room_a": roster.room_a, "room_a_street": roster.room_a_street, "room_b": roster.room_b}
    with pytest.raises(InvalidInput) as error:
        register(world, roster, case, level=level, room=rooms.get(room, room_a2))
    assert (error.value.field, error.value.message) == ("room", message)
    assert not MediationCase.objects.exists()
    assert CaseEvent.objects.filter(case=case).count() == 2  # report, accept


@pytest.mark.parametrize(
    ("level", "room"), [("grid", "room_a"), ("community", "room_a"), ("street", "room_a_street")]
)
def test_rooms_that_suit_the_level(world, roster, make_case, level, room):
    case = make_case("accepted", kind="dispute")
    assert register(world, roster, case, level=level, room=getattr(roster, room)).room == getattr(
        roster, room
    )


def test_a_peacemaker_volunteer_leads_at_grid_or_community_level_of_their_own_village(
    world, roster, make_case, room_a2
):
    village_case = make_case("accepted", kind="dispute", grid=world.grid_a3)  # community A2
    volunteer = roster.volunteer_a  # 三河村's peacemaker
    for level in ("grid", "community"):
        mediation = register(
            world,
            roster,
            make_case("accepted", kind="dispute", grid=world.grid_a3),
            level=level,
            lead_mediator=volunteer,
            room=room_a2,
        )
        assert mediation.lead_mediator == volunteer
    with pytest.raises(InvalidInput) as error:
        register(world, roster, village_case, level="street", lead_mediator=volunteer)
    assert (error.value.field, error.value.message) == (
        "lead_mediator",
        "A peacemaker volunteer leads grid- and community-level mediations only.",
    )
    town_case = make_case("accepted", kind="dispute")  # community A
    for arguments, field in (
        ({"lead_mediator": volunteer}, "lead_mediator"),
        ({"assisting_mediators": [volunteer]}, "assisting_mediators"),
    ):
        with pytest.raises(InvalidInput) as error:
            register(world, roster, town_case, level="community", **arguments)
        assert (error.value.field, error.value.message) == (
            field,
            "A peacemaker volunteer mediates in their own community or village only.",
        )
    assert not MediationCase.objects.filter(case__in=[village_case, town_case]).exists()


def test_a_lead_mediator_of_another_street_is_refused(world, roster, make_case):
    case = make_case("accepted", kind="dispute")
    with pytest.raises(InvalidInput) as error:
        register(world, roster, case, level="community", lead_mediator=roster.mediator_b)
    assert error.value.field == "lead_mediator"


def test_escalation_to_the_street_clears_a_community_room_unless_a_street_room_is_named(
    world, roster, make_mediation
):
    cleared = make_mediation("failed", level="community")
    services.mediation_escalate(mediation_id=cleared.pk, actor=world.admin_a, reason="社区调解未果")
    cleared.refresh_from_db()
    assert (cleared.level, cleared.room) == ("street", None)
    named = make_mediation("failed", level="community")
    services.mediation_escalate(
        mediation_id=named.pk, actor=world.admin_a, reason="社区调解未果", room=roster.room_a_street
    )
    named.refresh_from_db()
    assert (named.level, named.room) == ("street", roster.room_a_street)


def test_escalation_from_grid_to_community_keeps_the_community_room(world, roster, make_mediation):
    mediation = make_mediation("mediating", level="grid")
    services.mediation_escalate(mediation_id=mediation.pk, actor=world.admin_a, reason="网格调解未果")
    mediation.refresh_from_db()
    assert (mediation.level, mediation.room) == ("community", roster.room_a)


def test_escalation_refuses_a_room_or_lead_that_does_not_suit_the_new_level(world, roster, make_mediation):
    mediation = make_mediation("mediating", level="community")
    volunteer = peacemaker(world, world.community_a)
    before = (mediation.version, MediationEvent.objects.count(), CaseEvent.objects.count())
    attempts = [
        ({"room": roster.room_a}, "room"),
        ({"lead_mediator": volunteer, "room": roster.room_a_street}, "lead_mediator"),
    ]
    for arguments, field in attempts:
        with pytest.raises(InvalidInput) as error:
            services.mediation_escalate(
                mediation_id=mediation.pk, actor=world.admin_a, reason="x", **arguments
            )
        assert error.value.field == field
    mediation.refresh_from_db()
    assert (mediation.version, MediationEvent.objects.count(), CaseEvent.objects.count()) == before
    assert (mediation.level, mediation.room, mediation.lead_mediator) == (
        "community",
        roster.room_a,
        roster.gold_a,
    )


def test_a_volunteer_led_mediation_needs_a_new_lead_to_go_to_the_street(world, roster, make_case, room_a2):
    case = make_case("accepted", kind="dispute", grid=world.grid_a3)
    mediation = register(
        world, roster, case, level="community", lead_mediator=roster.volunteer_a, room=room_a2
    )
    with pytest.raises(InvalidInput) as error:
        services.mediation_escalate(mediation_id=mediation.pk, actor=world.admin_a, reason="村调解未果")
    assert error.value.field == "lead_mediator"
    services.mediation_escalate(
        mediation_id=mediation.pk, actor=world.admin_a, reason="村调解未果", lead_mediator=roster.gold_a
    )
    mediation.refresh_from_db()
    assert (mediation.level, mediation.lead_mediator, mediation.room) == ("street", roster.gold_a, None)


def test_the_api_names_the_room_when_it_does_not_suit_the_level(api, world, roster, make_case):
    case = make_case("accepted", kind="dispute")
    body = {
        "case": case.pk,
        "level": "grid",
        "dispute_type": "neighbourhood",
        "lead_mediator": roster.gold_a.pk,
        "room": roster.room_a_street.pk,
        "parties": parties(),
    }
    response = api(world.admin_a).post(
        "/api/v1/mediation/cases/", body, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json() == {
        "room": ["A grid- or community-level mediation is held in the room of the case's community."]
    }
    assert not MediationCase.objects.exists()
