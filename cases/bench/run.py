"""The bench itself: a throwaway database, a gunicorn of the service, load, and the figures.

Each pair (the API and its baseline) is loaded for the same time, in alternating order over
`rounds`, by `concurrency` client threads that open a connection per request (gunicorn's
sync workers close it after each answer). A figure is the pair's ratio: the machine is
shared, so the absolute numbers move from run to run while the ratios hold.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import token_create
from cases.models import Case, Category, MajorCategory
from config.replica import LAG_QUERY, REPLICA, replica_configured
from core import outbox, periodic
from core.benchdb import BenchDatabase
from grids.models import Community, Grid, GridWorker, Street, UserScope

ROOT = Path(__file__).resolve().parents[2]
DISTRICT = "999998"
GRIDS = 4
TITLE = "楼道堆放杂物"
DESCRIPTION = "小区三栋二单元楼道堆放纸箱和旧家具，占用消防通道，住户多次反映。"
ADDRESS = "压测路100号3栋2单元"

Request = tuple[str, str, bytes | None, dict]


@dataclass
class Run:
    requests: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds / self.requests * 1000 if self.requests else 0.0


@dataclass
class Pair:
    name: str
    service: Callable[[int], Request]
    baseline: Callable[[int], Request]
    expect: int
    runs: dict[str, Run] = field(default_factory=lambda: {"service": Run(), "baseline": Run()})


@dataclass
class Territory:
    street: Street
    community: Community
    grids: list[Grid]
    category: Category
    worker_token: str
    admin_token: str
    worker_user_id: int


def territory(cases: int) -> Territory:
    """A street of one community and its grids, a worker covering them, a street admin, one
    category, and `cases` cases already logged there for the list to page through."""
    User = get_user_model()
    street = Street.objects.create(
        name="压测街道",
        code=f"{DISTRICT}001",
        abbreviation="BA",
        district_name="压测区",
        district_code=DISTRICT,
    )
    community = Community.objects.create(
        street=street, kind="urban", name="压测社区", code=f"{street.code}001"
    )
    grids = Grid.objects.bulk_create(
        Grid(
            community=community,
            code=f"{community.code}{g:03d}",
            name=f"压测网格{g}",
            kind="urban_residential",
        )
        for g in range(1, GRIDS + 1)
    )
    major = MajorCategory.objects.create(code="98", name="压测大类", default_kind="incident")
    category = Category.objects.create(
        major=major,
        code="9801",
        name="压测小类",
        time_limit_hours=48,
        default_triage="small",
        default_level="grid",
    )
    worker_user = User.objects.create_user("bench-api-worker")
    worker = GridWorker.objects.create(user=worker_user, street=street, name="压测网格员", kind="full_time")
    worker.grids.set(grids)
    UserScope.objects.create(user=worker_user, role=UserScope.Role.GRID_WORKER)
    admin = User.objects.create_user("bench-api-admin")
    UserScope.objects.create(user=admin, role=UserScope.Role.STREET_ADMIN, street=street)
    now = timezone.now()
    for start in range(0, cases, 5_000):
        Case.objects.bulk_create(
            Case(
                number=f"BA-{n:09d}",
                kind="incident",
                category=category,
                street=street,
                community=community,
                grid=grids[n % GRIDS],
                triage="small",
                level="grid",
                title=TITLE,
                description=DESCRIPTION,
                address=ADDRESS,
                reporter=worker_user,
                status="reported",
                reported_at=now - timedelta(minutes=n),
                due_at=now - timedelta(minutes=n) + timedelta(hours=48),
            )
            for n in range(start, min(start + 5_000, cases))
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As autovacuum leaves a table: statistics for the planner, a visibility map for
            # index-only counts.
            cursor.execute("VACUUM ANALYZE")
    return Territory(
        street=street,
        community=community,
        grids=grids,
        category=category,
        worker_token=token_create(user=worker_user, device="bench").token,
        admin_token=token_create(user=admin, device="bench").token,
        worker_user_id=worker_user.pk,
    )


def pairs(t: Territory, sizes: list[int]) -> list[Pair]:
    worker = {"Authorization": f"Token {t.worker_token}", "Content-Type": "application/json"}
    admin = {"Authorization": f"Token {t.admin_token}"}

    def body(n: int) -> bytes:
        grid = t.grids[n % len(t.grids)]
        return json.dumps(
            {
                "grid": grid.pk,
                "category": t.category.pk,
                "title": TITLE,
                "description": DESCRIPTION,
                "address": ADDRESS,
            }
        ).encode()

    def create(n: int) -> Request:
        return "POST", "/api/v1/cases/", body(n), {**worker, "Idempotency-Key": f"bench-{uuid.uuid4().hex}"}

    def raw_create(n: int) -> Request:
        return "POST", "/bench/raw/cases/", body(n), {"Content-Type": "application/json"}

    found = [Pair("POST /api/v1/cases/ (worker, Idempotency-Key)", create, raw_create, 201)]
    for size in sizes:
        found.append(
            Pair(
                f"GET /api/v1/cases/?page_size={size} (street admin)",
                lambda n, size=size: ("GET", f"/api/v1/cases/?page_size={size}", None, admin),
                lambda n, size=size: ("GET", f"/bench/values/cases/?page_size={size}", None, {}),
                200,
            )
        )
    return found


def query_counts(t: Territory) -> list[tuple[str, int]]:
    """Queries of one request of each kind, in this process, on the bench's data."""
    client = Client(HTTP_HOST="localhost")
    worker = {"HTTP_AUTHORIZATION": f"Token {t.worker_token}"}
    admin = {"HTTP_AUTHORIZATION": f"Token {t.admin_token}"}
    body = {"grid": t.grids[0].pk, "category": t.category.pk, "title": TITLE}
    measured = []
    # Single-machine mode routes each create's notifications in this process: not news here.
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)

    def count(label: str, send: Callable[[], object], expect: int) -> None:
        send()  # warm: the first request of a process reads what later ones keep
        with CaptureQueriesContext(connection) as queries:
            response = send()
        if response.status_code != expect:
            raise RuntimeError(f"{label}: HTTP {response.status_code} {response.content[:300]!r}")
        measured.append((label, len(queries)))

    def post(**headers):
        return client.post("/api/v1/cases/", body, content_type="application/json", **worker, **headers)

    with without_subscribers():
        count("create, with Idempotency-Key", lambda: post(HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex), 201)
        count("create, without", post, 201)
    count("create, with key, and routing", lambda: post(HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex), 201)
    count("list, page_size=50", lambda: client.get("/api/v1/cases/", {"page_size": 50}, **admin), 200)
    count("list, page_size=200", lambda: client.get("/api/v1/cases/", {"page_size": 200}, **admin), 200)
    with override_settings(ROOT_URLCONF="cases.bench.urls"):
        raw = {"grid": t.grids[0].pk, "category": t.category.pk, "title": TITLE}
        os.environ.update(_baseline_env(t))
        count(
            "raw create (baseline)",
            lambda: client.post("/bench/raw/cases/", raw, content_type="application/json"),
            201,
        )
        count("values list (baseline)", lambda: client.get("/bench/values/cases/", {"page_size": 50}), 200)
    return measured


