"""Model rules of mediation: ID numbers, rooms, mediators."""

import pytest
from django.core.exceptions import ValidationError

from mediation.models import MediationRoom, Mediator, Party
from tests.factories import valid_id_number

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("id_number", "valid"),
    [
        (valid_id_number("11010519491231002"), True),  # the standard's own example ends in X
        (valid_id_number(), True),
        (
            valid_id_number()[:-1] + "0" if valid_id_number()[-1] != "0" else valid_id_number()[:-1] + "1",
            False,
        ),
        ("50011619850312123", False),  # 17 characters
        ("5001161985031212AX", False),
        ("", True),  # not every party gives one
    ],
)
def test_party_id_numbers_follow_gb_11643(id_number, valid):
    party = Party(role="applicant", name="张三", id_number=id_number)
    if valid:
        party.full_clean(exclude=["mediation"])
    else:
        with pytest.raises(ValidationError) as error:
            party.full_clean(exclude=["mediation"])
        assert "id_number" in error.value.message_dict


def test_the_standard_example_has_check_character_x():
    assert valid_id_number("11010519491231002") == "11010519491231002X"


def test_room_level_and_community_agree(world):
    MediationRoom(
        name="a", street=world.street_a, community=world.community_a, level="community"
    ).full_clean()
    for room, field in (
        (MediationRoom(name="b", street=world.street_a, level="community"), "community"),
        (
            MediationRoom(name="c", street=world.street_a, community=world.community_a, level="street"),
            "community",
        ),
        (
            MediationRoom(name="d", street=world.street_a, community=world.community_b, level="community"),
            "community",
        ),
    ):
        with pytest.raises(ValidationError) as error:
            room.full_clean()
        assert field in error.value.message_dict


def test_mediator_rules(world):
    with pytest.raises(ValidationError) as error:
        Mediator(street=world.street_a, name="金牌", kind="gold").full_clean()
    assert "certified_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        Mediator(street=world.street_a, name="某", kind="ordinary", specialties=["gossip"]).full_clean()
    assert "specialties" in error.value.message_dict
    Mediator(street=world.street_a, name="某", kind="volunteer", specialties=["neighbourhood"]).full_clean()


def test_a_party_id_number_is_stored_with_an_upper_case_check_character():
    party = Party(role="applicant", name=" 张三 ", phone=" 13812345678", id_number="11010519491231002x")
    party.full_clean(exclude=["mediation"])
    assert (party.name, party.phone, party.id_number) == ("张三", "13812345678", "11010519491231002X")
