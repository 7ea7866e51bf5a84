"""Drive mixed traffic against a running server, optionally restarting PostgreSQL part-way,
and check that no case the server acknowledged was lost or created twice: `manage.py soak`.

Each client thread does what phones and the centre do, at random: creates a case with an
`Idempotency-Key` (retried on a transport error, a 5xx, a 409 or a 429, as a phone retries
until it has its number), sends an offline batch of two (`sync`, retried likewise until every
item is answered), lists cases, reads a case and acts on it (accept, else comment, with
`If-Match`), and reads a report. Every case carries its key in its description, so that at
the end the database can be asked which keys it holds: a key acknowledged (201) and not
found is lost, a key found twice is duplicated, a key found but never acknowledged is one the
client gave up on.

The command reads the database through Django's settings: run it with the same
DATABASE_URL as the server. It exits with an error when anything was lost or duplicated,
when an answer was not one the traffic expects, or when an error (a 5xx, a refused or broken
connection) fell outside the restart window: from the moment PostgreSQL is told to restart
until the first answer that is not an error after it is back.
"""

from __future__ import annotations

import random
import shlex
import subprocess
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import requests
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from cases.models import Case

TAG = "soak:"  # a soak case's description: the tag and its key, nothing else
API = "/api/v1"
# Answers a phone retries after: the key is still claimed (409), or the server asks it to wait.
RETRIED = {409, 429}
# How much of each client's traffic each kind of request is.
# Sign-ins of the worker and the admin, the worker's grid, the catalogue: before the clock starts.
SETUP_REQUESTS = 4
MIX = {"create": 30, "sync": 15, "list": 25, "action": 20, "report": 10}


@dataclass(frozen=True)
class Call:
    kind: str
    started: float  # seconds since the run began
    ended: float
    status: int | None  # None: no answer (connection refused, reset or timed out)
    expected: bool  # an answer the traffic expects (errors and retried answers included)

    @property
    def error(self) -> bool:
        return self.status is None or self.status >= 500


