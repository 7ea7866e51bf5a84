"""`manage.py bench_notifications`: what notifications cost an action, and one worker's throughput.

Both figures are measured on a throwaway database (Django's test database machinery, named
`<database>_bench_notifications`, a file on SQLite) and a queue of the run's own on the
configured broker, so that nothing of the service's data or other workers is touched:

1. A case report's time with and without the notification hook, side by side in adjacent
   rounds: the hook hands the event to the publisher thread after the commit.
2. The time one worker (`celery worker`, its prefork pool) takes to route N events and post
   their N messages to a local webhook sink, from the first event queued to the last message
   received.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection

from cases.models import Category, MajorCategory
from cases.services import case_create
from core import outbox
from core.benchdb import BenchDatabase
from grids.models import Community, Grid, GridWorker, Street, UserScope
from notifications.hooks import on_event
from notifications.models import Robot
from notifications.rules import EVENT_NAMES

ROOT = Path(__file__).resolve().parent.parent


class CountingSink:
    """A local webhook that answers every POST as a WeChat Work robot does, and counts them."""

    def __init__(self):
        self.count = 0
        self.last_at = 0.0
        lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes: without this, Nagle's algorithm holds the
            # body until the client's delayed ACK (40 ms) and the sink, not the worker, is measured.
            disable_nagle_algorithm = True

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = b'{"errcode":0,"errmsg":"ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                with lock:
                    sink.count += 1
                    sink.last_at = time.monotonic()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, key: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/cgi-bin/webhook/send?key={key}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def bench_territory(sink: CountingSink, grids: int):
    """A street with `grids` grids, a WeChat Work robot on each, a centre admin and a worker."""
    User = get_user_model()
    street = Street.objects.create(
        name="测评街道", code="999999001", abbreviation="BN", district_name="测评区", district_code="999999"
    )
    community = Community.objects.create(street=street, kind="urban", name="测评社区", code="999999001001")
    grid_rows = Grid.objects.bulk_create(
        Grid(community=community, code=f"999999001001{i:03d}", name=f"测评{i}网格", kind="urban_residential")
        for i in range(grids)
    )
    Robot.objects.bulk_create(
        Robot(
            name=f"测评{i}网格群",
            kind="wecom",
            street=street,
            community=community,
            grid=grid,
            webhook_url=sink.url(str(i)),
        )
        for i, grid in enumerate(grid_rows)
    )
    admin = User.objects.create_user("bench-admin")
    UserScope.objects.create(user=admin, role=UserScope.Role.STREET_ADMIN, street=street)
    worker_user = User.objects.create_user("bench-worker")
    worker = GridWorker.objects.create(user=worker_user, street=street, name="测评网格员", kind="full_time")
    worker.grids.set(grid_rows)
    UserScope.objects.create(user=worker_user, role=UserScope.Role.GRID_WORKER)
    major = MajorCategory.objects.create(code="99", name="测评大类", default_kind="incident")
    category = Category.objects.create(
        major=major,
        code="9901",
        name="测评小类",
        time_limit_hours=48,
        default_triage="small",
        default_level="grid",
    )
    return admin, grid_rows, category


def report(admin, grid, category) -> None:
    case_create(actor=admin, grid=grid, category=category, title="测评事件")


def _hook(on: bool) -> None:
    for name in EVENT_NAMES:
        (outbox.subscribe if on else outbox.unsubscribe)(name, on_event)


def api_reporter(admin, grids, category):
    """A case report as a whole API request (`POST /api/v1/cases/` with the admin's token)."""
    from django.conf import settings
    from django.test import Client

    from accounts.services import token_create

    token = token_create(user=admin, device="bench").token
    hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("*", "") and not h.startswith(".")]
    client = Client(HTTP_HOST=hosts[0] if hosts else "localhost")
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}

    def act(n: int) -> None:
        body = {"grid": grids[n % len(grids)].pk, "category": category.pk, "title": "测评事件"}
        response = client.post("/api/v1/cases/", body, content_type="application/json", **headers)
        if response.status_code != 201:
            raise RuntimeError(f"POST /api/v1/cases/: HTTP {response.status_code} {response.content[:200]!r}")

    return act


