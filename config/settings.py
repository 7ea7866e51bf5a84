"""Settings for the grid-governance service.

Every value comes from the environment (see README, "Configuration"). The defaults are
safe for development: an SQLite file next to the code, DEBUG on, local hosts only.
`DJANGO_ENV=production` turns DEBUG off and refuses to start without a real secret key
and an explicit host list.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"
# Password of the demo accounts the seed creates (`python manage.py seed`); never used in production.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="grid-demo-2022")

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)

_DEV_SECRET_KEY = "development-only-key-never-use-in-production-0123456789abcdefghij"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="" if PRODUCTION else _DEV_SECRET_KEY)


def _env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated variable without blanks: " a, ,b " is ["a", "b"], " " is []."""
    return [item.strip() for item in env.list(name, default=default) if item.strip()]


ALLOWED_HOSTS = _env_list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = _env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])


def _check_production_settings() -> None:
    """Refuse to start a production process with development secrets or open hosts."""
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production.")
    weak = (
        not SECRET_KEY
        or SECRET_KEY == _DEV_SECRET_KEY
        or SECRET_KEY.startswith("django-insecure")
        or len(SECRET_KEY) < 50
        or len(set(SECRET_KEY)) < 5
    )
    if weak:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters "
            "when DJANGO_ENV=production."
        )
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS must list the service's host names when DJANGO_ENV=production."
        )


# Residents' personal data at rest (`grids.encryption`): AES-256-GCM keys by id, the id of the
# key that seals new values, and the blind index's HMAC key, which is never an encryption key.
# Development derives both from the secret key under an id that says so; production refuses.
DEV_PII_KEY_ID = "dev-unsafe"
_PII_KEY_ID = r"^[A-Za-z0-9_-]{1,16}$"


def _key_bytes(name: str, text: str) -> bytes:
    import base64
    import binascii

    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name}: each key must be 32 random bytes in base64 (44 characters).")
    return key


def _pii_keys() -> tuple[dict[str, bytes], str, bytes, bool]:
    """(keys by id, active id, index key, unsafe): from PII_KEYS, PII_ACTIVE_KEY, PII_INDEX_KEY."""
    import hashlib
    import re

    entries = _env_list("PII_KEYS", default=[])
    index_text = env.str("PII_INDEX_KEY", default="")
    if not entries and not index_text and not PRODUCTION:
        derive = lambda label: hashlib.sha256(f"{label} (unsafe, development):{SECRET_KEY}".encode()).digest()  # noqa: E731
        return {DEV_PII_KEY_ID: derive("pii-seal")}, DEV_PII_KEY_ID, derive("pii-index"), True
    if not entries or not index_text:
        raise ImproperlyConfigured("PII_KEYS and PII_INDEX_KEY must both be set (see README, Configuration).")
    keys = {}
    for entry in entries:
        key_id, _sep, text = entry.partition(":")
        if not re.match(_PII_KEY_ID, key_id) or key_id == DEV_PII_KEY_ID:
            raise ImproperlyConfigured(
                "PII_KEYS: write each key as <id>:<base64>, the id of 1-16 letters or digits."
            )
        keys[key_id] = _key_bytes("PII_KEYS", text)
    active = env.str("PII_ACTIVE_KEY", default=key_id)
    if active not in keys:
        raise ImproperlyConfigured("PII_ACTIVE_KEY must name one of the keys of PII_KEYS.")
    index_key = _key_bytes("PII_INDEX_KEY", index_text)
    if index_key in keys.values():
        raise ImproperlyConfigured("PII_INDEX_KEY must differ from every key of PII_KEYS.")
    return keys, active, index_key, False


if PRODUCTION:
    _check_production_settings()

PII_KEYS, PII_ACTIVE_KEY, PII_INDEX_KEY, PII_KEYS_UNSAFE = _pii_keys()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "axes",
    "knox",
    "accounts",
    "grids",
    "registry",
    "cases",
    "mediation",
    "reports",
    "jobs",
    "notifications",
    "seeds",
]

