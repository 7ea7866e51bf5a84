"""Background work's two modes: a broker named by CELERY_BROKER_URL, or single-machine mode."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def celery_setting(name: str, **env) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_", "SMS_"))}
    result = subprocess.run(
        [sys.executable, "-c", f"from config.celery import app; print(app.conf.{name})"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_without_a_broker_tasks_run_in_the_process():
    assert celery_setting("task_always_eager") == "True"
    assert celery_setting("broker_url") == "memory://"


def test_a_broker_url_sends_tasks_to_the_workers():
    env = {"CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//"}
    assert celery_setting("task_always_eager", **env) == "False"
    assert celery_setting("broker_url", **env) == "amqp://guest:guest@127.0.0.1:5672//"
    # A task is acknowledged once it has run: a worker that dies leaves it to another.
    assert celery_setting("task_acks_late", **env) == "True"


def test_an_unknown_sms_provider_is_refused_at_start():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_", "SMS_"))}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "SMS_PROVIDER": "pigeon"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "SMS_PROVIDER" in result.stderr
