"""The transactional outbox: every recorded step also writes a domain event, and subscribers
registered by other apps react to it once the step's transaction has committed.

A service never calls a side effect itself (a notification, a report's rollup): it records its
step, and `History.record` publishes the event here. `publish` writes the row in the current
transaction and asks for the subscribers to run after the commit: a rolled-back step leaves no
row and runs nothing. An app subscribes from its `AppConfig.ready()`:

    outbox.subscribe("cases.assign", notify_assignee)     # one event name
    outbox.subscribe("cases.*", update_rollup)            # every event of a workflow

A subscriber that fails is logged and does not undo the committed step or stop the others
(`on_commit(robust=True)`); the row stays, so work can be done again from it.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Callable, Iterable

from django.db import transaction

from core.models import OutboxEvent

logger = logging.getLogger(__name__)

Subscriber = Callable[[OutboxEvent], None]
_subscribers: list[tuple[str, Subscriber]] = []


def subscribe(pattern: str, subscriber: Subscriber) -> None:
    """Run `subscriber(event)` after the commit of each event whose name matches `pattern`."""
    if (pattern, subscriber) not in _subscribers:
        _subscribers.append((pattern, subscriber))


def unsubscribe(pattern: str, subscriber: Subscriber) -> None:
    if (pattern, subscriber) in _subscribers:
        _subscribers.remove((pattern, subscriber))


def subscribers_of(name: str) -> list[Subscriber]:
    return [s for pattern, s in _subscribers if fnmatch.fnmatchcase(name, pattern)]


def publish(event: OutboxEvent) -> OutboxEvent:
    """Write `event` in the current transaction; its subscribers run after the commit."""
    event.save()
    _after_commit([event])
    return event


def publish_many(events: Iterable[OutboxEvent], *, batch_size: int = 2000) -> list[OutboxEvent]:
    """`publish` for many events at once (the overdue sweep's), in one insert per batch."""
    events = OutboxEvent.objects.bulk_create(list(events), batch_size=batch_size)
    _after_commit(events)
    return events


def _after_commit(events: list[OutboxEvent]) -> None:
    for event in events:
        for subscriber in subscribers_of(event.name):
            transaction.on_commit(_runner(subscriber, event), robust=True)


def _runner(subscriber: Subscriber, event: OutboxEvent) -> Callable[[], None]:
    def run() -> None:
        subscriber(event)

    run.__qualname__ = f"outbox:{event.name}→{getattr(subscriber, '__qualname__', subscriber)}"
    return run