MIDDLEWARE = [
    # First, so that every answer and every log line of a request carry its id.
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After LocaleMiddleware: its answers (bad text, errors as JSON) are in the caller's language.
    "config.middleware.ApiEdgeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.replica.RecentWriterMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a sign-in refused for a locked account into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# django-axes warns when its lockout does not count by address. Here it counts by account on
# purpose: the staff of one office share an address, and one person's typing errors must not
# lock their colleagues out. Addresses are throttled instead (API_AUTH_RATE).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Database: DATABASE_URL selects PostgreSQL (psycopg 3); an SQLite file otherwise.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# psycopg 3's pool in each process (Django's OPTIONS["pool"]): measured 2.6 times the requests
# a second of a new connection per request (README, "Connections"), so on in production. It
# keeps the connections itself, so persistent connections (CONN_MAX_AGE) are off with it.
DATABASE_POOL = env.bool("DATABASE_POOL", default=PRODUCTION)
# Behind pgbouncer in transaction mode a server-side cursor cannot outlive its transaction.
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)


def _connections(database: dict) -> dict:
    if not database["ENGINE"].endswith("postgresql"):
        return database
    if DATABASE_POOL:
        database["CONN_MAX_AGE"] = 0
        database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=8),
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }
    if DATABASE_PGBOUNCER:
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
    return database


_connections(DATABASES["default"])
# A streaming replica for reports, exports and the dashboard (`config.replica`). In tests it
# mirrors the primary, except in the tests that point it at the real replica.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    _connections(DATABASES["replica"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
# How far ahead an extension may set a case's due time.
CASE_EXTENSION_MAX_DAYS = env.int("CASE_EXTENSION_MAX_DAYS", default=365)
# The resolution report reads its summary tables where they can answer (`reports.rollup`).
REPORTS_FROM_ROLLUP = env.bool("REPORTS_FROM_ROLLUP", default=True)
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=10.0)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=5.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at
    # BEGIN so that two writers queue instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # The reports' covering index (`cases.Case`, INCLUDE columns) is for PostgreSQL; SQLite
    # builds it as a plain index on the report time, which is all it needs.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# The lockout backend comes first: it refuses a locked account before any password is checked.
# (AxesBackend rather than the standalone one: it can also read a session's user, as the first
# backend is asked to by code that signs a user in without naming one.)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language and time: Simplified Chinese first, English second; China Standard Time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
# Media files hold residents' photos: they are never served by URL, only through the API.
MEDIA_URL = "/media-not-served/"
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 2**20)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20
# The JSON body of a case's create or an offline batch, which carry photos as base64.
CASE_BODY_MAX_BYTES = env.int("CASE_BODY_MAX_BYTES", default=40 * 2**20)
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=48)
# Geography (`grids.geo`): how far, in metres, a boundary may stray outside its parent or into
# a sibling; how far from the nearest grid a point in no grid is still located.
BOUNDARY_TOLERANCE_M = env.float("BOUNDARY_TOLERANCE_M", default=5.0)
LOCATE_NEAREST_GRID_M = env.float("LOCATE_NEAREST_GRID_M", default=100.0)
# How long a process uses its spatial index before reading the boundaries' version again: a
# boundary changed by another process is used there within this time.
GEO_INDEX_RECHECK_SECONDS = env.float("GEO_INDEX_RECHECK_SECONDS", default=1.0)
# The maps draw boundaries on a plain background; a tile URL template ({z}/{x}/{y}, e.g. a
# 天地图 WMTS URL with its key) and its attribution add a base map.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Security headers that do no harm behind a TLS-terminating proxy.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)


def _proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """The header a TLS proxy sets to "https" ("X-Forwarded-Proto"), as Django reads it."""
    name = name.strip()
    return ("HTTP_" + name.upper().replace("-", "_"), "https") if name else None


