"""Production mode refuses to start with development secrets or without a host list."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3y-" + "".join(chr(65 + (i * 7) % 26) for i in range(60))
# Keys for residents' personal data (base64 of 32 bytes each): two sealing keys and the index key.
SEAL_1 = base64.b64encode(bytes(range(32))).decode()
SEAL_2 = base64.b64encode(bytes(range(1, 33))).decode()
INDEX = base64.b64encode(bytes(range(2, 34))).decode()
PII = {"PII_KEYS": f"k2026:{SEAL_1}", "PII_INDEX_KEY": INDEX}


def load_settings(setting="DEBUG", **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL", "PII_"))
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; print(settings.{setting})",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
    )
    return result.returncode, result.stdout.strip(), result.stderr


def test_development_defaults_start():
    code, out, _ = load_settings()
    assert (code, out) == (0, "True")


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "gov.example.cn"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "short", "DJANGO_ALLOWED_HOSTS": "gov.example.cn"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": STRONG_KEY}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS"),
        # Blanks are not host names: stripped and dropped before the check.
        ({"DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": " "}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": " , ,"}, "DJANGO_ALLOWED_HOSTS"),
        (
            {"DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": "gov.example.cn, *"},
            "DJANGO_ALLOWED_HOSTS",
        ),
        (
            {"DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": "gov.example.cn", "DJANGO_DEBUG": "1"},
            "DJANGO_DEBUG",
        ),
    ],
)
def test_production_refuses_weak_settings(env, complaint):
    code, _, err = load_settings(DJANGO_ENV="production", **PII, **env)
    assert code != 0
    assert "ImproperlyConfigured" in err and complaint in err


def test_production_with_real_settings_starts_with_debug_off():
    code, out, err = load_settings(
        DJANGO_ENV="production", DJANGO_SECRET_KEY=STRONG_KEY, DJANGO_ALLOWED_HOSTS="gov.example.cn", **PII
    )
    assert (code, out) == (0, "False"), err


REAL = {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": "gov.example.cn"}


@pytest.mark.parametrize(
    "pii",
    [
        {},  # no keys at all: development's derived ones are never used in production
        {"PII_KEYS": f"k2026:{SEAL_1}"},  # no index key
        {"PII_INDEX_KEY": INDEX},  # no sealing key
        {"PII_KEYS": "k2026:c2hvcnQ=", "PII_INDEX_KEY": INDEX},  # not 32 bytes
        {"PII_KEYS": f"dev-unsafe:{SEAL_1}", "PII_INDEX_KEY": INDEX},  # development's id
        {"PII_KEYS": f"k2026:{SEAL_1}", "PII_INDEX_KEY": SEAL_1},  # the index key is a sealing key
        {"PII_KEYS": f"k2026:{SEAL_1}", "PII_ACTIVE_KEY": "k2027", "PII_INDEX_KEY": INDEX},  # unknown active
    ],
)
def test_production_refuses_to_start_without_real_personal_data_keys(pii):
    code, _, err = load_settings(**REAL, **pii)
    assert code != 0
    assert "ImproperlyConfigured" in err and "PII_" in err


def test_production_seals_with_the_active_key_of_its_keyring():
    env = {**REAL, "PII_KEYS": f"k2026:{SEAL_1},k2027:{SEAL_2}", "PII_INDEX_KEY": INDEX}
    assert load_settings("PII_ACTIVE_KEY", **env)[:2] == (0, "k2027")  # the last one by default
    assert load_settings("PII_ACTIVE_KEY", **env, PII_ACTIVE_KEY="k2026")[:2] == (0, "k2026")
    assert load_settings("PII_KEYS_UNSAFE", **env)[:2] == (0, "False")


def test_development_derives_keys_marked_unsafe():
    assert load_settings("PII_ACTIVE_KEY")[:2] == (0, "dev-unsafe")
    assert load_settings("PII_KEYS_UNSAFE")[:2] == (0, "True")


def test_host_lists_are_stripped_of_blanks():
    code, out, err = load_settings(
        "ALLOWED_HOSTS",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=STRONG_KEY,
        DJANGO_ALLOWED_HOSTS=" gov.example.cn , ,api.example.cn ",
        **PII,
    )
    assert (code, out) == (0, "['gov.example.cn', 'api.example.cn']"), err


def test_database_url_selects_postgresql_through_psycopg3():
    script = (
        "import django; django.setup(); from django.db import connection; import psycopg; "
        "print(connection.vendor, connection.settings_dict['NAME'], psycopg.__version__.split('.')[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": "postgres://u@h:5432/gov",
        },
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["postgresql", "gov", "3"], result.stderr


def test_the_cache_comes_from_cache_url(tmp_path):
    code, out, _ = load_settings('CACHES["default"]["BACKEND"]')
    assert (code, out) == (0, "django.core.cache.backends.locmem.LocMemCache")
    code, out, _ = load_settings('CACHES["default"]["BACKEND"]', CACHE_URL=f"filecache://{tmp_path}")
    assert (code, out) == (0, "django.core.cache.backends.filebased.FileBasedCache")


def test_the_system_checks_find_nothing_on_the_default_database():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout and "WARNINGS" not in result.stderr


# --- HTTPS in production, and the deploy check ------------------------------------------------

PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DJANGO_ALLOWED_HOSTS": "gov.example.cn",
    **PII,
}


def test_the_deploy_check_finds_nothing_with_production_settings():
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL", "PII_"))
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **PRODUCTION},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("SECURE_SSL_REDIRECT", "True"),
        ("SECURE_HSTS_SECONDS", "31536000"),
        ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True"),
        ("SECURE_HSTS_PRELOAD", "True"),
        ("SECURE_PROXY_SSL_HEADER", "('HTTP_X_FORWARDED_PROTO', 'https')"),
        ("TRUSTED_PROXY_COUNT", "0"),
    ],
)
def test_production_is_https_only_by_default(setting, value):
    code, out, err = load_settings(setting, **PRODUCTION)
    assert (code, out) == (0, value), err


@pytest.mark.parametrize(
    ("env", "setting", "value"),
    [
        # gunicorn terminating TLS itself: no proxy header to trust.
        ({"DJANGO_SECURE_PROXY_SSL_HEADER": ""}, "SECURE_PROXY_SSL_HEADER", "None"),
        (
            {"DJANGO_SECURE_PROXY_SSL_HEADER": "X-Scheme"},
            "SECURE_PROXY_SSL_HEADER",
            "('HTTP_X_SCHEME', 'https')",
        ),
        # A proxy that redirects to HTTPS itself.
        ({"DJANGO_SECURE_SSL_REDIRECT": "false"}, "SECURE_SSL_REDIRECT", "False"),
        ({"DJANGO_SECURE_HSTS_SECONDS": "3600"}, "SECURE_HSTS_SECONDS", "3600"),
        ({"DJANGO_SECURE_HSTS_PRELOAD": "false"}, "SECURE_HSTS_PRELOAD", "False"),
        ({"TRUSTED_PROXY_COUNT": "2"}, "REST_FRAMEWORK['NUM_PROXIES']", "2"),
    ],
)
def test_https_and_proxy_settings_come_from_the_environment(env, setting, value):
    code, out, err = load_settings(setting, **PRODUCTION, **env)
    assert (code, out) == (0, value), err


def test_development_stays_on_plain_http():
    for setting, value in [("SECURE_SSL_REDIRECT", "False"), ("SECURE_HSTS_SECONDS", "0")]:
        assert load_settings(setting)[:2] == (0, value)


def test_a_negative_proxy_count_is_refused():
    code, _, err = load_settings(TRUSTED_PROXY_COUNT="-1")
    assert code != 0 and "TRUSTED_PROXY_COUNT" in err


@pytest.mark.django_db
def test_with_https_on_plain_http_is_redirected_and_https_told_to_stay(settings):
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = Client().get("/admin/login/")
    assert (plain.status_code, plain["Location"]) == (301, "https://testserver/admin/login/")
    secure = Client().get("/admin/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_connection_pool_is_set_from_the_environment():
    """`DATABASE_POOL=1` gives PostgreSQL psycopg 3's pool (persistent connections off);
    pgbouncer's mode turns server-side cursors off; SQLite is left alone."""
    url = {"DATABASE_URL": "postgres://u@127.0.0.1:5432/x"}
    code, out, err = load_settings(
        'DATABASES["default"]["OPTIONS"]["pool"]', DATABASE_POOL="1", DATABASE_POOL_MAX_SIZE="4", **url
    )
    assert code == 0, err
    assert out == "{'min_size': 2, 'max_size': 4, 'timeout': 10.0}"
    code, out, err = load_settings(
        'DATABASES["default"]["CONN_MAX_AGE"]', DATABASE_POOL="1", DATABASE_CONN_MAX_AGE="600", **url
    )
    assert (code, out) == (0, "0")
    code, out, err = load_settings('DATABASES["default"].get("OPTIONS", {})', **url)
    assert (code, out) == (0, "{}")
    code, out, err = load_settings(
        'DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"]', DATABASE_PGBOUNCER="1", **url
    )
    assert (code, out) == (0, "True")
    code, out, err = load_settings('DATABASES["default"]["OPTIONS"].get("pool")', DATABASE_POOL="1")
    assert (code, out) == (0, "None")
