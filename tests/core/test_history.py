"""The history of cases and mediations is append-only through the ORM; a database wipe still empties it."""

import pytest
from django.db import transaction

from cases.models import CaseEvent
from core.history import AppendOnlyError
from mediation.models import MediationCase, MediationEvent
from seeds.reset import wipe
from tests.factories import CaseFactory, MediationEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["case", "mediation"])
def event(request, world, make_case):
    """A stored history row: the case's report, or the mediation's registration."""
    if request.param == "case":
        return make_case().events.get()
    return MediationEventFactory(mediation__case__grid=world.grid_a1, note="受理")


def _parent(event):
    return event.case if isinstance(event, CaseEvent) else event.mediation


def _stored(event) -> dict:
    return type(event).objects.filter(pk=event.pk).values("action", "note", "at").get()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda e: (setattr(e, "note", "改写"), e.save()), id="save"),
        pytest.param(lambda e: e.save(update_fields=["note"]), id="save-update-fields"),
        pytest.param(lambda e: e.delete(), id="delete"),
        pytest.param(lambda e: type(e).objects.filter(pk=e.pk).update(note="改写"), id="queryset-update"),
        pytest.param(lambda e: type(e).objects.bulk_update([e], ["note"]), id="bulk-update"),
        pytest.param(lambda e: type(e).objects.filter(pk=e.pk).delete(), id="queryset-delete"),
        pytest.param(lambda e: _parent(e).events.all().delete(), id="related-delete"),
    ],
)
def test_a_history_row_is_neither_changed_nor_deleted(event, change):
    # Given a stored history row
    before, count = _stored(event), type(event).objects.count()
    # When it is changed or deleted through the ORM
    with pytest.raises(AppendOnlyError, match="append-only"), transaction.atomic():
        change(event)
    # Then the row is as it was, and no row is gone
    assert _stored(event) == before
    assert type(event).objects.count() == count


def test_new_history_rows_are_still_written(world):
    # Given a case and a mediation
    case = CaseFactory(grid=world.grid_a1)
    mediation = MediationEventFactory(mediation__case__grid=world.grid_a2).mediation
    # When a step is recorded for each
    CaseEvent.objects.create(case=case, action="comment", at=case.reported_at, to_status=case.status)
    MediationEvent(
        mediation=mediation,
        action="start",
        actor=mediation.registered_by,
        at=mediation.registered_at,
        from_status="registered",
        to_status="mediating",
    ).save()
    # Then the rows are stored
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == ["comment"]
    assert list(mediation.events.values_list("action", flat=True)) == ["register", "start"]


def test_the_seed_reset_still_wipes_the_history(world, make_case):
    # Given a closed case and a mediation, with their history
    make_case("closed")
    MediationEventFactory(mediation__case__grid=world.grid_a1)
    assert CaseEvent.objects.exists() and MediationEvent.objects.exists()
    # When `seed --reset` wipes the database
    wipe()
    # Then both histories, and what they recorded, are gone
    assert not CaseEvent.objects.exists() and not MediationEvent.objects.exists()
    assert not MediationCase.objects.exists()
