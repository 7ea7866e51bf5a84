"""A claim whose database session died is free at once: a phone retrying after the database
dropped its connection mid-request is not told 409 for two minutes."""

import threading

import pytest
from django.db import connection, connections

from config.errors import IdempotencyKeyInFlight
from core import idempotency
from core.models import IdempotencyKey

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _claim_in_another_session(user, key: str) -> str:
    """Claim `key` from another thread's connection, leave the claim in flight, and answer the
    session it names."""
    claimed = {}

    def claim():
        try:
            idempotency._claim(user, key, "fingerprint")
            claimed["owner"] = IdempotencyKey.objects.get(user=user, key=key).owner
        finally:
            connections.close_all()

    thread = threading.Thread(target=claim)
    thread.start()
    thread.join()
    return claimed["owner"]


def _terminate(owner: str) -> None:
    pid = int(owner.split("@")[0])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_claim_whose_session_is_gone_is_taken_over_at_once(world):
    # Given a claim left in flight by a request whose database session then died
    owner = _claim_in_another_session(world.worker_a, "k-1")
    assert owner and "@" in owner
    _terminate(owner)
    # When the phone retries with the same key and body, well within IN_FLIGHT_TIMEOUT
    status, body, replayed = idempotency.run_idempotent(
        user=world.worker_a, key="k-1", request_fingerprint="fingerprint", produce=lambda: (201, {"id": 1})
    )
    # Then the retry is carried out and stored, not refused
    assert (status, body, replayed) == (201, {"id": 1}, False)
    row = IdempotencyKey.objects.get(user=world.worker_a, key="k-1")
    assert row.state == IdempotencyKey.State.DONE and row.owner != owner


def test_a_claim_whose_session_is_alive_is_still_in_flight(world):
    # A claim made by this very session (a request still running) keeps its key.
    idempotency._claim(world.worker_a, "k-2", "fingerprint")
    with pytest.raises(IdempotencyKeyInFlight):
        idempotency._claim(world.worker_a, "k-2", "fingerprint")
