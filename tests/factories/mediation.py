import datetime

import factory
from django.utils import timezone

from grids.privacy import id_number_check_character
from mediation.models import (
    Agreement,
    FollowUp,
    JudicialConfirmation,
    MediationCase,
    MediationEvent,
    MediationRoom,
    Mediator,
    Party,
    Session,
)
from tests.factories.cases import CaseFactory
from tests.factories.grids import StreetFactory, UserFactory, fake

__all__ = [
    "AgreementFactory",
    "FollowUpFactory",
    "JudicialConfirmationFactory",
    "MediationCaseFactory",
    "MediationEventFactory",
    "MediationRoomFactory",
    "MediatorFactory",
    "PartyFactory",
    "SessionFactory",
    "valid_id_number",
]


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


class MediationCaseFactory(factory.django.DjangoModelFactory):
    """A registered mediation written straight to the table, of an accepted dispute case.

    Tests that need the history and the dispute case in step use the services instead
    (`make_mediation` in tests/mediation/conftest.py); this is for rows a test only reads.
    """

    class Meta:
        model = MediationCase
        skip_postgeneration_save = True

    case = factory.SubFactory(
        CaseFactory, kind="dispute", status="accepted", accepted_at=factory.LazyFunction(timezone.now)
    )
    street = factory.LazyAttribute(lambda o: o.case.street)
    community = factory.LazyAttribute(lambda o: o.case.community)
    level = "community"
    dispute_type = "neighbourhood"
    lead_mediator = factory.SubFactory(MediatorFactory, street=factory.SelfAttribute("..street"))
    room = None
    registered_by = factory.SubFactory(UserFactory)
    registered_at = factory.LazyFunction(timezone.now)


class MediationEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediationEvent

    mediation = factory.SubFactory(MediationCaseFactory)
    action = "register"
    actor = factory.LazyAttribute(lambda o: o.mediation.registered_by)
    at = factory.LazyAttribute(lambda o: o.mediation.registered_at)
    from_status = ""
    to_status = "registered"


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    mediation = factory.SubFactory(MediationCaseFactory)
    role = Party.Role.APPLICANT
    name = factory.LazyFunction(fake.name)
    phone = "13812345678"
    id_number = factory.LazyFunction(valid_id_number)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    mediation = factory.SubFactory(MediationCaseFactory, status="mediating")
    held_on = factory.LazyFunction(timezone.localdate)
    place = "浒溪金牌调解室"
    attendees = "双方当事人"
    notes = ""
    recorded_by = factory.LazyAttribute(lambda o: o.mediation.registered_by)


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    mediation = factory.SubFactory(MediationCaseFactory, status="agreed")
    form = Agreement.Form.WRITTEN
    content = "楼上住户赔偿维修费 800 元"
    signed_on = factory.LazyFunction(timezone.localdate)
    performance_deadline = None


class JudicialConfirmationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JudicialConfirmation

    agreement = factory.SubFactory(AgreementFactory)
    applied_on = factory.LazyAttribute(lambda o: o.agreement.signed_on)
    result = JudicialConfirmation.Result.CONFIRMED
    court = "江津区人民法院"
    decided_on = None


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    mediation = factory.SubFactory(MediationCaseFactory, status="agreed")
    visited_on = factory.LazyFunction(timezone.localdate)
    by = factory.LazyAttribute(lambda o: o.mediation.registered_by)
    performance = FollowUp.Performance.FULFILLED
    notes = ""
