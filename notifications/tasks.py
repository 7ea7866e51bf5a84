"""The notifications' Celery tasks. Each is safe to run twice (`notifications.services`)."""

from celery import shared_task


@shared_task(name="notifications.tasks.route_events")
def route_events(event_ids: list[int]) -> int:
    """Route each event (those queued together travel in one message); the deliveries made."""
    import logging

    from notifications.services import event_route

    made = 0
    for event_id in event_ids:
        try:
            made += event_route(event_id)
        except Exception:  # one event's failure leaves it to the re-drive, not the others
            logging.getLogger(__name__).exception("routing event %s failed", event_id)
    return made


@shared_task(name="notifications.tasks.deliver")
def deliver(delivery_id: int) -> str:
    from notifications.services import delivery_attempt

    return delivery_attempt(delivery_id)


@shared_task(name="notifications.tasks.redrive")
def redrive() -> dict:
    from notifications.services import notifications_redrive

    result = notifications_redrive()
    return {"events": result.events, "deliveries": result.deliveries, "reclaimed": result.reclaimed}
