"""Personal data at rest: sealed with AES-256-GCM under a key id, found by its blind index."""

import base64

import pytest
from django.core.management import call_command
from django.db import connection

from grids import encryption
from grids.encryption import UnsealError, blind_index, seal, sealed_key_id, unseal
from grids.models import CoGovernanceMember, MicroGrid
from mediation.models import Party
from registry.models import Building, House, Organisation, Resident
from tests.factories import (
    BuildingFactory,
    CoGovernanceMemberFactory,
    HouseFactory,
    MicroGridFactory,
    OrganisationFactory,
    ResidentFactory,
    id_number_for,
)

NEW_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def two_keys(settings):
    """The development key and a new one, the new one active: the state during a rotation."""
    settings.PII_KEYS = {**settings.PII_KEYS, "k2027": base64.b64decode(NEW_KEY)}
    old = settings.PII_ACTIVE_KEY
    settings.PII_ACTIVE_KEY = "k2027"
    return old


def test_a_sealed_value_names_its_key_and_opens_again():
    stored = seal("13912345678")
    assert stored.startswith("pii1$dev-unsafe$") and "13912345678" not in stored
    assert sealed_key_id(stored) == "dev-unsafe"
    assert unseal(stored) == "13912345678"
    assert seal("13912345678") != stored  # a fresh nonce every time


def test_development_keys_are_marked_unsafe(settings):
    assert settings.PII_KEYS_UNSAFE is True and encryption.keys_are_unsafe()
    assert list(settings.PII_KEYS) == ["dev-unsafe"]
    assert settings.PII_INDEX_KEY not in settings.PII_KEYS.values()


def test_a_changed_value_or_key_id_fails_its_tag(two_keys):
    stored = seal("500116195803020070", key_id="dev-unsafe")
    body = base64.b64decode(stored.split("$")[2])
    tampered = body[:-1] + bytes([body[-1] ^ 1])
    with pytest.raises(UnsealError):
        unseal("pii1$dev-unsafe$" + base64.b64encode(tampered).decode())
    with pytest.raises(UnsealError):  # the key id is authenticated too
        unseal(stored.replace("dev-unsafe", "k2027"))
    with pytest.raises(UnsealError):
        unseal(stored.replace("dev-unsafe", "unknown"))


def test_the_blind_index_is_of_the_normalised_value_under_its_own_key(settings):
    assert blind_index("023-4700 1234", kind="phone") == blind_index("02347001234", kind="phone")
    assert blind_index("50011619580302007x", kind="document") == blind_index(
        "50011619580302007X", kind="document"
    )
    assert blind_index("13912345678", kind="phone") != blind_index("13912345678", kind="document")
    before = blind_index("13912345678", kind="phone")
    settings.PII_INDEX_KEY = bytes(32)
    assert blind_index("13912345678", kind="phone") != before
    assert blind_index("", kind="phone") == ""


def test_a_sealed_field_cannot_be_looked_up_by_value(world):
    ResidentFactory(phone="13912345678", house=HouseFactory(building=BuildingFactory(grid=world.grid_a1)))
    with pytest.raises(TypeError):
        list(Resident.objects.filter(phone="13912345678"))
    assert Resident.objects.filter(phone="").count() == 0  # "no value" is still a lookup


# --- nothing in clear, on either database ---------------------------------------------------------

ID_NUMBER = id_number_for(42, "19661224")
PHONES = ["13911112222", "13933334444", "13955556666", "13977778888", "13900009999", "13922221111"]


def _raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {connection.ops.quote_name(table)}")
        return [row[0] for row in cursor.fetchall()]


