"""Real row locks, on PostgreSQL: two simultaneous actions on one case are serialised."""

import threading

import pytest
from django.db import connection

from cases import services
from cases.models import Case, CaseEvent
from config.errors import ActionNotAllowed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_resolves_one_wins_one_history_row(world, make_case):
    case = make_case("in_progress")
    worker = case.assignee_worker.user
    barrier = threading.Barrier(2)
    outcomes = []

    def resolve(result):
        try:
            barrier.wait()
            services.case_resolve(case_id=case.pk, actor=worker, result=result)
            outcomes.append("ok")
        except ActionNotAllowed:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=resolve, args=(f"结果{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["409", "ok"]
    assert CaseEvent.objects.filter(case=case, action="resolve").count() == 1
    final = Case.objects.get(pk=case.pk)
    assert final.status == "resolved" and final.version == case.version + 1


def test_concurrent_reports_get_distinct_numbers(world, category):
    barrier = threading.Barrier(4)
    numbers = []

    def report():
        try:
            barrier.wait()
            numbers.append(
                services.case_create(
                    actor=world.admin_a, grid=world.grid_a1, category=category, title="并发"
                ).number
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=report) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(numbers)) == 4


# --- the same races over HTTP, as two phones would run them ---------------------------------


def _in_thread(target, *args):
    """Run `target` in a thread with its own database connection, closed when it is done."""
    result = {}

    def run():
        try:
            result["value"] = target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_two_concurrent_resolve_requests_one_200_one_409_one_history_row(world, api, make_case):
    from django.urls import reverse

    case = make_case("in_progress")
    worker = case.assignee_worker.user
    barrier = threading.Barrier(2)
    url = reverse("v1:case-resolve", args=[case.pk])

    def resolve(result):
        client = api(worker)
        barrier.wait()
        return client.post(url, {"result": result}, format="json")

    runs = [_in_thread(resolve, f"结果{n}") for n in range(2)]
    for thread, _result in runs:
        thread.join(timeout=30)
    responses = [result["value"] for _thread, result in runs]

    assert sorted(r.status_code for r in responses) == [200, 409]
    refused = next(r for r in responses if r.status_code == 409).json()
    assert refused["code"] == "action_not_allowed"
    assert "resolve" not in refused["allowed_actions"]
    assert CaseEvent.objects.filter(case=case, action="resolve").count() == 1
    final = Case.objects.get(pk=case.pk)
    assert final.status == "resolved" and final.version == case.version + 1
    winner = next(r for r in responses if r.status_code == 200).json()
    assert final.result == winner["result"]


def _retry_while_the_first_request_writes(world, api, category, monkeypatch, key: str):
    """Send a create with `key` that waits inside `case_create` while the same request is retried.

    Answers (the first response, the retry's response, a function that sends it once more).
    """
    from django.urls import reverse

    from tests.cases.test_api_cases import payload

    entered, release = threading.Event(), threading.Event()
    real_create = services.case_create
    calls = []

    def slow_first_create(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            entered.set()
            assert release.wait(timeout=30)
        return real_create(**kwargs)

    monkeypatch.setattr(services, "case_create", slow_first_create)
    body = payload(world, category)
    url = reverse("v1:case-list")

    def send():
        return api(world.worker_a).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)

    thread, result = _in_thread(send)
    try:
        assert entered.wait(timeout=30)
        retry = send()
    finally:
        release.set()
        thread.join(timeout=30)
    return result["value"], retry, send


def test_a_retry_while_the_first_request_is_still_running_is_409(world, api, category, monkeypatch):
    # given the first request holds its key while the case is being written (slowly),
    # when the phone retries meanwhile
    first, retry, send = _retry_while_the_first_request_writes(world, api, category, monkeypatch, "k-slow")

    # then the retry is told to wait, and the first request alone creates the case
    assert retry.status_code == 409
    assert retry.json()["code"] == "idempotency_key_in_flight"
    assert first.status_code == 201
    assert Case.objects.count() == 1
    replay = send()
    assert replay.status_code == 201 and replay.json() == first.json()
    assert Case.objects.count() == 1


def test_a_request_whose_key_a_retry_took_over_is_rolled_back_and_one_case_remains(
    world, api, category, monkeypatch
):
    from datetime import timedelta

    from core import idempotency
    from core.models import IdempotencyKey

    # given a first request so slow that its claim counts as abandoned (timeout set to zero),
    # when a retry takes the key over and creates the case
    monkeypatch.setattr(idempotency, "IN_FLIGHT_TIMEOUT", timedelta(0))
    first, retry, send = _retry_while_the_first_request_writes(world, api, category, monkeypatch, "k-taken")

    # then the slow first request stores nothing and writes nothing: one case, the retry's
    assert retry.status_code == 201, retry.json()
    assert first.status_code == 409
    assert first.json()["code"] == "idempotency_key_in_flight"
    assert list(Case.objects.values_list("pk", flat=True)) == [retry.json()["id"]]
    key = IdempotencyKey.objects.get(key="k-taken")
    assert (key.state, key.response_body["id"]) == ("done", retry.json()["id"])
    replay = send()
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == retry.json()
