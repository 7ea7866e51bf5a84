"""A real Celery worker for the tests: RabbitMQ, a vhost of the test run's own, and the
worker process reading the test database that the test writes to (committed: the tests that
use it are transactional)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
RABBITMQCTL = os.environ.get("RABBITMQCTL", "rabbitmqctl")


def rabbitmqctl(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([RABBITMQCTL, *args], capture_output=True, text=True, timeout=60, check=check)


@contextmanager
def own_vhost():
    """A RabbitMQ vhost for this test run only, so that no other run's worker takes our tasks."""
    name = f"gridgov_test_{os.getpid()}"
    rabbitmqctl("add_vhost", name, check=False)
    rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{quote(name, safe='')}"
    finally:
        rabbitmqctl("delete_vhost", name, check=False)


def database_url() -> str:
    """The URL of the test database this process uses, for the worker to use the same."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = quote(settings["USER"] or "")
    password = f":{quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else ""
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


class Worker:
    def __init__(self, broker_url: str, log_path: Path, **environment: str):
        self.broker_url = broker_url
        self.log_path = log_path
        self.environment = environment
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **self.environment,
        }
        self.log = open(self.log_path, "w")  # noqa: SIM115 (kept open while the worker runs)
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--hostname", f"test-{os.getpid()}@%h",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log_path.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"the worker did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")
