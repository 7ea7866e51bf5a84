"""Validation of base data: both check characters, documents, leases, floors, places."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from registry.models import House, Organisation, Resident
from registry.validators import birth_date_of_id_number, credit_code_check_character, validate_credit_code
from tests.factories import (
    BuildingFactory,
    HouseFactory,
    MicroGridFactory,
    OrganisationFactory,
    id_number_for,
)

pytestmark = pytest.mark.django_db


# GB 32100: codes published by their holders, and the same codes with one character changed.
@pytest.mark.parametrize("code", ["91350100M000100Y43", "91440300708461136T", "91110000600037341L"])
def test_a_unified_social_credit_code_passes_with_its_check_character(code):
    validate_credit_code(code)
    assert credit_code_check_character(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("91350100M000100Y44", "credit_code_check"),  # wrong check character
        ("91440300708461136S", "credit_code_shape"),  # S is not in the character set
        ("9144030070846113", "credit_code_shape"),  # too short
        ("91440300708461136T0", "credit_code_shape"),  # too long
        ("914403A0708461136T", "credit_code_shape"),  # letters in the division code
    ],
)
def test_a_wrong_credit_code_is_refused(code, why):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert error.value.code == why


def test_an_organisation_names_the_field_of_its_bad_code(world):
    organisation = OrganisationFactory.build(grid=world.grid_a1, credit_code="91350100m000100y44")
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert list(error.value.message_dict) == ["credit_code"]
    organisation.credit_code = "91350100m000100y43"  # lower case is the same code
    organisation.full_clean()
    assert organisation.credit_code == "91350100M000100Y43"


def test_an_organisation_has_a_building_or_an_address(world):
    organisation = OrganisationFactory.build(grid=world.grid_a1, address="")
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "address" in error.value.message_dict
    other_grid = BuildingFactory(grid=world.grid_a2)
    organisation.building = other_grid
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "building" in error.value.message_dict


# --- residents: GB 11643 and other documents ---------------------------------------------------------


def _resident(world, **fields) -> Resident:
    house = HouseFactory(building=BuildingFactory(grid=world.grid_a1))
    defaults = {
        "name": " 王五 ",
        "gender": "male",
        "id_number": id_number_for(3, "19581224"),
        "residence_type": "registered",
        "house": house,
        "grid": world.grid_a1,
    }
    return Resident(**{**defaults, **fields})


def test_the_birth_date_comes_from_the_id_number(world):
    resident = _resident(world, id_number=id_number_for(3, "19581224").lower())
    resident.full_clean()
    assert resident.birth_date == date(1958, 12, 24) == birth_date_of_id_number(resident.id_number)
    assert resident.name == "王五"


@pytest.mark.parametrize(
    ("id_number", "code"),
    [
        (
            id_number_for(3, "19581224")[:-1] + ("1" if id_number_for(3, "19581224")[-1] != "1" else "2"),
            "id_check_digit",
        ),
        ("500116195813240030", "id_birth_date"),  # month 13
        ("5001161958122400", "id_shape"),
    ],
)
def test_a_wrong_id_number_is_refused_on_its_field(world, id_number, code):
    resident = _resident(world, id_number=id_number)
    with pytest.raises(ValidationError) as error:
        resident.full_clean()
    assert list(error.value.error_dict) == ["id_number"]
    assert [e.code for e in error.value.error_dict["id_number"]] == [code]


def test_a_birth_date_that_contradicts_the_id_number_is_refused(world):
    resident = _resident(world, birth_date=date(1960, 1, 1))
    with pytest.raises(ValidationError) as error:
        resident.full_clean()
    assert list(error.value.message_dict) == ["birth_date"]


def test_a_foreign_resident_is_recorded_with_a_passport_and_a_nationality(world):
    resident = _resident(world, residence_type="foreign")
    with pytest.raises(ValidationError) as error:
        resident.full_clean()
    assert "document_type" in error.value.message_dict
    resident.document_type, resident.id_number = "passport", "e 1234 5678"
    with pytest.raises(ValidationError) as error:
        resident.full_clean()
    assert "nationality" in error.value.message_dict
    resident.nationality, resident.birth_date = "越南", date(1990, 5, 1)
    resident.full_clean()
    assert resident.id_number == "E12345678" and resident.birth_date == date(1990, 5, 1)


def test_a_passport_number_has_a_shape_too(world):
    resident = _resident(
        world, document_type="passport", id_number="E1", nationality="越南", residence_type="foreign"
    )
    with pytest.raises(ValidationError) as error:
        resident.full_clean()
    assert list(error.value.message_dict) == ["id_number"]


# --- houses and buildings ------------------------------------------------------------------------------


def test_only_a_rented_house_has_a_landlord_and_a_lease(world):
    building = BuildingFactory(grid=world.grid_a1, floors=6, units=2)
    house = House(
        building=building,
        unit=1,
        floor=2,
        room="201",
        use="self_occupied",
        landlord_name="王房东",
        lease_start=date(2022, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        house.full_clean()
    assert "use" in error.value.message_dict
    house.use = "rented"
    house.lease_end = date(2021, 1, 1)
    with pytest.raises(ValidationError) as error:
        house.full_clean()
    assert "lease_end" in error.value.message_dict
    house.lease_end = date(2023, 1, 1)
    house.full_clean()
    house.landlord_name = ""
    with pytest.raises(ValidationError) as error:
        house.full_clean()
    assert "landlord_name" in error.value.message_dict


def test_a_house_is_on_a_floor_and_in_a_unit_its_building_has(world):
    building = BuildingFactory(grid=world.grid_a1, floors=6, units=2)
    house = House(building=building, unit=3, floor=7, room="701", use="vacant")
    with pytest.raises(ValidationError) as error:
        house.full_clean()
    assert set(error.value.message_dict) == {"unit", "floor"}
    house.unit, house.floor = 2, -1  # a basement
    house.full_clean()


def test_a_buildings_micro_grid_is_in_its_grid(world):
    building = BuildingFactory.build(grid=world.grid_a1, community=world.community_a)
    building.micro_grid = MicroGridFactory(grid=world.grid_a2)
    with pytest.raises(ValidationError) as error:
        building.full_clean()
    assert "micro_grid" in error.value.message_dict
    building.micro_grid = MicroGridFactory(grid=world.grid_a1)
    building.full_clean()


def test_the_catalogues_are_installed(db):
    from registry.models import FacilityType, KeyPersonCategory, ResidentTag, SafetyTag, VisitRule

    assert set(ResidentTag.objects.values_list("name", flat=True)) >= {
        "独居老人",
        "留守儿童",
        "残疾人",
        "退役军人",
    }
    assert set(KeyPersonCategory.objects.values_list("name", flat=True)) >= {
        "社区矫正对象",
        "刑满释放人员",
        "严重精神障碍患者",
        "社区戒毒社区康复人员",
        "重点青少年",
    }
    assert SafetyTag.objects.filter(name="九小场所").exists()
    assert FacilityType.objects.filter(name="消防栓").exists()
    assert VisitRule.objects.count() == KeyPersonCategory.objects.count() * 3
    assert Organisation.Kind.SHOP in Organisation.Kind.values
