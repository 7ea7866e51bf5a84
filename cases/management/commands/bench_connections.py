"""How a request's database connection is had, side by side: `manage.py bench_connections`.

PostgreSQL only. Each way runs in its own process (settings are read at start-up) and serves
the same sequence of signed-in API requests (`GET /api/v1/me/`: token, scope, answer) through
Django's test client, so each request opens, reuses or borrows its connection as it would
under gunicorn. The ways, in alternating rounds so that the machine's load falls on all:

- a new connection per request (`DATABASE_CONN_MAX_AGE=0`, the default);
- persistent connections (`DATABASE_CONN_MAX_AGE=600`);
- psycopg 3's pool (`DATABASE_POOL=1`);
- pgbouncer in transaction mode, when `--pgbouncer` gives its URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from accounts.services import token_create
from grids.models import UserScope

BENCH_USER = "bench-connections"


class Command(BaseCommand):
    help = "Time signed-in requests with a new connection each, persistent ones, a pool, pgbouncer."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=500, help="Requests per way and round.")
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument(
            "--pgbouncer", default="", help="DATABASE_URL through pgbouncer (transaction mode)."
        )
        parser.add_argument("--child", default="", help=argparse_hidden())

    def handle(self, *args, requests: int, rounds: int, pgbouncer: str, child: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_connections measures PostgreSQL connections: set DATABASE_URL.")
        if child:
            return self._serve(child, requests)
        user, _ = get_user_model().objects.get_or_create(username=BENCH_USER)
        UserScope.objects.update_or_create(
            user=user, defaults={"role": UserScope.Role.DISTRICT_VIEWER, "district_code": "999999"}
        )
        token = token_create(user=user, device="bench_connections").token
        ways = {
            "new connection per request": {"DATABASE_CONN_MAX_AGE": "0", "DATABASE_POOL": "0"},
            "persistent connections (600 s)": {"DATABASE_CONN_MAX_AGE": "600", "DATABASE_POOL": "0"},
            "psycopg 3 pool": {"DATABASE_CONN_MAX_AGE": "0", "DATABASE_POOL": "1"},
        }
        if pgbouncer:
            ways["pgbouncer, transaction mode"] = {
                "DATABASE_URL": pgbouncer,
                "DATABASE_CONN_MAX_AGE": "0",
                "DATABASE_POOL": "0",
                "DATABASE_PGBOUNCER": "1",
            }
        elapsed = dict.fromkeys(ways, 0.0)
        try:
            for _ in range(rounds):
                for name, env in ways.items():
                    elapsed[name] += self._run(env, token, requests)
        finally:
            user.delete()
        base = elapsed["new connection per request"]
        self.stdout.write(f"{'way (GET /api/v1/me/, one process)':<40}{'req/s':>8}{'ms each':>9}{'×':>7}")
        for name, seconds in elapsed.items():
            count = rounds * requests
            self.stdout.write(
                f"{name:<40}{count / seconds:>8.0f}{1000 * seconds / count:>9.2f}{base / seconds:>7.2f}"
            )

    def _run(self, env: dict, token: str, requests: int) -> float:
        command = [
            sys.executable,
            "manage.py",
            "bench_connections",
            "--child",
            token,
            "--requests",
            str(requests),
        ]
        result = subprocess.run(
            command,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
            check=False,
        )
        if result.returncode:
            raise CommandError(result.stderr[-2000:])
        return float(result.stdout.strip().splitlines()[-1])

    def _serve(self, token: str, requests: int) -> None:
        client = Client(HTTP_HOST="localhost")
        headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
        url = reverse("v1:me")
        for _ in range(20):  # warm: imports, caches, the pool's first connections
            self._request(client, url, headers)
        started = time.perf_counter()
        for _ in range(requests):
            self._request(client, url, headers)
        self.stdout.write(f"{time.perf_counter() - started:.6f}")

    @staticmethod
    def _request(client, url, headers) -> None:
        # The test client leaves connections open between requests; a server's handler closes
        # (or returns to the pool) those past their age when a request starts and ends.
        close_old_connections()
        response = client.get(url, **headers)
        close_old_connections()
        if response.status_code != 200:
            raise CommandError(f"HTTP {response.status_code}")


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS
