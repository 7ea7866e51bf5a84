"""Idempotent creation for clients on poor connections, for every app that creates (cases,
base data).

A client sends `Idempotency-Key: <unique string>` with a create. The first request with a key
claims it and, once the request was carried out (a 2xx), stores its answer; a retry with the
same key and the same body gets that answer again and creates nothing; the same key with
another body is a 422; a retry while the first request is still being processed is a 409.

An answer that carried nothing out (a 4xx: bad input, a refusal, a conflict) is not stored and
frees the key, as payment APIs do: the phone corrects the item and sends it again under the
same key, which is then carried out once. Its fingerprint is not kept either, so the corrected
body is not a 422. Keys belong to one user and are kept
for IDEMPOTENCY_KEY_TTL_HOURS (48 by default, at least 24).

The claim is committed on its own, so that a concurrent retry sees it (409). What the
request creates and the answer stored under the key are then committed together: if anything
fails after the object is written (building the answer, storing it), both are rolled back and
the key is released, so a retry can never create a second object.

A claim whose request died is free for a retry as soon as that is known. On PostgreSQL the
claim names the database session that made it (its backend's pid and start time): when that
session is gone (the database restarted or dropped the connection mid-request, or the worker
was killed) a retry takes the key over at once, instead of answering 409 to a phone that
cannot know why. Otherwise, and on SQLite, a claim held longer than IN_FLIGHT_TIMEOUT is taken
to be a request that died and a retry claims the key anew. The claim's time is
its token: a request stores its answer, or releases the key, only while its own claim still
stands. A request so slow that a retry took its key over is rolled back and answered 409, so
that of the two exactly one creates the object, and the retry's claim is left untouched.
"""

import hashlib
import json
import re
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter

from config.errors import IdempotencyKeyInFlight, IdempotencyKeyReused, InvalidInput
from core.locking import lock_one
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{1,100}$")
# The header as the OpenAPI schema describes it, for every create that takes it.
SCHEMA_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    pattern=KEY_PATTERN.pattern,
    description=gettext_lazy("Makes a retry replay the first answer."),
)
# A request that has held its key this long without answering is taken to have died.
IN_FLIGHT_TIMEOUT = timedelta(minutes=2)
# The API promises clients that a key is remembered at least this long, whatever the setting.
MIN_RETENTION_HOURS = 24

Produce = Callable[[], tuple[int, dict]]


def fingerprint(path: str, body) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{path}\n{canonical}".encode()).hexdigest()


def check_key(key: str, field: str = HEADER) -> str:
    if not KEY_PATTERN.match(key or ""):
        raise InvalidInput(field, _("Use 1 to 100 letters, digits or the characters _ . : -"))
    return key


def retention() -> timedelta:
    """How long a key is remembered: IDEMPOTENCY_KEY_TTL_HOURS, never less than 24 hours."""
    return timedelta(hours=max(MIN_RETENTION_HOURS, settings.IDEMPOTENCY_KEY_TTL_HOURS))


def run_idempotent(*, user, key: str, request_fingerprint: str, produce: Produce) -> tuple[int, dict, bool]:
    """Run `produce` once per (user, key); answer (status, body, replayed).

    `produce` runs in one transaction with the recording of its answer: either both are
    committed, or neither is and the key is free again.
    """
    claimed_at, replay = _claim(user, key, request_fingerprint)
    if replay is not None:
        return replay[0], replay[1], True
    own_claim = IdempotencyKey.objects.filter(
        user=user, key=key, state=IdempotencyKey.State.IN_FLIGHT, created_at=claimed_at
    )
    try:
        with transaction.atomic():
            status, body = produce()
            if not carried_out(status):
                # Nothing the request wrote may outlive an answer that is not kept.
                transaction.set_rollback(True)
            elif not own_claim.update(
                state=IdempotencyKey.State.DONE, response_status=status, response_body=body
            ):
                raise IdempotencyKeyInFlight(
                    _("A retry with this Idempotency-Key took over while this request was processed.")
                )
    except BaseException:
        own_claim.delete()
        raise
    if not carried_out(status):
        own_claim.delete()
    return status, body, False