# HTTPS only in production: plain HTTP is redirected and browsers are told (HSTS) never to
# use it. Behind a TLS proxy, the proxy must set the header named here (and strip it from
# what clients send); an empty value trusts no header, for a gunicorn that terminates TLS.
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(
    env.str("DJANGO_SECURE_PROXY_SSL_HEADER", default="X-Forwarded-Proto" if PRODUCTION else "")
)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=PRODUCTION)

# --- Signing in: client addresses, throttles, lockout and API tokens ----------------------------
# How many proxies in front of the service append to X-Forwarded-For. Any client can send
# that header, so it is read only when proxies are configured, and then only the entry the
# outermost trusted proxy wrote; 0 (the default) ignores it and counts the connection's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")

# django-axes locks an account (whatever address the tries come from) after this many failed
# sign-ins, each within the period of the one before, on every sign-in path; the lock lifts
# by itself after the period, or when an administrator unlocks the account.
AUTH_LOCKOUT_FAILURES = env.int("AUTH_LOCKOUT_FAILURES", default=5)
AUTH_LOCKOUT_MINUTES = env.int("AUTH_LOCKOUT_MINUTES", default=30)
AXES_FAILURE_LIMIT = AUTH_LOCKOUT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=AUTH_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
# Tries made while locked do not prolong the lock: it lifts at the time the message names.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.network.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Locks are shown and lifted through the users' admin (accounts.admin); no log of every
# successful sign-in is kept beyond the user's last login time.
AXES_ENABLE_ADMIN = False
AXES_DISABLE_ACCESS_LOG = True
# Log lines name the account (not a resident's data); the stored form data hides the CSRF token.
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["csrfmiddlewaretoken"]

# API tokens (django-rest-knox): one per signed-in device, stored as a digest. A token expires
# after API_TOKEN_TTL_HOURS without use, and API_TOKEN_MAX_AGE_DAYS after sign-in whatever use.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=7 * 24)
API_TOKEN_MAX_AGE_DAYS = env.int("API_TOKEN_MAX_AGE_DAYS", default=30)
API_TOKENS_PER_USER = env.int("API_TOKENS_PER_USER", default=10)
KNOX_TOKEN_MODEL = "accounts.DeviceToken"
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": timedelta(days=API_TOKEN_MAX_AGE_DAYS),
    # A used token's expiry is moved on (one UPDATE) at most once an hour.
    "MIN_REFRESH_INTERVAL": min(3600, API_TOKEN_TTL_HOURS * 360),
    "AUTH_HEADER_PREFIX": "Token",
}
# knox's own AuthToken is swapped for accounts.DeviceToken; its migrations would create the
# unused table all the same, so the app runs without them.
MIGRATION_MODULES = {"knox": None}

