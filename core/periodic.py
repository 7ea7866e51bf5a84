"""Work repeated from a thread of its own while a block of code runs (a job's heartbeat, a
bench's samples). The thread has database connections of its own, outside the caller's
transaction, and closes them when it ends."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connections


@contextmanager
def every(seconds: float, work: Callable[[], None], *, name: str) -> Iterator[None]:
    """Call `work()` every `seconds` (first after `seconds`) until the block ends."""
    stop = threading.Event()

    def repeat() -> None:
        try:
            while not stop.wait(seconds):
                work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=repeat, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