def carried_out(status: int) -> bool:
    """Whether an answer says the request was carried out, and so is kept under its key."""
    return 200 <= status < 300


def _claim(user, key: str, request_fingerprint: str) -> tuple[datetime, tuple[int, dict] | None]:
    """Claim the key (its claim time, None), or the stored answer; 422/409 as the key says."""
    now = timezone.now()
    owner = _session()
    try:
        with _claim_transaction():
            IdempotencyKey.objects.create(
                user=user, key=key, fingerprint=request_fingerprint, created_at=now, owner=owner
            )
            return now, None
    except IntegrityError:
        pass
    with transaction.atomic():
        row = lock_one(IdempotencyKey.objects.all(), user=user, key=key)
        expired = row.created_at < now - retention()
        abandoned = row.state == IdempotencyKey.State.IN_FLIGHT and (
            row.created_at < now - IN_FLIGHT_TIMEOUT or not _session_alive(row.owner)
        )
        if expired or abandoned:
            row.fingerprint, row.state, row.created_at, row.owner = (
                request_fingerprint,
                IdempotencyKey.State.IN_FLIGHT,
                now,
                _session(),
            )
            row.response_status = row.response_body = None
            row.save()
            return now, None
        if row.fingerprint != request_fingerprint:
            raise IdempotencyKeyReused(_("This Idempotency-Key was used for a different request."))
        if row.state == IdempotencyKey.State.IN_FLIGHT:
            raise IdempotencyKeyInFlight(
                _("The first request with this Idempotency-Key is still being processed.")
            )
        return now, (row.response_status, row.response_body)


def _claim_transaction():
    """The claim's own commit, which makes it visible to a concurrent retry at once.

    On PostgreSQL it does not wait for the disk (`synchronous_commit = off`): a claim lost in
    a crash is one whose request had created nothing yet, since the request's own commit,
    which does wait, writes the claim to disk with it (the log is written in order). A retry
    then claims the key anew, as it should. Inside a caller's transaction the claim takes a
    savepoint, so that a key already taken does not break it.
    """
    if connection.in_atomic_block:
        return transaction.atomic()
    if connection.vendor != "postgresql":
        return nullcontext()  # one INSERT commits on its own
    return _asynchronous_commit()


@contextmanager
def _asynchronous_commit():
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
        yield


def _session() -> str:
    """The database session this request runs in, as a claim records it ("" on SQLite).

    Read once per database connection: a new connection is a new session."""
    if connection.vendor != "postgresql":
        return ""
    connection.ensure_connection()
    raw = connection.connection
    cached = getattr(connection, "_idempotency_session", None)
    if cached is not None and cached[0] is raw:
        return cached[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        pid, started = cursor.fetchone()
    session = f"{pid}@{started.isoformat()}"
    connection._idempotency_session = (raw, session)
    return session


def _session_alive(owner: str) -> bool:
    """Whether the session that made a claim still exists; unknown sessions count as alive."""
    if not owner or connection.vendor != "postgresql":
        return True
    pid, _at, started = owner.partition("@")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = %s AND backend_start = %s)",
            [int(pid), datetime.fromisoformat(started)],
        )
        return cursor.fetchone()[0]


def idempotency_keys_purge(*, older_than_hours: int | None = None) -> int:
    hours = max(MIN_RETENTION_HOURS, older_than_hours or settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _by_model = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - timedelta(hours=hours)
    ).delete()
    return deleted


def create_once(
    *, actor, key: str, path: str, data, create_one: Callable[[object], tuple[int, dict]], field: str = HEADER
) -> tuple[int, dict, bool]:
    """Run `create_one(data)` once per (actor, key): answer (status, body, replayed).

    The request's path and body make its fingerprint, so the same key sent with another body,
    or to another endpoint, is a 422 rather than a replay of something else.
    """
    check_key(key, field=field)
    return run_idempotent(
        user=actor, key=key, request_fingerprint=fingerprint(path, data), produce=lambda: create_one(data)
    )