def test_no_id_number_or_phone_is_stored_in_clear(world, make_case):
    """Reads the raw tables (SQLite, and PostgreSQL when DATABASE_URL names it)."""
    building = BuildingFactory(grid=world.grid_a1, leader_phone=PHONES[0])
    house = HouseFactory(
        building=building,
        use=House.Use.RENTED,
        landlord_name="王房东",
        landlord_phone=PHONES[1],
    )
    ResidentFactory(house=house, id_number=ID_NUMBER, phone=PHONES[2])
    OrganisationFactory(grid=world.grid_a1, contact_phone=PHONES[3])
    MicroGridFactory(grid=world.grid_a1, leader_phone=PHONES[4])
    CoGovernanceMemberFactory(community=world.community_a, phone=PHONES[5])
    make_case(contact_name="赵六", contact_phone="13866667777")
    from tests.factories import MediationCaseFactory, PartyFactory

    party = PartyFactory(mediation=MediationCaseFactory(), id_number=id_number_for(43), phone="13844445555")
    clear = {ID_NUMBER, id_number_for(43), "13866667777", "13844445555", *PHONES}
    columns = {
        Resident: ["id_number", "phone", "id_number_index", "phone_index"],
        Building: ["leader_phone"],
        House: ["landlord_phone"],
        Organisation: ["contact_phone"],
        MicroGrid: ["leader_phone"],
        CoGovernanceMember: ["phone"],
        Party: ["phone", "id_number", "id_number_index"],
    }
    from cases.models import Case

    columns[Case] = ["contact_phone"]
    stored = []
    for model, names in columns.items():
        for name in names:
            stored += _raw(model._meta.db_table, model._meta.get_field(name).column)
    stored = [value for value in stored if value]  # blank ones hold nothing (other rows' empty phones)
    assert len(stored) >= len(clear) + 2  # every value above, and the resident's two indexes
    found = [value for value in stored for number in clear if number in value]
    assert found == []
    # ... and every value opens again through the ORM.
    assert Party.objects.get(pk=party.pk).phone == "13844445555"
    assert Resident.objects.get().id_number == ID_NUMBER


def test_every_sealed_column_is_known_to_the_rotation():
    labels = {f"{model._meta.label}.{name}" for model, names in encryption.sealed_fields() for name in names}
    assert labels == {
        "cases.Case.contact_phone",
        "grids.CoGovernanceMember.phone",
        "grids.MicroGrid.leader_phone",
        "mediation.Party.id_number",
        "mediation.Party.phone",
        "registry.Building.leader_phone",
        "registry.House.landlord_phone",
        "registry.Organisation.contact_phone",
        "registry.Resident.id_number",
        "registry.Resident.phone",
    }


# --- key rotation ----------------------------------------------------------------------------------


def test_rotation_reseals_every_value_under_the_new_key_and_leaves_them_readable(world, two_keys, settings):
    settings.PII_ACTIVE_KEY = two_keys  # written under the old key
    resident = ResidentFactory(
        house=HouseFactory(building=BuildingFactory(grid=world.grid_a1)), id_number=ID_NUMBER, phone=PHONES[0]
    )
    member = CoGovernanceMemberFactory(community=world.community_a, phone=PHONES[1])
    settings.PII_ACTIVE_KEY = "k2027"
    # During the rotation the service reads both: old values open, new writes use the new key.
    assert Resident.objects.get(pk=resident.pk).phone == PHONES[0]
    old_index = Resident.objects.values_list("id_number_index", flat=True).get()

    call_command("rotate_pii_key", stdout=(out := _Out()))
    assert "registry.Resident.id_number: dev-unsafe 1; re-sealed 1" in out.text

    assert {
        sealed_key_id(v) for v in _raw("registry_resident", "id_number") + _raw("registry_resident", "phone")
    } == {"k2027"}
    assert {sealed_key_id(v) for v in _raw("grids_cogovernancemember", "phone")} == {"k2027"}
    # The old key can go: everything still opens, and the blind index did not change.
    settings.PII_KEYS = {"k2027": settings.PII_KEYS["k2027"]}
    assert Resident.objects.get(pk=resident.pk).id_number == ID_NUMBER
    assert CoGovernanceMember.objects.get(pk=member.pk).phone == PHONES[1]
    assert Resident.objects.values_list("id_number_index", flat=True).get() == old_index

    call_command("rotate_pii_key", "--check", stdout=(again := _Out()))
    assert "0 values left under other keys" in again.text


def test_rotation_does_not_overwrite_a_value_changed_meanwhile(world, two_keys, settings):
    from grids.management.commands.rotate_pii_key import _reseal_batch

    settings.PII_ACTIVE_KEY = two_keys
    resident = ResidentFactory(
        house=HouseFactory(building=BuildingFactory(grid=world.grid_a1)), phone=PHONES[0]
    )
    stale = _raw("registry_resident", "phone")[0]
    settings.PII_ACTIVE_KEY = "k2027"
    Resident.objects.filter(pk=resident.pk).update(phone=PHONES[1])  # an edit after the command read
    assert _reseal_batch(Resident, "phone", [(resident.pk, stale)]) == 0
    assert Resident.objects.get(pk=resident.pk).phone == PHONES[1]


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass
