"""Sending one delivery: retries with backoff, Retry-After, no retry on other 4xx, failure
after N attempts, the robots' minute, and the DingTalk signature. Against the local sink."""

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications import services
from notifications.channels.base import retry_after_seconds
from notifications.models import Delivery
from tests.factories import DeliveryFactory, RobotFactory
from tests.notifications.conftest import DINGTALK_PATH, WECOM_PATH
from tests.notifications.sink import Answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(grid_robot):
    return DeliveryFactory(robot=grid_robot)


def attempt(delivery, *, after: float = 0.0):
    """Attempt the delivery as the worker would once its next attempt is due (+ `after` s)."""
    delivery.refresh_from_db()
    return services.delivery_attempt(delivery.pk, now=delivery.next_attempt_at + timedelta(seconds=after))


def test_a_500_then_a_200_delivers_the_message_once(delivery, sink, fast_retries):
    sink.answer(WECOM_PATH, Answer(status=500))
    assert attempt(delivery) == "retry"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("pending", 1, "HTTP 500")
    first_wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 0 < first_wait <= 0.2
    assert attempt(delivery) == "sent"
    assert len(sink.at(WECOM_PATH)) == 1 and len(sink.attempts) == 2
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 2)
    # A copy of the task that comes later finds it sent and posts nothing.
    assert attempt(delivery) == "skipped"
    assert len(sink.attempts) == 2


def test_the_backoff_doubles_up_to_its_cap(settings):
    settings.NOTIFY_RETRY_BASE_SECONDS, settings.NOTIFY_RETRY_MAX_SECONDS = 10, 60
    assert [services.backoff(n) for n in range(1, 6)] == [10, 20, 40, 60, 60]


def test_a_429_waits_for_its_retry_after(delivery, sink, fast_retries):
    sink.answer(WECOM_PATH, Answer(status=429, headers={"Retry-After": "30"}))
    before = timezone.now()
    assert attempt(delivery) == "retry"
    delivery.refresh_from_db()
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 29 <= wait <= 31
    assert delivery.last_error == "HTTP 429"
    # Too early for the next attempt: nothing is posted, the delivery keeps its time.
    assert services.delivery_attempt(delivery.pk, now=before + timedelta(seconds=5)) == "later"
    assert len(sink.attempts) == 1
    assert attempt(delivery) == "sent"


def test_retry_after_as_an_http_date():
    when = timezone.now() + timedelta(seconds=90)
    assert 85 <= retry_after_seconds(when.strftime("%a, %d %b %Y %H:%M:%S GMT")) <= 91
    assert retry_after_seconds("soon") is None


def test_another_4xx_fails_at_once(delivery, sink, fast_retries):
    sink.answer(WECOM_PATH, Answer(status=404, body={"errmsg": "invalid webhook url"}))
    assert attempt(delivery) == "failed"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    assert delivery.last_error.startswith("HTTP 404")


def test_a_robot_error_code_is_not_retried_but_its_frequency_limit_is(delivery, sink, fast_retries):
    sink.answer(WECOM_PATH, Answer(body={"errcode": 45009, "errmsg": "api freq out of limit"}))
    assert attempt(delivery) == "retry"
    delivery.refresh_from_db()
    assert 55 <= (delivery.next_attempt_at - timezone.now()).total_seconds() <= 61
    sink.answer(WECOM_PATH, Answer(body={"errcode": 93000, "errmsg": "invalid webhook url"}))
    assert attempt(delivery) == "failed"


def test_a_timeout_is_retried_and_n_attempts_fail_the_delivery(delivery, sink, fast_retries, settings):
    settings.NOTIFY_HTTP_TIMEOUT = 0.2
    for _ in range(4):
        sink.answer(WECOM_PATH, Answer(delay=0.5))
    outcomes = [attempt(delivery) for _ in range(4)]
    assert outcomes == ["retry", "retry", "retry", "failed"]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("failed", 4, "timeout")
    assert sink.received == []


def test_a_robot_takes_its_limit_a_minute_and_the_rest_wait(world, grid_robot, sink, settings):
    settings.NOTIFY_ROBOT_PER_MINUTE = 3
    rows = [DeliveryFactory(robot=grid_robot) for _ in range(5)]
    now = timezone.now()
    outcomes = [
        services.delivery_attempt(row.pk, now=now + timedelta(seconds=i)) for i, row in enumerate(rows)
    ]
    assert outcomes == ["sent", "sent", "sent", "later", "later"]
    assert len(sink.at(WECOM_PATH)) == 3
    waiting = Delivery.objects.filter(pk__in=[rows[3].pk, rows[4].pk])
    # They wait until the first post is a minute old; no attempt is counted for waiting.
    assert {row.next_attempt_at for row in waiting} == {now + timedelta(minutes=1)}
    assert {(row.state, row.attempts) for row in waiting} == {("pending", 0)}
    # Another robot is not held back by this one's minute.
    other = DeliveryFactory(
        robot=RobotFactory(street=world.street_a, webhook_url=sink.url(WECOM_PATH, key="x"))
    )
    assert services.delivery_attempt(other.pk, now=now + timedelta(seconds=6)) == "sent"
    # A minute after the first post, the next one goes.
    assert services.delivery_attempt(rows[3].pk, now=now + timedelta(minutes=1, seconds=1)) == "sent"


def test_a_dingtalk_post_is_signed_with_the_robots_secret(centre_robot, sink):
    delivery = DeliveryFactory(robot=centre_robot, channel="dingtalk")
    assert attempt(delivery) == "sent"
    [post] = sink.at(DINGTALK_PATH)
    timestamp, sign = post.query["timestamp"][0], post.query["sign"][0]
    expected = base64.b64encode(
        hmac.new(
            b"SEC0123456789abcdef", f"{timestamp}\nSEC0123456789abcdef".encode(), hashlib.sha256
        ).digest()
    ).decode()
    assert sign == expected
    assert post.query["access_token"] == ["centre-a"]
    assert post.body == {
        "msgtype": "markdown",
        "markdown": {"title": "网格新上报事件", "text": "### 网格新上报事件"},
    }


def test_an_email_goes_through_djangos_backend(world, settings):
    world.admin_a.email = "centre@example.cn"
    world.admin_a.save()
    delivery = DeliveryFactory(
        channel="email", robot=None, user=world.admin_a, recipient=f"user:{world.admin_a.pk}"
    )
    assert attempt(delivery) == "sent"
    assert [(m.subject, m.to) for m in mail.outbox] == [("网格新上报事件", ["centre@example.cn"])]


def test_a_mail_server_that_is_down_is_tried_again(world, settings, fast_retries):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    world.admin_a.email = "centre@example.cn"
    world.admin_a.save()
    delivery = DeliveryFactory(
        channel="email", robot=None, user=world.admin_a, recipient=f"user:{world.admin_a.pk}"
    )
    assert attempt(delivery) == "retry"
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("mail server: ")
