"""Idempotent creation: a key never yields two cases, and is remembered at least 24 hours."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import serializers
from cases.models import Case, CaseEvent, IdempotencyKey
from tests.cases.test_api_cases import payload

pytestmark = pytest.mark.django_db

LIST = "v1:case-list"


def fail_once(monkeypatch, cls, method):
    """Make `cls.method` raise the first time it is called, as a crash after the write would."""
    original = getattr(cls, method)
    calls = []

    def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the answer could not be built")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, method, flaky)


def test_a_failure_after_the_case_is_written_leaves_no_case_and_a_retry_creates_one(
    world, api, category, monkeypatch
):
    # given the answer to the first request fails to build after the service has run
    fail_once(monkeypatch, serializers.CaseDetailSerializer, "to_representation")
    client = api(world.worker_a)
    client.raise_request_exception = False
    body = payload(world, category)

    # when the phone retries with the same key
    first = client.post(reverse(LIST), body, format="json", HTTP_IDEMPOTENCY_KEY="k-crash")
    assert first.status_code == 500
    assert not Case.objects.exists() and not CaseEvent.objects.exists()
    assert not IdempotencyKey.objects.exists()  # released: the retry is not a 409
    again = client.post(reverse(LIST), body, format="json", HTTP_IDEMPOTENCY_KEY="k-crash")

    # then exactly one case exists, and it is the one the retry answered
    assert again.status_code == 201, again.json()
    assert list(Case.objects.values_list("pk", flat=True)) == [again.json()["id"]]
    key = IdempotencyKey.objects.get(key="k-crash")
    assert (key.state, key.response_status, key.response_body["id"]) == ("done", 201, again.json()["id"])
    replay = client.post(reverse(LIST), body, format="json", HTTP_IDEMPOTENCY_KEY="k-crash")
    assert replay["Idempotent-Replayed"] == "true" and Case.objects.count() == 1


def test_a_failure_after_the_write_without_a_key_writes_nothing(world, api, category, monkeypatch):
    fail_once(monkeypatch, serializers.CaseDetailSerializer, "to_representation")
    client = api(world.worker_a)
    client.raise_request_exception = False
    response = client.post(reverse(LIST), payload(world, category), format="json")
    assert response.status_code == 500
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_a_retry_within_24_hours_replays_whatever_the_setting(world, api, category, settings):
    # given keys configured to live 1 hour, which the API still keeps 24
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 1
    client = api(world.worker_a)
    body = payload(world, category)
    first = client.post(reverse(LIST), body, format="json", HTTP_IDEMPOTENCY_KEY="k-late")
    # when the phone retries two hours later (the clock moved by setting the key back)
    IdempotencyKey.objects.filter(key="k-late").update(created_at=timezone.now() - timedelta(hours=2))
    again = client.post(reverse(LIST), body, format="json", HTTP_IDEMPOTENCY_KEY="k-late")
    # then the first answer is replayed and nothing is created
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Case.objects.count() == 1


def test_after_the_retention_a_key_may_be_used_again(world, api, category, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 1
    client = api(world.worker_a)
    body = payload(world, category)
    client.post(reverse(LIST), body, format="json", HTTP_IDEMPOTENCY_KEY="k-old")
    IdempotencyKey.objects.filter(key="k-old").update(created_at=timezone.now() - timedelta(hours=25))
    again = client.post(reverse(LIST), body, format="json", HTTP_IDEMPOTENCY_KEY="k-old")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Case.objects.count() == 2
