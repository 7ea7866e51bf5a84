"""Queueing the notifications' tasks (`core.queue`: a broker that is down loses nothing)."""

from core.queue import enqueue, enqueue_item, publisher, single_machine

__all__ = ["enqueue_delivery", "enqueue_route", "publish_failures", "published_since", "single_machine"]


def publish_failures() -> int:
    return publisher.failures


def published_since(failures: int, timeout: float = 10.0) -> bool:
    """Whether everything queued since `publish_failures()` gave `failures` reached the broker."""
    return publisher.flush(timeout) and publisher.failures == failures


def enqueue_route(event_id: int) -> None:
    from notifications.tasks import route_events

    enqueue_item(route_events, event_id)


def enqueue_delivery(delivery_id: int, *, countdown: float = 0.0) -> bool:
    from notifications.tasks import deliver

    return enqueue(deliver, delivery_id, countdown=countdown)
