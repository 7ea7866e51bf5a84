"""The outbox subscriber: after a step's commit, queue the routing of its event."""

from notifications import queue


def on_event(event) -> None:
    queue.enqueue_route(event.pk)