REST_FRAMEWORK = {
    # The browsable API's titles in the user's language (config/views.py).
    "VIEW_NAME_FUNCTION": "config.views.view_name",
    "VIEW_DESCRIPTION_FUNCTION": "config.views.view_description",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.DeviceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON and forms with the API's limits: body size, nesting depth, no NUL or lone surrogate.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "config.parsers.FormParser",
        "config.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=20),
    "DEFAULT_FILTER_BACKENDS": [
        "config.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "config.api.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Sign-ins (token, admin, browsable API) are limited per client address and per account.
    "DEFAULT_THROTTLE_RATES": {
        "sign_in_address": env.str("API_AUTH_RATE", default="20/min"),
        "sign_in_account": env.str("API_AUTH_ACCOUNT_RATE", default="10/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=200)

# The throttle counters live in the cache: with several server processes they must share one
# (a file cache, Redis), or each process would allow the full rate on its own.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Background work: Celery, with RabbitMQ as the broker in production (Redis works too).
# Without a broker the service runs in single-machine mode: tasks run in the process that
# queues them, right after the commit of the step that asked for them.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
SINGLE_MACHINE = not CELERY_BROKER_URL
if SINGLE_MACHINE:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = SINGLE_MACHINE
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="gridgov")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
# At least once: a task is acknowledged when it has run, so that a worker that dies midway
# leaves it to another; each task is written to do nothing the second time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request does not wait long for a broker that is down: the outbox re-drive queues later
# what could not be queued now.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
# Months of history partitions created ahead (PostgreSQL; README, "Partitioned history").
HISTORY_PARTITIONS_AHEAD = env.int("HISTORY_PARTITIONS_AHEAD", default=3)
CELERY_BEAT_SCHEDULE = {
    "cases-sweep-overdue": {"task": "cases.tasks.sweep_overdue", "schedule": 3600.0},
    "cases-purge-idempotency-keys": {"task": "cases.tasks.purge_idempotency_keys", "schedule": 86400.0},
    "cases-ensure-history-partitions": {"task": "cases.tasks.ensure_history_partitions", "schedule": 86400.0},
    "notifications-redrive": {"task": "notifications.tasks.redrive", "schedule": 60.0},
    "jobs-redrive": {"task": "jobs.tasks.redrive", "schedule": 60.0},
    "jobs-purge": {"task": "jobs.tasks.purge", "schedule": 86400.0},
}
# Key-person visits coming due (base data, the `registry` app): its task publishes one
# `registry.visit_due` event per visit, which the notification rules route to the worker.
# The worker is told this many days before the due day (0: on the day itself).
REGISTRY_VISIT_NOTICE_DAYS = env.int("REGISTRY_VISIT_NOTICE_DAYS", default=1)
if "registry" in INSTALLED_APPS:
    CELERY_BEAT_SCHEDULE["registry-visits-coming-due"] = {
        "task": "registry.tasks.visits_coming_due",
        "schedule": 86400.0,
    }

# Notifications (README, "Notifications"): how messages link back, how deliveries retry.
NOTIFY_SITE_URL = env.str("NOTIFY_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
NOTIFY_HTTP_TIMEOUT = env.float("NOTIFY_HTTP_TIMEOUT", default=5.0)
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=6)
NOTIFY_RETRY_BASE_SECONDS = env.float("NOTIFY_RETRY_BASE_SECONDS", default=10.0)
NOTIFY_RETRY_MAX_SECONDS = env.float("NOTIFY_RETRY_MAX_SECONDS", default=3600.0)
NOTIFY_ROBOT_PER_MINUTE = env.int("NOTIFY_ROBOT_PER_MINUTE", default=20)
NOTIFY_REDRIVE_AFTER_SECONDS = env.float("NOTIFY_REDRIVE_AFTER_SECONDS", default=60.0)
# With a broker, how long before the re-drive queues the same event or delivery once more.
NOTIFY_REQUEUE_AFTER_SECONDS = env.int("NOTIFY_REQUEUE_AFTER_SECONDS", default=600)
NOTIFY_REDRIVE_HORIZON_HOURS = env.int("NOTIFY_REDRIVE_HORIZON_HOURS", default=48)
NOTIFY_CLAIM_TIMEOUT_SECONDS = env.float("NOTIFY_CLAIM_TIMEOUT_SECONDS", default=300.0)
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="gridgov@localhost")
# SMS through one provider adapter; empty: no SMS is sent (the rules' SMS channel is skipped).
SMS_PROVIDER = env.str("SMS_PROVIDER", default="")
if SMS_PROVIDER not in {"", "tencent"}:
    raise ImproperlyConfigured("SMS_PROVIDER must be empty or 'tencent'.")
TENCENT_SMS = {
    "secret_id": env.str("TENCENT_SMS_SECRET_ID", default=""),
    "secret_key": env.str("TENCENT_SMS_SECRET_KEY", default=""),
    "app_id": env.str("TENCENT_SMS_APP_ID", default=""),
    "sign_name": env.str("TENCENT_SMS_SIGN_NAME", default=""),
    "template_id": env.str("TENCENT_SMS_TEMPLATE_ID", default=""),
    "region": env.str("TENCENT_SMS_REGION", default="ap-guangzhou"),
    "endpoint": env.str("TENCENT_SMS_ENDPOINT", default="sms.tencentcloudapi.com"),
    "scheme": env.str("TENCENT_SMS_SCHEME", default="https"),
}
# Finished background jobs (exports) and their files are kept this long.
JOB_RETENTION_DAYS = env.int("JOB_RETENTION_DAYS", default=7)
# The largest spreadsheet a base-data import job accepts.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 2**20)

SPECTACULAR_SETTINGS = {
    # Written for the API's users in Chinese, with English second (as every summary is).
    "TITLE": "网格治理 API · Grid Governance API",
    "DESCRIPTION": (
        "街道综治中心的网格事件、矛盾纠纷调解、基础数据与统计报表接口。"
        "先以 `POST /api/v1/auth/token/` 登录取得令牌，再在每个请求中带上 "
        "`Authorization: Token <令牌>`。`GET /api/v1/` 列出全部顶层接口，"
        "`GET /api/v1/me/work/` 给出“我的待办”。\n\n"
        "Cases, mediation, base data and reports for a street office and its comprehensive "
        "governance centre. Sign in with `POST /api/v1/auth/token/`, then send "
        "`Authorization: Token <key>` with every request. `GET /api/v1/` lists every top-level "
        "endpoint; `GET /api/v1/me/work/` tells what waits for the caller."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from the installed sidecar package, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The error bodies every operation refers to (config/schema.py), after the enums' own hook.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.add_error_components",
        "config.schema.allow_empty_query_values",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CommunityKindEnum": "grids.models.Community.Kind",
        "GridKindEnum": "grids.models.Grid.Kind",
        "GridWorkerKindEnum": "grids.models.GridWorker.Kind",
        "CaseKindEnum": "cases.models.Kind",
        "CaseStatusEnum": "cases.models.Status",
        "TriageEnum": "cases.models.Triage",
        "HandlingLevelEnum": "cases.models.Level",
        "MediationLevelEnum": "mediation.models.MediationLevel",
        "MediationStatusEnum": "mediation.models.MediationStatus",
        "MediationRoomLevelEnum": "mediation.models.MediationRoom.Level",
        "MediatorKindEnum": "mediation.models.Mediator.Kind",
        "PartyRoleEnum": "mediation.models.Party.Role",
        "ReferralEnum": "mediation.models.Referral",
        "BuildingUseEnum": "registry.models.Building.Use",
        "HouseUseEnum": "registry.models.House.Use",
        "GenderEnum": "registry.models.Resident.Gender",
        "DocumentTypeEnum": "registry.models.Resident.Document",
        "ResidenceTypeEnum": "registry.models.Resident.ResidenceType",
        "RelationToHeadEnum": "registry.models.Resident.Relation",
        "RiskLevelEnum": "registry.models.RiskLevel",
        "KeyPersonStatusEnum": "registry.models.KeyPersonStatus",
        "VisitFormEnum": "registry.models.Visit.Form",
        "AgreementFormEnum": "mediation.models.Agreement.Form",
        "OrganisationKindEnum": "registry.models.Organisation.Kind",
        "FacilityMajorEnum": "registry.models.FacilityType.Major",
        "FacilityStateEnum": "registry.models.Facility.State",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "grids.privacy.PersonalDataLogFilter"},
        "request_id": {"()": "config.middleware.RequestIdLogFilter"},
    },
    # Every handler uses this formatter: it scrubs the whole output, tracebacks included.
    "formatters": {
        "plain": {
            "class": "grids.privacy.PersonalDataFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Replaces Django's own console handler, so that each line is written once, scrubbed.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}
