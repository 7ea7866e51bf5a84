import factory
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from faker import Faker

from grids.models import (
    CoGovernanceMember,
    Community,
    Grid,
    GridWorker,
    MicroGrid,
    PersonalDataReveal,
    Street,
    UserScope,
)

fake = Faker("zh_CN")
TEST_PASSWORD = "test-password-123"

__all__ = [
    "TEST_PASSWORD",
    "CoGovernanceMemberFactory",
    "CommunityFactory",
    "GridFactory",
    "GridWorkerFactory",
    "MicroGridFactory",
    "PersonalDataRevealFactory",
    "StreetFactory",
    "UserFactory",
    "UserScopeFactory",
]


def _letters(n: int) -> str:
    """0 → AA, 1 → AB, …: a unique 2+ letter abbreviation per sequence number."""
    out = ""
    n += 26
    while n:
        n, r = divmod(n, 26)
        out = chr(65 + r) + out
    return out if len(out) >= 2 else "A" + out


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.LazyFunction(fake.name)
    password = factory.django.Password(TEST_PASSWORD)
    is_staff = False


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street

    name = factory.Sequence(lambda n: f"测试{n}街道")
    district_name = "江津区"
    district_code = "500116"
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.district_code}{n % 1000:03d}")
    abbreviation = factory.Sequence(_letters)


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    kind = Community.Kind.URBAN
    name = factory.Sequence(lambda n: f"测试{n}社区")
    # 900-999 never come from the factory: tests take a code there for a community not yet made.
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.street.code}{n % 900:03d}")
    population = 6000


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.SubFactory(CommunityFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.community.code}{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"第{n}网格")
    kind = Grid.Kind.URBAN_RESIDENTIAL
    residents = 1800
    households = 620


class MicroGridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MicroGrid

    grid = factory.SubFactory(GridFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.grid.code}{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"{n}栋")
    covers = MicroGrid.Covers.BUILDING
    leader_title = MicroGrid.LeaderTitle.BUILDING_LEADER
    leader_name = "李建国"
    leader_phone = "13812345678"


class UserScopeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserScope

    user = factory.SubFactory(UserFactory, is_staff=True)
    role = UserScope.Role.STREET_ADMIN
    street = factory.SubFactory(StreetFactory)


class GridWorkerFactory(factory.django.DjangoModelFactory):
    """A worker with an account and the grid-worker scope; `grids=[...]` sets their grids."""

    class Meta:
        model = GridWorker
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    street = factory.SubFactory(StreetFactory)
    name = factory.LazyFunction(fake.name)
    kind = GridWorker.Kind.FULL_TIME
    phone = "02347001234"

    @factory.post_generation
    def grids(self, create, extracted, **kwargs):
        if create and extracted:
            self.grids.set(extracted)

    @factory.post_generation
    def with_scope(self, create, extracted, **kwargs):
        if create and extracted is not False:
            UserScope.objects.get_or_create(user=self.user, defaults={"role": UserScope.Role.GRID_WORKER})


class CoGovernanceMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoGovernanceMember

    community = factory.SubFactory(CommunityFactory)
    grid = None
    role = CoGovernanceMember.Role.VOLUNTEER
    name = "王秀英"
    phone = "13987654321"


class PersonalDataRevealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonalDataReveal

    user = factory.SubFactory(UserFactory)
    content_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(CoGovernanceMember))
    object_id = 1
    field = "phone"
