"""Idempotent creation for clients on poor connections.

A client sends `Idempotency-Key: <unique string>` with a create. The first request with a key
claims it and stores its answer; a retry with the same key and the same body gets that
answer again and creates nothing; the same key with another body is a 422; a retry while
the first request is still being processed is a 409. Keys belong to one user and are kept
for IDEMPOTENCY_KEY_TTL_HOURS (48 by default, at least 24).

The claim is committed on its own, so that a concurrent retry sees it (409). What the
request creates and the answer stored under the key are then committed together: if anything
fails after the case is written (building the answer, storing it), both are rolled back and
the key is released, so a retry can never create a second case.
"""

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import IdempotencyKey
from config.errors import IdempotencyKeyInFlight, IdempotencyKeyReused, InvalidInput

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{1,100}$")
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
    replay = _claim(user, key, request_fingerprint)
    if replay is not None:
        return replay[0], replay[1], True
    try:
        with transaction.atomic():
            status, body = produce()
            if status >= 500:
                # Nothing the request wrote may outlive an answer that is not kept.
                transaction.set_rollback(True)
            else:
                IdempotencyKey.objects.filter(user=user, key=key).update(
                    state=IdempotencyKey.State.DONE, response_status=status, response_body=body
                )
    except BaseException:
        _release(user, key)
        raise
    if status >= 500:
        _release(user, key)
    return status, body, False


def _claim(user, key: str, request_fingerprint: str) -> tuple[int, dict] | None:
    """Claim the key (None), or answer with the stored response; 422/409 as the key says."""
    now = timezone.now()
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(user=user, key=key, fingerprint=request_fingerprint, created_at=now)
            return None
    except IntegrityError:
        pass
    with transaction.atomic():
        row = IdempotencyKey.objects.select_for_update().get(user=user, key=key)
        expired = row.created_at < now - retention()
        abandoned = row.state == IdempotencyKey.State.IN_FLIGHT and row.created_at < now - IN_FLIGHT_TIMEOUT
        if expired or abandoned:
            row.fingerprint, row.state, row.created_at = (
                request_fingerprint,
                IdempotencyKey.State.IN_FLIGHT,
                now,
            )
            row.response_status = row.response_body = None
            row.save()
            return None
        if row.fingerprint != request_fingerprint:
            raise IdempotencyKeyReused(_("This Idempotency-Key was used for a different request."))
        if row.state == IdempotencyKey.State.IN_FLIGHT:
            raise IdempotencyKeyInFlight(
                _("The first request with this Idempotency-Key is still being processed.")
            )
        return row.response_status, row.response_body


def _release(user, key: str) -> None:
    IdempotencyKey.objects.filter(user=user, key=key, state=IdempotencyKey.State.IN_FLIGHT).delete()


def idempotency_keys_purge(*, older_than_hours: int | None = None) -> int:
    hours = max(MIN_RETENTION_HOURS, older_than_hours or settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _by_model = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - timedelta(hours=hours)
    ).delete()
    return deleted
