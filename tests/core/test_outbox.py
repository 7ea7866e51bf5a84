"""The outbox: each recorded step writes its domain event in the step's own transaction, and
subscribers run only once that transaction has committed."""

import pytest
from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Case
from cases.overdue import cases_sweep_overdue
from config.errors import InvalidInput
from core import outbox
from core.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """A test subscriber to every case event: the events it was given, in order."""
    events = []

    def subscriber(event):
        events.append((event.name, event.aggregate_id))

    outbox.subscribe("cases.*", subscriber)
    yield events
    outbox.unsubscribe("cases.*", subscriber)


def test_a_step_writes_its_event_and_the_subscriber_runs_after_the_commit(
    world, make_case, heard, django_capture_on_commit_callbacks
):
    # Given a reported case
    case = make_case()
    heard.clear()
    # When the centre accepts it
    with django_capture_on_commit_callbacks(execute=False) as pending:
        services.case_accept(case_id=case.pk, actor=world.admin_a, note="受理")
        # Then the event is written with the step, and nobody has heard of it before the commit
        event = OutboxEvent.objects.get(name="cases.accept")
        assert heard == []
    for callback in pending:
        callback()
    assert heard == [("cases.accept", case.pk)]
    assert (event.aggregate, event.aggregate_id, event.actor_id) == ("cases", case.pk, world.admin_a.pk)
    assert event.payload["from_status"] == "reported" and event.payload["to_status"] == "accepted"
    assert event.payload["street"] == world.street_a.pk and event.payload["grid"] == world.grid_a1.pk
    assert event.payload["number"] == case.number


def test_a_rolled_back_step_leaves_no_event_and_runs_nothing(
    world, make_case, heard, django_capture_on_commit_callbacks
):
    case = make_case()
    before = OutboxEvent.objects.count()
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        # Given a step that is recorded and then rolled back with the caller's transaction
        with pytest.raises(RuntimeError), transaction.atomic():
            services.case_accept(case_id=case.pk, actor=world.admin_a)
            raise RuntimeError("the caller fails after the step")
        # And a step refused for its input, which writes nothing
        with pytest.raises(InvalidInput):
            services.case_reject(case_id=case.pk, actor=world.admin_a, reason="  ")
    # Then no event is stored and the subscriber never ran
    assert OutboxEvent.objects.count() == before
    assert heard == []
    assert Case.objects.get(pk=case.pk).status == "reported"


def test_an_event_names_personal_data_as_changed_but_never_gives_it(world, make_case):
    case = make_case()
    services.case_update(
        case_id=case.pk, actor=world.admin_a, data={"contact_name": "张秀兰", "contact_phone": "13812345678"}
    )
    event = OutboxEvent.objects.get(name="cases.update")
    assert event.payload["changed"] == ["contact_name", "contact_phone"]
    assert event.payload["changes"] == {}
    text = str(event.payload)
    assert "张" not in text and "1381" not in text and "5678" not in text


def test_every_step_of_a_case_and_of_its_mediation_has_its_event(world, make_case, make_mediation):
    case = make_case("closed")
    names = list(
        OutboxEvent.objects.filter(aggregate="cases", aggregate_id=case.pk).values_list("name", flat=True)
    )
    assert names == [
        "cases.report",
        "cases.accept",
        "cases.assign",
        "cases.start",
        "cases.resolve",
        "cases.verify",
    ]
    mediation = make_mediation("agreed")
    mediation_events = OutboxEvent.objects.filter(aggregate="mediation", aggregate_id=mediation.pk)
    assert list(mediation_events.values_list("name", flat=True)) == [
        "mediation.register",
        "mediation.start",
        "mediation.agree",
    ]
    assert mediation_events.first().payload["case"] == mediation.case_id


def test_the_overdue_sweep_publishes_its_marks_and_supervisions(
    world, make_case, heard, django_capture_on_commit_callbacks
):
    case = make_case("accepted")
    heard.clear()
    later = case.due_at + timezone.timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        cases_sweep_overdue(now=later)
    assert sorted(heard) == [("cases.mark_overdue", case.pk), ("cases.supervise", case.pk)]
    supervise = OutboxEvent.objects.get(name="cases.supervise")
    assert supervise.payload["overdue_hours"] == 3


def test_a_failing_subscriber_does_not_undo_the_step(world, make_case, django_capture_on_commit_callbacks):
    case = make_case()

    def broken(event):
        raise RuntimeError("a subscriber failed")

    outbox.subscribe("cases.comment", broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.case_comment(case_id=case.pk, actor=world.admin_a, note="已电话联系")
    finally:
        outbox.unsubscribe("cases.comment", broken)
    assert OutboxEvent.objects.filter(name="cases.comment", aggregate_id=case.pk).exists()
    assert case.events.filter(action="comment").exists()


@pytest.mark.django_db(transaction=True)
def test_with_a_real_commit_the_subscriber_reads_the_committed_event(world, make_case, heard):
    case = make_case()
    heard.clear()
    services.case_comment(case_id=case.pk, actor=world.admin_a, note="已电话联系")
    assert heard == [("cases.comment", case.pk)]
