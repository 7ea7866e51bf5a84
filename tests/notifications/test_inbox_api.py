"""The in-app inbox: GET /api/v1/notifications/, mark one or all read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


@pytest.fixture
def mine(world):
    """Three notifications of worker A (the middle one read) and one of worker B."""
    from django.utils import timezone

    rows = [NotificationFactory(user=world.worker_a, title=f"第{i}条") for i in range(3)]
    Notification.objects.filter(pk=rows[1].pk).update(read_at=timezone.now())
    NotificationFactory(user=world.worker_b, title="别人的")
    return rows


def test_the_inbox_lists_unread_first_then_newest_with_the_unread_count(world, api, mine):
    answer = api(world.worker_a).get(URL)
    assert answer.status_code == 200
    body = answer.json()
    assert [r["id"] for r in body["results"]] == [mine[2].pk, mine[0].pk, mine[1].pk]
    assert [r["read"] for r in body["results"]] == [False, False, True]
    assert body["unread_count"] == 2
    assert body["cursor"] == mine[2].pk
    fields = {"id", "trigger", "title", "body", "link", "subject_type", "subject_id", "created_at"}
    assert set(body["results"][0]) == {*fields, "read", "read_at"}


def test_since_answers_only_what_came_after_the_cursor(world, api, mine):
    cursor = api(world.worker_a).get(URL).json()["cursor"]
    assert api(world.worker_a).get(URL, {"since": cursor}).json()["results"] == []
    newer = NotificationFactory(user=world.worker_a)
    body = api(world.worker_a).get(URL, {"since": cursor}).json()
    assert [r["id"] for r in body["results"]] == [newer.pk]
    assert (body["unread_count"], body["cursor"]) == (3, newer.pk)
    assert [r["id"] for r in api(world.worker_a).get(URL, {"unread": "true"}).json()["results"]] == [
        newer.pk,
        mine[2].pk,
        mine[0].pk,
    ]


def test_the_inbox_is_three_queries_whatever_its_size(world, api, mine):
    client = api(world.worker_a)
    client.get(URL)  # the token row, once
    for _ in range(30):
        NotificationFactory(user=world.worker_a)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"limit": 200}).status_code == 200
    # The token (with its user), the page, the unread count with the cursor.
    assert len(queries) == 3


@pytest.mark.parametrize(
    "params, field",
    [
        ({"since": "abc"}, "since"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"sice": "1"}, "sice"),
    ],
)
def test_bad_parameters_are_400_naming_them(world, api, mine, params, field):
    answer = api(world.worker_a).get(URL, params)
    assert answer.status_code == 400
    assert field in answer.json()


def test_without_credentials_the_inbox_is_401(api):
    assert api().get(URL).status_code == 401
    assert api().post(f"{URL}read-all/").status_code == 401


def test_marking_one_read(world, api, mine):
    answer = api(world.worker_a).post(f"{URL}{mine[0].pk}/read/")
    assert answer.status_code == 200
    assert answer.json()["read"] is True
    assert Notification.objects.get(pk=mine[0].pk).read_at is not None
    assert api(world.worker_a).get(URL).json()["unread_count"] == 1


def test_another_users_notification_is_not_found_and_stays_unread(world, api, mine):
    theirs = Notification.objects.get(user=world.worker_b)
    assert api(world.worker_a).post(f"{URL}{theirs.pk}/read/").status_code == 404
    assert api(world.worker_a).post(f"{URL}999999/read/").status_code == 404
    assert api(world.worker_a).post(f"{URL}abc/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_marking_all_read_up_to_a_cursor(world, api, mine):
    answer = api(world.worker_a).post(f"{URL}read-all/", {"up_to": mine[0].pk}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {"marked": 1, "unread_count": 1}
    answer = api(world.worker_a).post(f"{URL}read-all/", {}, format="json")
    assert answer.json() == {"marked": 1, "unread_count": 0}
    # Worker B's stays unread.
    assert Notification.objects.get(user=world.worker_b).read_at is None


def test_marking_all_read_with_a_bad_cursor_is_400_and_marks_nothing(world, api, mine):
    answer = api(world.worker_a).post(f"{URL}read-all/", {"up_to": "x"}, format="json")
    assert answer.status_code == 400 and "up_to" in answer.json()
    assert Notification.objects.filter(user=world.worker_a, read_at__isnull=True).count() == 2


def test_marking_all_read_with_a_misspelt_field_is_400_and_marks_nothing(world, api, mine):
    # `upto` for `up_to`: marking every notification read instead would not be undone.
    answer = api(world.worker_a).post(f"{URL}read-all/", {"upto": mine[0].pk}, format="json")
    assert answer.status_code == 400 and list(answer.json()) == ["upto"]
    assert Notification.objects.filter(user=world.worker_a, read_at__isnull=True).count() == 2
