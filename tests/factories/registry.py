import factory

from grids.privacy import id_number_check_character
from registry.models import (
    Building,
    Facility,
    FacilityType,
    House,
    KeyPerson,
    KeyPersonCategory,
    KeyPersonEvent,
    Organisation,
    Residence,
    Resident,
    ResidentExport,
    ResidentTag,
    RiskLevel,
    SafetyTag,
    Visit,
    VisitRule,
)
from registry.validators import birth_date_of_id_number
from tests.factories.grids import GridFactory, GridWorkerFactory, UserFactory

__all__ = [
    "BuildingFactory",
    "FacilityFactory",
    "FacilityTypeFactory",
    "HouseFactory",
    "KeyPersonCategoryFactory",
    "KeyPersonEventFactory",
    "KeyPersonFactory",
    "OrganisationFactory",
    "ResidenceFactory",
    "ResidentExportFactory",
    "ResidentFactory",
    "ResidentTagFactory",
    "SafetyTagFactory",
    "VisitFactory",
    "VisitRuleFactory",
    "id_number_for",
]


def id_number_for(n: int, born: str = "19800101", district: str = "500116") -> str:
    """A well-formed ID number (GB 11643), one per sequence number."""
    first17 = f"{district}{born}{n % 1000:03d}"
    return first17 + id_number_check_character(first17)


class ResidentTagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResidentTag
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"tag{n}")
    name = factory.Sequence(lambda n: f"标签{n}")


class KeyPersonCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyPersonCategory
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"category{n}")
    name = factory.Sequence(lambda n: f"类别{n}")


class VisitRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitRule
        django_get_or_create = ["category", "risk_level"]

    category = factory.SubFactory(KeyPersonCategoryFactory)
    risk_level = RiskLevel.HIGH
    interval_days = 7


class SafetyTagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafetyTag
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"safety{n}")
    name = factory.Sequence(lambda n: f"安全标签{n}")


class FacilityTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FacilityType
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"type{n}")
    name = factory.Sequence(lambda n: f"部件{n}")
    major = FacilityType.Major.UTILITIES


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    grid = factory.SubFactory(GridFactory)
    community = factory.LazyAttribute(lambda o: o.grid.community)
    code = factory.Sequence(lambda n: f"B{n:03d}")
    name = factory.Sequence(lambda n: f"{n}栋")
    address = "浒溪路 8 号"
    floors = 6
    units = 2
    use = Building.Use.RESIDENTIAL


class HouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = House

    building = factory.SubFactory(BuildingFactory)
    unit = 1
    floor = 2
    room = factory.Sequence(lambda n: f"{n % 900 + 100}")
    use = House.Use.SELF_OCCUPIED


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    name = "张三丰"
    gender = Resident.Gender.MALE
    id_number = factory.Sequence(id_number_for)
    phone = factory.Sequence(lambda n: f"139{n % 10**8:08d}")
    residence_type = Resident.ResidenceType.REGISTERED
    house = factory.SubFactory(HouseFactory)
    grid = factory.LazyAttribute(lambda o: o.house.building.grid)
    relation_to_head = Resident.Relation.HEAD
    birth_date = factory.LazyAttribute(lambda o: birth_date_of_id_number(o.id_number))


class ResidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Residence

    resident = factory.SubFactory(ResidentFactory)
    house = factory.LazyAttribute(lambda o: o.resident.house)
    moved_in_on = factory.Faker("date_between", start_date="-3y", end_date="-1y")


class KeyPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyPerson

    resident = factory.SubFactory(ResidentFactory)
    category = factory.SubFactory(KeyPersonCategoryFactory)
    grid = factory.LazyAttribute(lambda o: o.resident.grid)
    risk_level = RiskLevel.HIGH
    responsible_worker = factory.SubFactory(GridWorkerFactory)
    registered_on = factory.Faker("date_between", start_date="-60d", end_date="-30d")
    next_visit_due = factory.LazyAttribute(lambda o: o.registered_on)


class KeyPersonEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyPersonEvent

    key_person = factory.SubFactory(KeyPersonFactory)
    action = "register"
    at = factory.Faker("date_time_this_year", tzinfo=None)
    to_status = "active"


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    key_person = factory.SubFactory(KeyPersonFactory)
    visited_on = factory.LazyAttribute(lambda o: o.key_person.registered_on)
    due_on = factory.LazyAttribute(lambda o: o.visited_on)
    worker = factory.LazyAttribute(lambda o: o.key_person.responsible_worker)
    form = Visit.Form.HOME
    findings = "情绪稳定，按时报到"
    next_due = factory.LazyAttribute(lambda o: o.visited_on.fromordinal(o.visited_on.toordinal() + 7))
    recorded_by = factory.LazyAttribute(lambda o: o.worker.user)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试商店{n}")
    kind = Organisation.Kind.SHOP
    grid = factory.SubFactory(GridFactory)
    address = "浒溪路 10 号"
    contact_name = "李四"
    contact_phone = "13812345678"


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    code = factory.Sequence(lambda n: f"500116010100{n:06d}")
    type = factory.SubFactory(FacilityTypeFactory)
    grid = factory.SubFactory(GridFactory)
    address = "浒溪路口"
    owner_unit = "区城管局"


class ResidentExportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResidentExport

    user = factory.SubFactory(UserFactory)
    file_format = "csv"
    rows = 0
