"""Queueing the notifications' tasks (`core.queue`: a broker that is down loses nothing)."""

from core.queue import enqueue, enqueue_item, single_machine

__all__ = ["enqueue_delivery", "enqueue_route", "single_machine"]


def enqueue_route(event_id: int) -> None:
    from notifications.tasks import route_events

    enqueue_item(route_events, event_id)


def enqueue_delivery(delivery_id: int, *, countdown: float = 0.0) -> bool:
    from notifications.tasks import deliver

    return enqueue(deliver, delivery_id, countdown=countdown)
