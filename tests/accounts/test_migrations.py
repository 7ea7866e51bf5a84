"""Migrating a database that holds DRF's tokens (accounts/migrations/0002_drop_drf_tokens.py).

Each run uses a database of its own, in a child process: first DRF's `authtoken` app is
migrated and a token written, as on a database of before; then the service's own migrations
run on it.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]

BEFORE = """
import django; django.setup()
from django.core.management import call_command
for app in ("auth", "admin", "authtoken"):
    call_command("migrate", app, verbosity=0)
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from rest_framework.authtoken.models import Token
token = Token.objects.create(user=User.objects.create_user("phone-user", password="x"))
# DRF's admin listed tokens: the admin's log may name one.
LogEntry.objects.create(
    user=token.user, content_type=ContentType.objects.get_for_model(Token), object_id=token.pk,
    object_repr="token", action_flag=ADDITION,
)
"""

AFTER = """
import django; django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from accounts.models import DeviceToken
with connection.cursor() as cursor:
    cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'authtoken'")
    print("authtoken migrations", cursor.fetchone()[0])
print("authtoken table", "authtoken_token" in connection.introspection.table_names())
print("authtoken content types", ContentType.objects.filter(app_label="authtoken").count())
print("users", list(User.objects.values_list("username", flat=True)))
print("device tokens", DeviceToken.objects.count())
from django.contrib.admin.models import LogEntry
print("log entries", list(LogEntry.objects.values_list("object_repr", "content_type")))
"""

EXPECTED = [
    "authtoken migrations 0",
    "authtoken table False",
    "authtoken content types 0",
    "users ['phone-user']",
    "device tokens 0",
    "log entries [('token', None)]",
]


def run(script: str, settings: str, database_url: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE=settings, DATABASE_URL=database_url)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def upgrade(database_url: str) -> list[str]:
    before = run(BEFORE, "tests.accounts.settings_before_accounts", database_url)
    assert before == ""
    return run(AFTER, "config.settings", database_url).splitlines()


def test_an_sqlite_database_with_drf_tokens_migrates(tmp_path):
    assert upgrade(f"sqlite:///{tmp_path / 'before.sqlite3'}") == EXPECTED


@pytest.mark.postgres
def test_a_postgresql_database_with_drf_tokens_migrates():
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"gridgov_upgrade_{uuid.uuid4().hex[:8]}"
    admin_url = urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        assert upgrade(urlunsplit(url._replace(path=f"/{name}"))) == EXPECTED
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
