"""Queueing a background task, whichever mode the service runs in.

With a broker (`CELERY_BROKER_URL`), `enqueue` hands the task to this process's publisher
thread and returns at once: a request that queues work after its commit does not wait on the
broker's round trip, nor on a broker that is down. The thread publishes in order; if the
broker cannot be reached it logs and drops the message, and the caller's work stays recorded
(an outbox event, a delivery, a job) for the app's periodic re-drive to queue again. A process
that exits publishes what is still waiting first (for a few seconds at most); whatever a crash
loses, the re-drive finds.

`enqueue_item` adds one item to the next message of a task that takes a list (the
notifications' `route_events`): items queued within `BATCH_LINGER` seconds of each other
travel in one message, so that publishing, which costs more CPU than the whole hook, is paid
once for a burst (the hourly sweep's thousands of events, a busy centre's actions) instead of
once per event.

In single-machine mode (no broker) a task runs here and now, in the process that queues it;
one put off for later (`countdown`) is left to the re-drive, which cron runs through the
apps' management commands.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time

from celery import current_app

logger = logging.getLogger(__name__)

BATCH_LINGER = 0.05  # seconds the thread waits for more work once it has some
BATCH_SIZE = 500  # items at most in one message


def single_machine() -> bool:
    return bool(current_app.conf.task_always_eager)


class Publisher:
    """One daemon thread per process that publishes queued tasks to the broker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._queue: queue.Queue = queue.Queue()
        self.failures = 0  # publishes the broker refused, since the process started

    def _ensure_thread(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            # A forked child (a gunicorn or Celery worker) has no thread of its parent's: start its own.
            self._queue = queue.Queue()
            threading.Thread(target=self._run, name="task-publisher", daemon=True).start()
            self._pid = os.getpid()

    def put(self, task, args: tuple, countdown: float) -> None:
        self._ensure_thread()
        self._queue.put((task, args, countdown, False))

    def put_item(self, task, item) -> None:
        self._ensure_thread()
        self._queue.put((task, (item,), 0.0, True))

    def _take(self, work: queue.Queue) -> list:
        """What is waiting once the linger after the first item is over.

        The thread sleeps through the linger instead of waking for each item that comes in it:
        a wake-up costs the request threads more CPU than the item itself.
        """
        taken = [work.get()]
        time.sleep(BATCH_LINGER)
        while len(taken) < BATCH_SIZE:
            try:
                taken.append(work.get_nowait())
            except queue.Empty:
                break
        return taken

    def _run(self) -> None:
        work = self._queue
        while True:
            taken = self._take(work)
            messages: list[tuple] = []
            batches: dict = {}
            for task, args, countdown, batched in taken:
                if not batched:
                    messages.append((task, args, countdown))
                    continue
                if task not in batches:
                    batches[task] = []
                    messages.append((task, None, 0.0))  # the batch's place in the order
                batches[task].append(args[0])
            for task, args, countdown in messages:
                self._publish(task, (batches[task],) if args is None else args, countdown)
            for _ in taken:
                work.task_done()

    def _publish(self, task, args: tuple, countdown: float) -> None:
        try:
            task.apply_async(args=args, countdown=countdown if countdown > 0 else None)
        except Exception as exc:  # kombu's OperationalError, a refused socket: the broker is away
            self.failures += 1
            logger.warning("could not queue %s (%s); the re-drive will", task.name, type(exc).__name__)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is published (or `timeout` passes)."""
        if self._pid != os.getpid():
            return True
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        return done.wait(timeout)


publisher = Publisher()
atexit.register(publisher.flush)


def enqueue(task, *args, countdown: float = 0.0) -> bool:
    """Run or queue `task(*args)`; False when it was left for the re-drive."""
    if single_machine():
        if countdown > 0:
            return False
        task.apply(args=args)
        return True
    publisher.put(task, args, countdown)
    return True


def enqueue_item(task, item) -> None:
    """Queue `item` for `task(items)`, in one message with the items queued just before or after."""
    if single_machine():
        task.apply(args=([item],))
    else:
        publisher.put_item(task, item)
