"""The re-drive: what the broker lost is queued again, once; the scheduled tasks and commands."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from cases import tasks as case_tasks
from core.models import OutboxEvent
from mediation import services as mediation_services
from notifications.models import Delivery, EventRouting, Notification
from notifications.services import notifications_redrive
from tests.factories import DeliveryFactory
from tests.notifications.conftest import WECOM_PATH

pytestmark = pytest.mark.django_db


def test_an_event_the_hook_never_queued_is_routed_by_the_redrive_once(
    world, make_case, grid_robot, sink, django_capture_on_commit_callbacks
):
    # Given a case reported while its hook could not run (the broker was away)
    with django_capture_on_commit_callbacks(execute=False):
        case = make_case("reported")
    event = OutboxEvent.objects.get(name="cases.report", aggregate_id=case.pk)
    assert not EventRouting.objects.filter(event=event).exists()
    # When the re-drive runs
    with django_capture_on_commit_callbacks(execute=True):
        result = notifications_redrive()
    # Then the grid's group is told, once however often it runs again
    assert result.events == 1
    assert len(sink.at(WECOM_PATH)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_redrive().events == 0
    assert len(sink.at(WECOM_PATH)) == 1


def test_events_older_than_the_horizon_are_left_alone(world, make_case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        make_case("reported")
    later = timezone.now() + timedelta(hours=settings.NOTIFY_REDRIVE_HORIZON_HOURS, minutes=1)
    assert notifications_redrive(now=later).events == 0


def test_a_retry_that_is_due_is_sent_and_a_dead_workers_claim_is_freed(world, grid_robot, sink, settings):
    now = timezone.now()
    due = DeliveryFactory(robot=grid_robot, attempts=1, next_attempt_at=now - timedelta(seconds=5))
    waiting = DeliveryFactory(robot=grid_robot, attempts=1, next_attempt_at=now + timedelta(minutes=5))
    stale = DeliveryFactory(
        robot=grid_robot,
        state="sending",
        attempts=1,
        claimed_at=now - timedelta(seconds=settings.NOTIFY_CLAIM_TIMEOUT_SECONDS + 1),
    )
    result = notifications_redrive(now=now)
    assert (result.deliveries, result.reclaimed) == (2, 1)
    states = dict(Delivery.objects.values_list("pk", "state"))
    assert states == {due.pk: "sent", waiting.pk: "pending", stale.pk: "sent"}
    assert len(sink.at(WECOM_PATH)) == 2


def test_the_command_runs_the_redrive_for_cron(
    world, make_case, grid_robot, sink, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        make_case("reported")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("redrive_notifications")
    assert "events routed again: 1; deliveries queued: 0; claims freed: 0" in capsys.readouterr().out
    assert len(sink.at(WECOM_PATH)) == 1


def test_the_beat_schedule_has_every_periodic_task():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {name: entry["task"] for name, entry in schedule.items()} == {
        "cases-sweep-overdue": "cases.tasks.sweep_overdue",
        "cases-purge-idempotency-keys": "cases.tasks.purge_idempotency_keys",
        "cases-ensure-history-partitions": "cases.tasks.ensure_history_partitions",
        "notifications-redrive": "notifications.tasks.redrive",
        "jobs-redrive": "jobs.tasks.redrive",
        "jobs-purge": "jobs.tasks.purge",
        "registry-visits-coming-due": "registry.tasks.visits_coming_due",
    }
    assert schedule["cases-sweep-overdue"]["schedule"] == 3600
    assert schedule["notifications-redrive"]["schedule"] == 60
    assert schedule["cases-purge-idempotency-keys"]["schedule"] == 86400


def test_the_sweep_task_marks_and_tells(world, make_case, django_capture_on_commit_callbacks):
    from cases.models import Case

    case = make_case("assigned")
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert case_tasks.sweep_overdue.apply().get() == {"marked": 1, "supervisions": 1}
    assert set(Notification.objects.filter(user=world.worker_a).values_list("trigger", flat=True)) == {
        "overdue",
        "supervise",
    }


def test_the_purge_task_deletes_old_idempotency_keys(world):
    from cases.models import IdempotencyKey

    IdempotencyKey.objects.create(
        user=world.worker_a, key="k1", fingerprint="x", created_at=timezone.now() - timedelta(days=10)
    )
    assert case_tasks.purge_idempotency_keys.apply().get() == 1


def test_a_mediation_session_tells_the_mediators(world, make_mediation, django_capture_on_commit_callbacks):
    mediation = make_mediation("mediating")
    lead = mediation.lead_mediator
    with django_capture_on_commit_callbacks(execute=True):
        mediation_services.mediation_session(
            mediation_id=mediation.pk,
            actor=world.admin_a,
            held_on=timezone.localdate(),
            place="调解室",
            attendees="双方当事人",
        )
    expected = {lead.user_id, *(m.user_id for m in mediation.assisting_mediators.all() if m.user_id)}
    notes = Notification.objects.filter(trigger="mediation_session")
    assert {n.user_id for n in notes} == expected and len(notes) == len(expected)
    note = notes[0]
    assert note.title == "调解会已记录" and mediation.case.number in note.body
    assert note.link.endswith(f"/api/v1/mediation/cases/{mediation.pk}/")


def test_with_a_broker_a_waiting_event_or_delivery_is_queued_again_only_after_a_while(
    world, make_case, grid_robot, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from notifications import queue

    routed, sent = [], []
    monkeypatch.setattr(queue, "single_machine", lambda: False)
    monkeypatch.setattr(queue, "enqueue_route", routed.append)
    monkeypatch.setattr(queue, "enqueue_delivery", sent.append)
    with django_capture_on_commit_callbacks(execute=False):
        make_case("reported")  # its hook's message is in a backlog somewhere
    due = DeliveryFactory(robot=grid_robot, attempts=1, next_attempt_at=timezone.now() - timedelta(minutes=5))
    later = timezone.now() + timedelta(seconds=settings.NOTIFY_REDRIVE_AFTER_SECONDS + 1)
    first = notifications_redrive(now=later)
    assert (first.events, first.deliveries) == (1, 1)
    # A minute later both still wait (the backlog): neither is queued a second time…
    second = notifications_redrive(now=later + timedelta(minutes=1))
    assert (second.events, second.deliveries) == (0, 0)
    assert len(routed) == len(sent) == 1 and sent == [due.pk]
    # …until NOTIFY_REQUEUE_AFTER_SECONDS has passed (the marks expire in the shared cache).
    cache.clear()
    third = notifications_redrive(now=later + timedelta(minutes=11))
    assert (third.events, third.deliveries) == (1, 1)


def test_what_the_broker_refused_during_a_redrive_is_tried_again_by_the_next(
    world, make_case, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from notifications import queue

    routed = []
    monkeypatch.setattr(queue, "single_machine", lambda: False)
    monkeypatch.setattr(queue, "enqueue_route", routed.append)
    monkeypatch.setattr(queue, "published_since", lambda failures: False)  # the broker was away
    with django_capture_on_commit_callbacks(execute=False):
        make_case("reported")
    later = timezone.now() + timedelta(seconds=settings.NOTIFY_REDRIVE_AFTER_SECONDS + 1)
    assert notifications_redrive(now=later).events == 1
    assert notifications_redrive(now=later + timedelta(minutes=1)).events == 1
    assert len(routed) == 2
