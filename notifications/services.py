"""Routing events to recipients and delivering each message once.

Delivery is at least once, its effect exactly once:

- The outbox hook queues the event's routing after the step's commit (`route_events`: the
  events of a burst travel in one message). If the broker cannot take it (down,
  unreachable), nothing is lost: the re-drive (`notifications_redrive`, every minute)
  queues every recent event that has no `EventRouting` row yet.
- Routing writes the `EventRouting` row (its key is the event's), the inbox rows and the
  deliveries in one transaction: routing an event a second time finds the row and does
  nothing. Each delivery is unique by (event, channel, recipient).
- Sending first *claims* the delivery (`pending` → `sending`, committed) and posts outside
  any transaction; a task delivered twice, or queued by both the hook and the re-drive,
  finds the delivery claimed or sent and does nothing. A worker that dies between its post
  and recording the answer leaves a claim that the re-drive frees after
  `NOTIFY_CLAIM_TIMEOUT_SECONDS`; only then can a message go out twice, which is the one case
  no sender can rule out without the receiver's help.
- A group robot takes `NOTIFY_ROBOT_PER_MINUTE` messages a minute: the claim counts the
  robot's claims of the last minute under a lock on the robot's row and, at the limit, puts
  the delivery off until the oldest of them is a minute old. No attempt is counted for that.
- Failures: timeouts, refused connections and 5xx are tried again with exponential backoff
  (`NOTIFY_RETRY_BASE_SECONDS` doubled each time, at most `NOTIFY_RETRY_MAX_SECONDS`); a 429
  waits the `Retry-After` asked; any other 4xx fails at once; after `NOTIFY_MAX_ATTEMPTS`
  attempts the delivery is failed. The admin's retry action sends a failed one again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, Min, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ActionNotAllowed, ObjectNotFound, RoleNotAllowed
from core.access import ACCESS
from core.locking import lock_one
from core.models import OutboxEvent
from grids.scope import scope_for
from notifications import queue, recipients, rules
from notifications.channels import SENDERS, DeliveryError
from notifications.channels.sms import provider as sms_provider
from notifications.messages import render
from notifications.models import Delivery, EventRouting, Notification, Robot
from notifications.rules import Channel
from notifications.subjects import subject_of

logger = logging.getLogger(__name__)

ROBOT_WINDOW = timedelta(minutes=1)


# --- routing ----------------------------------------------------------------------------------


def event_route(event_id: int) -> int:
    """Write the inbox rows and deliveries of one outbox event, once. Returns the deliveries made."""
    event = OutboxEvent.objects.filter(pk=event_id).first()
    if event is None:
        return 0
    with transaction.atomic():
        try:
            with transaction.atomic():
                routing = EventRouting.objects.create(event=event)
        except IntegrityError:
            return 0  # routed already: by the hook's task, or by the re-drive
        deliveries = _route(event)
        routing.deliveries = len(deliveries)
        routing.save(update_fields=["deliveries"])
        transaction.on_commit(lambda: [queue.enqueue_delivery(pk) for pk in deliveries])
    return len(deliveries)


def _route(event: OutboxEvent) -> list[int]:
    trigger = rules.trigger_of(event)
    subject = subject_of(event) if trigger else None
    rule = rules.rule_for(trigger, subject.street_id) if subject else None
    if rule is None:
        return []
    found = recipients.targets(subject, rule.recipients)
    # Nobody is told of what they did themselves.
    user_ids = sorted(found.user_ids - {event.actor_id})
    message = render(trigger, subject, event.payload or {})
    channels = set(rule.channels)
    if Channel.INBOX in channels:
        _inbox(event, trigger, subject, message, user_ids)
    rows = [
        *_personal_deliveries(channels, user_ids),
        *(
            Delivery(channel=robot.kind, recipient=f"robot:{robot.pk}", robot=robot)
            for robot in found.robots
            if robot.kind in channels
        ),
    ]
    now = timezone.now()
    for row in rows:
        row.event, row.trigger, row.message, row.next_attempt_at = event, trigger, message, now
        row.street_id, row.community_id, row.grid_id = (
            subject.street_id,
            subject.community_id,
            subject.grid_id,
        )
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        Delivery.objects.filter(event=event, state=Delivery.State.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _inbox(event, trigger, subject, message, user_ids) -> None:
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                event=event,
                trigger=trigger,
                title=message["title"],
                body=message["text"],
                link=message["link"],
                subject_type=subject.kind,
                subject_id=subject.id,
            )
            for user_id in user_ids
        ],
        ignore_conflicts=True,
    )


def _personal_deliveries(channels: set[str], user_ids: list[int]) -> list[Delivery]:
    rows = []
    if Channel.EMAIL in channels:
        rows += [
            Delivery(channel=Channel.EMAIL, recipient=f"user:{pk}", user_id=pk)
            for pk in recipients.emails_of(user_ids)
        ]
    if Channel.SMS in channels and sms_provider() is not None:
        rows += [
            Delivery(channel=Channel.SMS, recipient=f"user:{pk}", user_id=pk)
            for pk in recipients.phones_of(user_ids)
        ]
    return rows


# --- sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    delivery: Delivery | None = None  # claimed: send it
    wait: float | None = None  # not yet: try again in this many seconds


def _robot_wait(robot: Robot, now: datetime) -> float | None:
    """Seconds until the robot may take another message, or None when it may now."""
    limit = settings.NOTIFY_ROBOT_PER_MINUTE
    if limit <= 0:
        return None
    lock_one(Robot.objects.all(), pk=robot.pk)  # one claim at a time per robot
    recent = Delivery.objects.filter(robot=robot, claimed_at__gt=now - ROBOT_WINDOW)
    if recent.count() < limit:
        return None
    oldest = recent.aggregate(oldest=Min("claimed_at"))["oldest"]
    return max(0.05, (oldest + ROBOT_WINDOW - now).total_seconds())


@transaction.atomic
def _claim(delivery_id: int, now: datetime) -> Claim:
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("robot", "event")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.state != Delivery.State.PENDING:
        return Claim()  # sent, failed, or being sent by another task
    early = (delivery.next_attempt_at - now).total_seconds()
    if early > 0.5:
        return Claim(wait=early)  # a copy of the task that came before its time
    if delivery.robot_id:
        wait = _robot_wait(delivery.robot, now)
        if wait is not None:
            delivery.next_attempt_at = now + timedelta(seconds=wait)
            delivery.save(update_fields=["next_attempt_at"])
            return Claim(wait=wait)
    delivery.state = Delivery.State.SENDING
    delivery.claimed_at = now
    delivery.attempts += 1
    delivery.save(update_fields=["state", "claimed_at", "attempts"])
    return Claim(delivery=delivery)


def _address(delivery: Delivery):
    if delivery.robot_id:
        return delivery.robot
    if delivery.channel == Channel.EMAIL:
        return recipients.emails_of([delivery.user_id]).get(delivery.user_id, "")
    return recipients.phones_of([delivery.user_id]).get(delivery.user_id, "")


def backoff(attempts: int) -> float:
    """Seconds before attempt `attempts + 1`: the base, doubled for each attempt made, capped."""
    return min(
        settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1), settings.NOTIFY_RETRY_MAX_SECONDS
    )


def delivery_attempt(delivery_id: int, *, now: datetime | None = None) -> str:
    """Try to send one delivery; what became of it ("sent", "retry", "failed", "later", "skipped")."""
    now = now or timezone.now()
    claim = _claim(delivery_id, now)
    if claim.wait is not None:
        queue.enqueue_delivery(delivery_id, countdown=claim.wait)
        return "later"
    delivery = claim.delivery
    if delivery is None:
        return "skipped"
    try:
        SENDERS[delivery.channel](delivery, _address(delivery))
    except DeliveryError as exc:
        return _record_failure(delivery, exc)
    except Exception as exc:  # a bug or an SDK's surprise: recorded and retried, never lost
        logger.exception("delivery %s: unexpected error", delivery.pk)
        return _record_failure(delivery, DeliveryError(type(exc).__name__, retryable=True))
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.SENT, sent_at=timezone.now())
    return "sent"


def _record_failure(delivery: Delivery, exc: DeliveryError) -> str:
    error = str(exc)[:500]
    if not exc.retryable or delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.FAILED, last_error=error)
        logger.warning("delivery %s failed after %s attempts: %s", delivery.pk, delivery.attempts, error)
        return "failed"
    wait = exc.retry_after if exc.retry_after is not None else backoff(delivery.attempts)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.PENDING,
        next_attempt_at=timezone.now() + timedelta(seconds=wait),
        last_error=error,
    )
    queue.enqueue_delivery(delivery.pk, countdown=wait)
    return "retry"


# --- the re-drive and the admin's retry ---------------------------------------------------------


@dataclass(frozen=True)
class RedriveResult:
    events: int
    deliveries: int
    reclaimed: int


def notifications_redrive(*, now: datetime | None = None, batch: int = 2000) -> RedriveResult:
    """Queue again what the broker may have lost: recent events never routed, deliveries due
    and not sent, and claims left by a worker that died. Running it twice costs nothing."""
    now = now or timezone.now()
    failures, marked = queue.publish_failures(), []
    # With a broker, the hook's own tasks get the first minute; in single-machine mode this
    # is the only sender of what is put off, so whatever is due goes now.
    lag = timedelta(seconds=0 if queue.single_machine() else settings.NOTIFY_REDRIVE_AFTER_SECONDS)
    horizon = now - timedelta(hours=settings.NOTIFY_REDRIVE_HORIZON_HOURS)
    routed = EventRouting.objects.filter(event=OuterRef("pk"))
    events = list(
        OutboxEvent.objects.filter(
            created_at__gte=horizon, created_at__lte=now - lag, name__in=rules.EVENT_NAMES
        )
        .filter(~Exists(routed))
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    events = _not_queued_lately("event", events, marked)
    for pk in events:
        queue.enqueue_route(pk)
    stale = Delivery.objects.filter(
        state=Delivery.State.SENDING,
        claimed_at__lt=now - timedelta(seconds=settings.NOTIFY_CLAIM_TIMEOUT_SECONDS),
    )
    reclaimed = stale.update(state=Delivery.State.PENDING, next_attempt_at=now)
    # A freed claim goes at once; a delivery that is only due may be waiting in a backlog.
    freed = (
        list(
            Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at=now).values_list(
                "pk", flat=True
            )
        )
        if reclaimed
        else []
    )
    due = list(
        Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now - lag)
        .exclude(pk__in=freed)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    due = freed + _not_queued_lately("delivery", due, marked)
    for pk in due:
        queue.enqueue_delivery(pk)
    if marked and not queue.published_since(failures):
        cache.delete_many(marked)  # the broker refused some: the next run tries them all again
    return RedriveResult(events=len(events), deliveries=len(due), reclaimed=reclaimed)


def _not_queued_lately(what: str, pks: list[int], marked: list[str]) -> list[int]:
    """Of `pks`, those the re-drive has not queued within `NOTIFY_REQUEUE_AFTER_SECONDS`, now
    marked as queued (their keys added to `marked`). With a broker, an event or delivery still
    waiting after a minute is most often in a backlog, not lost: queued again every minute,
    each would be sent (and refused by its claim) once a minute of the backlog. The marks live
    in the shared cache."""
    if queue.single_machine() or not pks:
        return pks  # the re-drive sends them itself, at once: no message waits anywhere
    keys = {f"notifications:requeued:{what}:{pk}": pk for pk in pks}
    lately = cache.get_many(list(keys))
    fresh = {key: pk for key, pk in keys.items() if key not in lately}
    cache.set_many(dict.fromkeys(fresh, 1), timeout=settings.NOTIFY_REQUEUE_AFTER_SECONDS)
    marked.extend(fresh)
    return list(fresh.values())


def delivery_retry(*, delivery_id: int, actor) -> Delivery:
    """Send a failed delivery again, from its first attempt (the admin's retry action)."""
    scope = scope_for(actor)
    if not ACCESS.role_may("notifications", "retry_delivery", scope.role):
        raise RoleNotAllowed(_("Your role may not retry deliveries."))
    with transaction.atomic():
        delivery = lock_one(Delivery.objects.visible_to(scope), pk=delivery_id)
        if delivery.state != Delivery.State.FAILED:
            raise ActionNotAllowed(_("Only a failed delivery is sent again."), allowed_actions=[])
        delivery.state, delivery.attempts, delivery.next_attempt_at = (
            Delivery.State.PENDING,
            0,
            timezone.now(),
        )
        delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
        transaction.on_commit(lambda: queue.enqueue_delivery(delivery.pk))
    return delivery


# --- the inbox ----------------------------------------------------------------------------------


def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (another user's is not found)."""
    notification = Notification.objects.of_user(user).filter(pk=notification_id).first()
    if notification is None:
        raise ObjectNotFound()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user, up_to: int | None = None) -> int:
    """Mark the user's unread notifications read, those up to `up_to` (an id) when given."""
    unread = Notification.objects.of_user(user).unread()
    if up_to is not None:
        unread = unread.filter(pk__lte=up_to)
    return unread.update(read_at=timezone.now())