@contextmanager
def without_subscribers():
    """The request's own queries: without the notifications that single-machine mode routes
    in the same process after the commit (with a broker, a Celery worker routes them)."""
    saved = list(outbox._subscribers)
    outbox._subscribers.clear()
    try:
        yield
    finally:
        outbox._subscribers[:] = saved


def _baseline_env(t: Territory) -> dict[str, str]:
    return {
        "BENCH_API_STREET": str(t.street.pk),
        "BENCH_API_COMMUNITY": str(t.community.pk),
        "BENCH_API_REPORTER": str(t.worker_user_id),
    }


class Server:
    """gunicorn serving the service and the baselines on the bench database."""

    def __init__(self, *, database_url: str, t: Territory, workers: int, conn_max_age: int, broker_url: str):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {
            **os.environ,
            **_baseline_env(t),
            "DATABASE_URL": database_url,
            "DATABASE_CONN_MAX_AGE": str(conn_max_age),
            "DJANGO_SETTINGS_MODULE": "cases.bench.settings",
            "DJANGO_DEBUG": "false",
        }
        # With a broker, routing goes to a queue of the run's own, which no worker reads and
        # which is deleted at the end: the request only hands it over, as with Celery workers.
        self.broker_url, self.queue = broker_url, f"gridgov_bench_api_{os.getpid()}"
        env.pop("CELERY_BROKER_URL", None)
        if broker_url:
            env.update(CELERY_BROKER_URL=broker_url, CELERY_QUEUE=self.queue)
        # Kept open for the server's lifetime, closed and removed by `close`.
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="bench-api-gunicorn-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "config" / "gunicorn.conf.py"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.log.name}")
            try:
                status, _body = send(self.port, ("GET", "/bench/values/cases/?page_size=1", None, {}))
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer in {timeout:.0f} s: see {self.log.name}")

    def cpu_seconds(self) -> float:
        """User and system time of the workers so far (the master only watches them)."""
        total = 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        os.unlink(self.log.name)
        if self.broker_url:
            from kombu import Connection

            with Connection(self.broker_url) as broker:
                broker.default_channel.queue_delete(self.queue)


