"""Concurrent creates of one unique value, on PostgreSQL: one 201, the others the serial 400."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from grids.models import Grid, GridWorker

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 8


def _race(api, user, url, bodies) -> list:
    """POST each body from its own thread and connection, all released at once."""
    barrier = threading.Barrier(len(bodies))
    responses = [None] * len(bodies)

    def post(index, body):
        try:
            client = api(user)
            barrier.wait(timeout=30)
            responses[index] = client.post(url, body, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=pair) for pair in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def test_eight_concurrent_grids_with_one_code_one_201_seven_400_on_code(world, api):
    code = world.community_a.code + "888"
    bodies = [
        {"code": code, "name": f"并发网格{n}", "kind": "urban_residential", "community": world.community_a.pk}
        for n in range(RACERS)
    ]
    responses = _race(api, world.admin_a, reverse("v1:grid-list"), bodies)

    assert sorted(r.status_code for r in responses) == [201] + [400] * (RACERS - 1)
    serial = api(world.admin_a).post(reverse("v1:grid-list"), {**bodies[0], "name": "再试"}, format="json")
    assert serial.status_code == 400
    assert all(r.json() == serial.json() for r in responses if r.status_code == 400)
    assert list(serial.json()) == ["code"]
    assert Grid.objects.filter(code=code).count() == 1


def test_eight_concurrent_workers_with_one_username_one_201_seven_400_on_username(world, api):
    bodies = [
        {"username": "racer", "name": f"并发{n}", "kind": "part_time", "street": world.street_a.pk}
        for n in range(RACERS)
    ]
    responses = _race(api, world.admin_a, reverse("v1:worker-list"), bodies)

    assert sorted(r.status_code for r in responses) == [201] + [400] * (RACERS - 1)
    serial = api(world.admin_a).post(reverse("v1:worker-list"), bodies[0], format="json")
    assert serial.status_code == 400
    assert all(
        r.json() == serial.json() == {"username": ["此用户名不能使用，请另选一个。"]}
        for r in responses
        if r.status_code == 400
    )
    assert get_user_model().objects.filter(username="racer").count() == 1
    assert GridWorker.objects.filter(user__username="racer").count() == 1