@dataclass
class Ledger:
    """What the clients sent and were answered, kept under one lock."""

    run: str
    began: float = field(default_factory=time.monotonic)
    calls: list[Call] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # key → the case number answered
    given_up: set[str] = field(default_factory=set)
    refused: dict[str, int] = field(default_factory=dict)  # key → a 4xx that was not retried
    restart: tuple[float, float] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.began

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def acknowledge(self, key: str, number: str) -> None:
        with self._lock:
            self.acknowledged[key] = number
            self.given_up.discard(key)

    def give_up(self, key: str) -> None:
        with self._lock:
            self.given_up.add(key)

    def refuse(self, key: str, status: int) -> None:
        with self._lock:
            self.refused[key] = status

    def restart_window(self) -> tuple[float, float] | None:
        """From the restart's command until the first answer that is not an error after it."""
        if self.restart is None:
            return None
        began, returned = self.restart
        after = [c.ended for c in self.calls if not c.error and c.started >= returned]
        return began, min(after, default=self.now())

    def errors_outside_restart(self) -> list[Call]:
        window = self.restart_window()
        return [
            c
            for c in self.calls
            if c.error and (window is None or c.ended < window[0] or c.started > window[1])
        ]

    def windows(self, seconds: float) -> list[tuple[float, int, int, int, bool]]:
        """(start, requests, errors, unexpected answers, overlaps the restart) per window."""
        restart = self.restart_window()
        last = max((c.ended for c in self.calls), default=0.0)
        rows = []
        for index in range(int(last // seconds) + 1):
            start, end = index * seconds, (index + 1) * seconds
            inside = [c for c in self.calls if start <= c.ended < end]
            rows.append(
                (
                    start,
                    len(inside),
                    sum(c.error for c in inside),
                    sum(not c.expected for c in inside),
                    restart is not None and restart[0] < end and restart[1] >= start,
                )
            )
        return rows


@dataclass(frozen=True)
class Reconciliation:
    found: int
    lost: list[str]
    duplicated: dict[str, list[str]]
    mismatched: list[str]
    unacknowledged: list[str]


def reconcile(ledger: Ledger) -> Reconciliation:
    """Compare the keys acknowledged with the cases the database holds for this run."""
    by_key: dict[str, list[str]] = defaultdict(list)
    rows = Case.objects.filter(description__startswith=f"{TAG}{ledger.run}-").values_list(
        "description", "number"
    )
    for description, number in rows:
        by_key[description.removeprefix(TAG)].append(number)
    return Reconciliation(
        found=sum(len(numbers) for numbers in by_key.values()),
        lost=sorted(key for key in ledger.acknowledged if key not in by_key),
        duplicated={key: numbers for key, numbers in by_key.items() if len(numbers) > 1},
        mismatched=sorted(
            key for key, number in ledger.acknowledged.items() if key in by_key and number not in by_key[key]
        ),
        unacknowledged=sorted(key for key in by_key if key not in ledger.acknowledged),
    )


class Client:
    """One phone and one centre desk, sharing the run's two sign-ins."""

    def __init__(self, index: int, *, ledger: Ledger, url: str, tokens: dict, setup: dict, options: dict):
        self.index, self.ledger, self.url, self.tokens, self.setup = index, ledger, url, tokens, setup
        self.timeout, self.give_up_after = options["timeout"], options["give_up_after"]
        self.rng = random.Random(f"{ledger.run}-{index}")
        self.session = requests.Session()
        self.sent = 0
        self.cases: list[int] = []

    def call(self, kind, method, path, *, as_, expect=(200,), headers=None, **kwargs):
        headers = {"Authorization": f"Token {self.tokens[as_]}", **(headers or {})}
        started = self.ledger.now()
        try:
            response = self.session.request(
                method, self.url + path, headers=headers, timeout=self.timeout, **kwargs
            )
        except requests.RequestException:
            self.ledger.record(Call(kind, started, self.ledger.now(), None, True))
            return None
        status = response.status_code
        expected = status in expect or status >= 500 or (kind in ("create", "sync") and status in RETRIED)
        self.ledger.record(Call(kind, started, self.ledger.now(), status, expected))
        return response

    def run(self, until: float) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        while self.ledger.now() < until:
            kind = self.rng.choices(kinds, weights)[0]
            if kind == "action" and not self.cases:
                kind = "create"
            getattr(self, kind)()

    def key(self) -> str:
        self.sent += 1
        return f"{self.ledger.run}-{self.index}-{self.sent}"

    def case_body(self, key: str) -> dict:
        return {
            "category": self.setup["category"],
            "grid": self.setup["grid"],
            "title": f"压力测试 {self.sent}",
            "description": f"{TAG}{key}",
            "source": "patrol",
        }

    def _retry(self, response, delay: float) -> float:
        wait = delay
        if response is not None and response.headers.get("Retry-After", "").isdigit():
            wait = min(float(response.headers["Retry-After"]), 2.0)
        time.sleep(wait + self.rng.random() * 0.1)
        return min(delay * 2, 2.0)

    def create(self) -> None:
        key = self.key()
        body, delay, deadline = self.case_body(key), 0.2, time.monotonic() + self.give_up_after
        while True:
            response = self.call(
                "create",
                "POST",
                f"{API}/cases/",
                as_="worker",
                expect=(201,),
                json=body,
                headers={"Idempotency-Key": key},
            )
            status = None if response is None else response.status_code
            if status == 201:
                answer = response.json()
                self.ledger.acknowledge(key, answer["number"])
                self.cases.append(answer["id"])
                return
            if status is not None and status < 500 and status not in RETRIED:
                self.ledger.refuse(key, status)
                return
            if time.monotonic() > deadline:
                self.ledger.give_up(key)
                return
            delay = self._retry(response, delay)

    def sync(self) -> None:
        keys = [self.key(), self.key()]
        items = [{"idempotency_key": key, "case": self.case_body(key)} for key in keys]
        pending, delay, deadline = set(keys), 0.2, time.monotonic() + self.give_up_after
        while pending:
            response = self.call("sync", "POST", f"{API}/cases/sync/", as_="worker", json={"items": items})
            if response is not None and response.status_code == 200:
                for result in response.json()["results"]:
                    key, status = result["idempotency_key"], result["status"]
                    if key not in pending:
                        continue
                    if status == 201:
                        self.ledger.acknowledge(key, result["body"]["number"])
                        self.cases.append(result["body"]["id"])
                        pending.discard(key)
                    elif status < 500 and status not in RETRIED:
                        self.ledger.refuse(key, status)
                        pending.discard(key)
            elif response is not None and response.status_code < 500 and response.status_code not in RETRIED:
                for key in pending:
                    self.ledger.refuse(key, response.status_code)
                return
            if pending and time.monotonic() > deadline:
                for key in pending:
                    self.ledger.give_up(key)
                return
            if pending:
                delay = self._retry(response, delay)

    def list(self) -> None:
        if self.rng.random() < 0.5:
            self.call("list", "GET", f"{API}/cases/", as_="worker", params={"page_size": 20})
        else:
            params = {"status": "reported", "page_size": 50, "ordering": "-reported_at"}
            self.call("list", "GET", f"{API}/cases/", as_="admin", params=params)

    def action(self) -> None:
        case_id = self.rng.choice(self.cases)
        case = self.call("read", "GET", f"{API}/cases/{case_id}/", as_="admin")
        if case is None or case.status_code != 200:
            return
        etag, allowed = case.headers.get("ETag", ""), case.json().get("allowed_actions", [])
        name, body = ("accept", {}) if "accept" in allowed else ("comment", {"note": "压力测试：已查看"})
        self.call(
            name,
            "POST",
            f"{API}/cases/{case_id}/{name}/",
            as_="admin",
            json=body,
            headers={"If-Match": etag},
        )

    def report(self) -> None:
        group_by = self.rng.choice(["grid", "category", "month"])
        self.call("report", "GET", f"{API}/reports/resolution/", as_="admin", params={"group_by": group_by})


class Command(BaseCommand):
    help = (
        "Drive mixed traffic (creates with keys, syncs, lists, actions, reports) against a running "
        "server from several clients, optionally restarting PostgreSQL part-way; print requests, "
        "errors by time window, cases acknowledged against those found, and duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="The server's base URL.")
        parser.add_argument("--clients", type=int, default=4, help="Client threads.")
        parser.add_argument("--seconds", type=float, default=60.0, help="How long to send traffic.")
        parser.add_argument("--window", type=float, default=5.0, help="Seconds per line of the error table.")
        parser.add_argument("--worker", default="sq-worker", help="The grid worker who reports.")
        parser.add_argument("--admin", default="sq-admin", help="The street admin of the worker's street.")
        parser.add_argument("--password", help="Both accounts' password (default: DEMO_PASSWORD).")
        parser.add_argument("--timeout", type=float, default=30.0, help="Seconds a request may take.")
        parser.add_argument(
            "--give-up-after",
            type=float,
            default=120.0,
            help="Seconds a client retries one create before it gives up on it.",
        )
        parser.add_argument(
            "--restart-postgres-at", type=float, help="Restart PostgreSQL this many seconds in."
        )
        parser.add_argument(
            "--pg-ctl",
            default="pg_ctl",
            help='How to call pg_ctl, split as a shell would ("runuser -u postgres -- pg_ctl").',
        )
        parser.add_argument("--pg-data", help="The data directory of the cluster to restart.")
        parser.add_argument("--pg-log", help="pg_ctl's -l: where the restarted server logs.")

    def handle(self, *args, **options):
        from django.conf import settings

        if options["restart_postgres_at"] is not None and not options["pg_data"]:
            raise CommandError("--restart-postgres-at needs --pg-data.")
        if options["clients"] < 1 or options["seconds"] <= 0 or options["window"] <= 0:
            raise CommandError("--clients, --seconds and --window must be positive.")
        url = options["url"].rstrip("/")
        password = options["password"] or settings.DEMO_PASSWORD
        ledger = Ledger(run=f"{time.strftime('%Y%m%d%H%M%S')}{uuid.uuid4().hex[:4]}")
        session = requests.Session()
        tokens = {role: self.sign_in(session, url, options[role], password) for role in ("worker", "admin")}
        setup = self.case_setup(session, url, tokens["worker"])
        clients = [
            Client(i, ledger=ledger, url=url, tokens=tokens, setup=setup, options=options)
            for i in range(options["clients"])
        ]
        ledger.began = time.monotonic()
        threads = [threading.Thread(target=c.run, args=(options["seconds"],), daemon=True) for c in clients]
        if options["restart_postgres_at"] is not None:
            threads.append(threading.Thread(target=self.restart, args=(ledger, options), daemon=True))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = ledger.now()
        result = self.reconcile_when_back(ledger)
        self.report(ledger, result, options, elapsed, settings.DATABASES["default"]["NAME"])
        problems = self.problems(ledger, result)
        if problems:
            raise CommandError("Soak failed: " + "; ".join(problems) + ".")

    def sign_in(self, session, url: str, username: str, password: str) -> str:
        body = {"username": username, "password": password, "device": f"soak-{uuid.uuid4().hex[:8]}"}
        response = session.post(f"{url}{API}/auth/token/", json=body, timeout=30)
        if response.status_code != 200:
            raise CommandError(
                f"Signing in as {username} answered {response.status_code}: {response.text[:200]}"
            )
        return response.json()["token"]

    def case_setup(self, session, url: str, token: str) -> dict:
        headers = {"Authorization": f"Token {token}"}
        grids = session.get(f"{url}{API}/me/", headers=headers, timeout=30).json()["scope"]["grids"]
        categories = session.get(f"{url}{API}/categories/", headers=headers, timeout=30).json()
        active = [c for c in categories if c.get("is_active", True)]
        if not grids or not active:
            raise CommandError("The worker covers no grid, or the catalogue has no active category.")
        return {"grid": grids[0], "category": active[0]["id"]}

    def restart(self, ledger: Ledger, options) -> None:
        time.sleep(max(0.0, options["restart_postgres_at"] - ledger.now()))
        command = [*shlex.split(options["pg_ctl"]), "restart", "-D", options["pg_data"], "-m", "fast", "-w"]
        if options["pg_log"]:
            command += ["-l", options["pg_log"]]
        began = ledger.now()
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        ledger.restart = (began, ledger.now())
        if completed.returncode != 0:
            self.stderr.write(f"pg_ctl restart failed ({completed.returncode}): {completed.stderr.strip()}")

    def reconcile_when_back(self, ledger: Ledger) -> Reconciliation:
        for _attempt in range(30):
            connections.close_all()  # a connection opened before a restart is dead
            try:
                return reconcile(ledger)
            except DatabaseError:
                time.sleep(1)
        raise CommandError("The database did not answer for 30 s after the traffic ended.")

    def report(self, ledger: Ledger, result: Reconciliation, options, elapsed: float, database) -> None:
        write = self.stdout.write
        calls = ledger.calls
        write(
            f"soak {ledger.run}: {options['clients']} clients for {options['seconds']:g} s against "
            f"{options['url']}, database {database}"
        )
        kinds = Counter(c.kind for c in calls)
        write(
            f"requests: {len(calls)} in {elapsed:.1f} s ({len(calls) / max(elapsed, 0.001):.1f}/s, "
            f"after {SETUP_REQUESTS} to sign in and look up the grid and category): "
            + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        )
        statuses = Counter("no answer" if c.status is None else str(c.status) for c in calls)
        write("answers: " + ", ".join(f"{status} × {count}" for status, count in sorted(statuses.items())))
        window = ledger.restart_window()
        if ledger.restart is not None:
            write(
                f"PostgreSQL restart: pg_ctl from {ledger.restart[0]:.1f} s to {ledger.restart[1]:.1f} s; "
                f"the restart window (until the first answer after it) ends at {window[1]:.1f} s"
            )
        write(f"{'window':>13}  {'requests':>8}  {'errors':>6}  {'unexpected':>10}")
        for start, count, errors, unexpected, restart in ledger.windows(options["window"]):
            span = f"{start:.0f}-{start + options['window']:.0f} s"
            write(f"{span:>13}  {count:>8}  {errors:>6}  {unexpected:>10}{'  restart' if restart else ''}")
        outside = ledger.errors_outside_restart()
        write(
            f"errors: {sum(c.error for c in calls)}, outside the restart window: {len(outside)}; "
            f"unexpected answers: {sum(not c.expected for c in calls)}"
        )
        write(
            f"cases: acknowledged {len(ledger.acknowledged)}, found {result.found}, "
            f"lost {len(result.lost)}, duplicated {len(result.duplicated)}, "
            f"number differs {len(result.mismatched)}, found but never acknowledged "
            f"{len(result.unacknowledged)} (given up {len(ledger.given_up)}, refused {len(ledger.refused)})"
        )
        for label, keys in (
            ("lost", result.lost),
            ("duplicated", list(result.duplicated)),
            ("number differs", result.mismatched),
            ("refused", sorted(ledger.refused)),
        ):
            if keys:
                write(f"  {label}: {', '.join(keys[:20])}{' …' if len(keys) > 20 else ''}")

    def problems(self, ledger: Ledger, result: Reconciliation) -> list[str]:
        counts = {
            "lost": len(result.lost),
            "duplicated": len(result.duplicated),
            "with another number": len(result.mismatched),
            "found but never acknowledged": len(result.unacknowledged),
            "given up": len(ledger.given_up),
            "refused": len(ledger.refused),
            "unexpected answers": sum(not c.expected for c in ledger.calls),
            "errors outside the restart window": len(ledger.errors_outside_restart()),
        }
        return [f"{count} {label}" for label, count in counts.items() if count]