def action_overhead(act, *, actions: int, rounds: int) -> dict:
    """One case report's time without and with the hook, in `rounds` pairs of adjacent rounds.

    `wall` is the action as its caller waits for it (the hook hands the event to the publisher
    thread); `cpu` is the process's CPU time, the publisher thread's included (a round ends
    once the thread has published everything), which is all the work notifications add to the
    process. Each added share is the median of the pairs' ratios, so that a machine that slows
    down or speeds up during the run weighs on both sides alike.
    """
    from core.queue import publisher

    pairs = []
    for i in range(rounds):
        pair = {}
        # Alternate which side goes first, so that neither always runs on a warmer cache.
        for hooked in (False, True) if i % 2 == 0 else (True, False):
            _hook(hooked)
            wall, cpu = time.perf_counter(), time.process_time()
            for n in range(actions):
                act(n)
            wall = time.perf_counter() - wall
            publisher.flush(timeout=120)
            cpu = time.process_time() - cpu
            pair["with" if hooked else "without"] = (wall / actions, cpu / actions)
        pairs.append(pair)
    _hook(True)
    median = statistics.median
    return {
        "wall": (median(p["without"][0] for p in pairs), median(p["with"][0] for p in pairs)),
        "cpu": (median(p["without"][1] for p in pairs), median(p["with"][1] for p in pairs)),
        "added_wall": median(p["with"][0] / p["without"][0] - 1 for p in pairs),
        "added_cpu": median(p["with"][1] / p["without"][1] - 1 for p in pairs),
    }


def start_worker(database_url: str, broker_url: str, queue: str, log: Path, concurrency: int):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_QUEUE": queue,
        # A worker keeps its database connection between tasks, as the README advises.
        "DATABASE_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO", "--without-gossip",
        "--without-mingle", "--hostname", f"bench-{os.getpid()}@%h", "-Q", queue,
        "--pool=prefork", f"--concurrency={concurrency}",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if " ready." in log.read_text(errors="replace"):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the worker did not start:\n" + log.read_text(errors="replace")[-2000:])


def throughput(
    events: list[int], sink: CountingSink, *, database_url, broker_url, queue, concurrency
) -> dict:
    from notifications.queue import enqueue_route

    log = Path(tempfile.gettempdir()) / f"gridgov-bench-worker-{os.getpid()}.log"
    worker = start_worker(database_url, broker_url, queue, log, concurrency)
    try:
        before = sink.count
        started = time.monotonic()
        for pk in events:
            enqueue_route(pk)
        deadline = started + max(120, len(events) * 0.5)
        while sink.count - before < len(events) and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = (sink.last_at or time.monotonic()) - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    received = sink.count - before
    return {
        "events": len(events),
        "received": received,
        "seconds": elapsed,
        "per_second": received / elapsed if elapsed else 0.0,
    }


def bench(*, broker_url: str, actions: int, rounds: int, events: int, concurrency: int, out) -> None:
    from celery import current_app

    from core.models import OutboxEvent

    queue = f"gridgov_bench_{os.getpid()}"
    current_app.conf.update(task_always_eager=False, broker_url=broker_url, task_default_queue=queue)
    sink = CountingSink()
    grids_needed = max(1, events // 10)  # ten messages per robot: well under its 20 a minute
    with BenchDatabase("notifications") as database:
        admin, grids, category = bench_territory(sink, grids_needed)
        host = broker_url.split("@")[-1]
        out(f"database: {connection.vendor}; broker: {host}; {rounds} pairs of rounds of {actions} reports")
        service = lambda n: report(admin, grids[n % len(grids)], category)  # noqa: E731
        for label, act in (
            ("the service call", service),
            ("the API request", api_reporter(admin, grids, category)),
        ):
            overhead = action_overhead(act, actions=actions, rounds=rounds)
            current_app.control.purge()  # the rounds' tasks are not part of the next figure
            (wall_off, wall_on), (cpu_off, cpu_on) = overhead["wall"], overhead["cpu"]
            out(
                f"a case report, {label}, as its caller waits: {wall_off * 1000:.2f} ms without the hook, "
                f"{wall_on * 1000:.2f} ms with it ({overhead['added_wall'] * 100:+.1f} %); the process's CPU "
                f"with the publishing thread's: {cpu_off * 1000:.2f} ms, {cpu_on * 1000:.2f} ms "
                f"({overhead['added_cpu'] * 100:+.1f} %)"
            )
        _hook(False)
        first = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for n in range(events):
            report(admin, grids[n % len(grids)], category)
        _hook(True)
        new_events = list(
            OutboxEvent.objects.filter(pk__gt=first, name="cases.report")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        result = throughput(
            new_events,
            sink,
            database_url=database.url(),
            broker_url=broker_url,
            queue=queue,
            concurrency=concurrency,
        )
        pool = f"prefork pool, {concurrency} process{'es' if concurrency > 1 else ''}"
        out(
            f"one worker ({pool}): {result['received']} of {result['events']} events routed and posted to "
            f"the sink in {result['seconds']:.1f} s: {result['per_second']:.0f} events/s"
        )
        current_app.control.purge()
    sink.close()