def send(port: int, request: Request) -> tuple[int, bytes]:
    method, path, body, headers = request
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def load(
    server: Server, make: Callable[[int], Request], expect: int, *, seconds: float, concurrency: int
) -> Run:
    """`concurrency` clients sending requests back to back for `seconds`."""
    run = Run()
    lock = threading.Lock()
    counter = iter(range(10**9))
    failures: list[str] = []
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline and not failures:
            with lock:
                n = next(counter)
            request = make(n)
            started = time.perf_counter()
            status, body = send(server.port, request)
            elapsed = time.perf_counter() - started
            if status != expect:
                failures.append(f"{request[0]} {request[1]}: HTTP {status} {body[:300]!r}")
                return
            with lock:
                run.latencies.append(elapsed)

    cpu = server.cpu_seconds()
    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - started
    run.cpu_seconds = server.cpu_seconds() - cpu
    run.requests = len(run.latencies)
    if failures:
        raise RuntimeError(failures[0])
    return run


def merge(total: Run, part: Run) -> None:
    total.requests += part.requests
    total.seconds += part.seconds
    total.cpu_seconds += part.cpu_seconds
    total.latencies += part.latencies


def bench(
    *,
    cases: int,
    sizes: list[int],
    seconds: float,
    rounds: int,
    concurrency: int,
    workers: int,
    conn_max_age: int,
    broker_url: str,
    out: Callable[[str], None],
) -> list[Pair]:
    with BenchDatabase("api") as database:
        out(f"Database: {connection.vendor} {connection.settings_dict['NAME']} (dropped at the end)")
        t = territory(cases)
        out(f"{cases:,} cases in the bench street; gunicorn, {workers} workers, CONN_MAX_AGE={conn_max_age}")
        out(
            "Notifications: handed to a broker queue (as with Celery workers)"
            if broker_url
            else "Notifications: routed in the server after each commit (single-machine mode)"
        )
        out("Queries per request:")
        for label, queries in query_counts(t):
            out(f"  {label:<32}{queries:>3}")
        server = Server(
            database_url=database.url(),
            t=t,
            workers=workers,
            conn_max_age=conn_max_age,
            broker_url=broker_url,
        )
        try:
            found = pairs(t, sizes)
            for pair in found:
                for side in ("service", "baseline"):  # warm both workers
                    load(server, getattr(pair, side), pair.expect, seconds=1, concurrency=concurrency)
            lag = LagSampler()
            for r in range(rounds):
                for pair in found:
                    order = ("service", "baseline") if r % 2 == 0 else ("baseline", "service")
                    for side in order:
                        with lag.sampling(pair is found[0]):
                            run = load(
                                server,
                                getattr(pair, side),
                                pair.expect,
                                seconds=seconds,
                                concurrency=concurrency,
                            )
                        merge(pair.runs[side], run)
        finally:
            server.close()
        report(found, out, seconds=seconds, rounds=rounds, concurrency=concurrency)
        out(lag.summary())
        return found


class LagSampler:
    """The read replica's delay (`config.replica.LAG_QUERY`), sampled every 100 ms from a
    thread of its own while the creates load the primary."""

    def __init__(self, every: float = 0.1):
        self.every = every
        self.samples: list[float] = []

    @contextmanager
    def sampling(self, active: bool = True):
        if not active or not replica_configured():
            yield
            return

        def sample() -> None:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute(LAG_QUERY)
                _in_recovery, lag = cursor.fetchone()
            if lag is not None:
                self.samples.append(float(lag))

        with periodic.every(self.every, sample, name="replica-lag"):
            yield

    def summary(self) -> str:
        if not replica_configured():
            return "Replica lag: no read replica (set DATABASE_REPLICA_URL to measure it under the creates)"
        if not self.samples:
            return "Replica lag: no sample (the replica did not answer)"
        ordered = sorted(self.samples)
        median = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        every = self.every * 1000
        return (
            f"Replica lag under the creates' load ({len(ordered)} samples, every {every:.0f} ms): "
            f"median {median:.1f} ms, p99 {p99:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
        )


def report(
    found: list[Pair], out: Callable[[str], None], *, seconds: float, rounds: int, concurrency: int
) -> None:
    out(
        f"{rounds} rounds of {seconds:g} s per side, {concurrency} clients; "
        "CPU = the workers' time per request"
    )
    out(
        f"{'path':<48}{'req/s':>8}{'p50 ms':>8}{'CPU ms':>8}  |"
        f"{'baseline':>9}{'p50 ms':>8}{'CPU ms':>8}  |{'ratio':>7}"
    )
    for pair in found:
        s, b = pair.runs["service"], pair.runs["baseline"]
        ratio = s.rate / b.rate if b.rate else 0.0
        out(
            f"{pair.name:<48}{s.rate:>8.1f}{s.p50_ms:>8.1f}{s.cpu_ms:>8.1f}  |"
            f"{b.rate:>9.1f}{b.p50_ms:>8.1f}{b.cpu_ms:>8.1f}  |{ratio:>6.2f}×"
        )
