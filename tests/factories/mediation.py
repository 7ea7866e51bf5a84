import datetime

import factory

from grids.privacy import id_number_check_character
from mediation.models import MediationRoom, Mediator, Party
from tests.factories.grids import StreetFactory, fake

__all__ = ["MediationRoomFactory", "MediatorFactory", "PartyFactory", "valid_id_number"]


def valid_id_number(first17: str = "50011619850312123") -> str:
    """An 18-character resident ID number with a correct GB 11643 check character."""
    return first17 + id_number_check_character(first17)


class MediationRoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediationRoom

    name = factory.Sequence(lambda n: f"第{n}调解室")
    street = factory.SubFactory(StreetFactory)
    community = None
    level = MediationRoom.Level.STREET
    is_gold = False


class MediatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mediator

    user = None
    street = factory.SubFactory(StreetFactory)
    name = factory.LazyFunction(fake.name)
    kind = Mediator.Kind.ORDINARY
    certified_on = factory.LazyAttribute(
        lambda m: datetime.date(2021, 6, 1) if m.kind == Mediator.Kind.GOLD else None
    )
    specialties = factory.LazyFunction(lambda: ["neighbourhood"])


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    role = Party.Role.APPLICANT
    name = factory.LazyFunction(fake.name)
    phone = "13812345678"
    id_number = factory.LazyFunction(valid_id_number)
