"""One factory per mediation model, each giving a row that passes the model's validation."""

import pytest

from tests.factories import (
    AgreementFactory,
    FollowUpFactory,
    JudicialConfirmationFactory,
    MediationCaseFactory,
    MediationEventFactory,
    MediationRoomFactory,
    MediatorFactory,
    PartyFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory",
    [
        MediationRoomFactory,
        MediatorFactory,
        MediationCaseFactory,
        MediationEventFactory,
        PartyFactory,
        SessionFactory,
        AgreementFactory,
        JudicialConfirmationFactory,
        FollowUpFactory,
    ],
)
def test_each_factory_makes_a_valid_row(factory):
    row = factory()
    row.full_clean()
    assert type(row).objects.filter(pk=row.pk).exists()


def test_a_mediation_row_lies_in_its_dispute_cases_territory():
    mediation = MediationCaseFactory()
    assert mediation.case.kind == "dispute" and mediation.case.status == "accepted"
    assert (mediation.street, mediation.community) == (mediation.case.street, mediation.case.community)
    assert mediation.lead_mediator.street == mediation.street
