"""With the real RabbitMQ and a real worker process: what a user of the group would see.

The test process runs the actions and publishes to the broker (no longer eagerly); the worker,
a `celery -A config worker` subprocess, routes and sends to the local sink. The tests are
transactional, so that the worker reads what the actions committed.
"""

import time

import pytest
from django.db import transaction
from kombu import pools as kombu_pools

from cases import services
from config.celery import app
from notifications.models import Delivery, Notification
from notifications.services import notifications_redrive
from tests.factories import NotificationRuleFactory, RobotFactory
from tests.notifications.conftest import WECOM_PATH
from tests.notifications.sink import Answer, Sink
from tests.notifications.worker import Worker, own_vhost, rabbitmqctl

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def module_sink():
    with Sink() as server:
        yield server


@pytest.fixture(scope="module")
def worker(django_db_setup, tmp_path_factory):
    with own_vhost() as broker_url:
        process = Worker(
            broker_url,
            tmp_path_factory.mktemp("worker") / "worker.log",
            NOTIFY_RETRY_BASE_SECONDS="0.5",
            NOTIFY_RETRY_MAX_SECONDS="2",
            NOTIFY_MAX_ATTEMPTS="4",
            NOTIFY_HTTP_TIMEOUT="2",
        )
        process.start()
        try:
            yield process
        finally:
            process.stop()


def _publish_to(broker_url: str, *, eager: bool) -> None:
    """Point this process's Celery app at another broker: new connection pools for it."""
    app.conf.update(task_always_eager=eager, broker_url=broker_url)
    # kombu keeps its producer pools per connection in a registry of its own: reset both.
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def on_the_broker(worker):
    """This process publishes to the worker's broker for the length of a test."""
    _publish_to(worker.broker_url, eager=False)
    yield worker
    _publish_to("memory://", eager=True)


@pytest.fixture
def sink(module_sink):
    module_sink.received.clear()
    module_sink.attempts.clear()
    module_sink.script.clear()
    return module_sink


@pytest.fixture
def grid_group(world, sink):
    """Grid A1's WeChat Work robot; street A tells the grid's group of its dispatches too."""
    NotificationRuleFactory(
        street=world.street_a,
        trigger="dispatch",
        recipients=["assignee", "grid_group"],
        channels=["inbox", "wecom"],
    )
    return RobotFactory(
        street=world.street_a,
        community=world.community_a,
        grid=world.grid_a1,
        webhook_url=sink.url(WECOM_PATH, key="grid-a1"),
    )


def headlines(received) -> list[str]:
    return [r.body["markdown"]["content"].splitlines()[0] for r in received]


def numbers(received) -> list[str]:
    return [
        line.split("：", 1)[1]
        for r in received
        for line in r.body["markdown"]["content"].splitlines()
        if line.startswith("> 编号")
    ]


def wait_until(check, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_a_dispatch_is_posted_to_the_sink_within_seconds(world, make_case, grid_group, sink, on_the_broker):
    from grids.models import GridWorker

    case = make_case("accepted")
    assert wait_until(lambda: len(sink.received) == 1), on_the_broker.output()[-3000:]  # the new case
    started = time.monotonic()
    services.case_assign(
        case_id=case.pk, actor=world.admin_a, worker=GridWorker.objects.get(user=world.worker_a)
    )
    got = sink.wait_for(2, timeout=10)
    elapsed = time.monotonic() - started
    assert headlines(got) == ["### 网格新上报事件", "### 新派遣案件"]
    assert numbers(got) == [case.number, case.number]
    assert elapsed < 5
    assert wait_until(lambda: Notification.objects.filter(user=world.worker_a, trigger="dispatch").exists())


def test_a_sink_answering_500_then_200_gets_the_message_once(
    world, make_case, grid_group, sink, on_the_broker
):
    sink.answer(WECOM_PATH, Answer(status=500))
    case = make_case("reported")
    got = sink.wait_for(1, timeout=15)
    time.sleep(1.5)  # long enough for a second copy, were one to come
    assert numbers(sink.received) == [case.number]
    assert len(sink.attempts) == 2
    assert wait_until(lambda: Delivery.objects.get(robot=grid_group).state == "sent", timeout=10)
    delivery = Delivery.objects.get(robot=grid_group)
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 2, "HTTP 500")
    assert got[0].at - sink.attempts[0].at >= 0.4  # the backoff's first wait (0.5 s)


def test_a_429_is_retried_after_its_retry_after(world, make_case, grid_group, sink, on_the_broker):
    sink.answer(WECOM_PATH, Answer(status=429, headers={"Retry-After": "2"}))
    case = make_case("reported")
    got = sink.wait_for(1, timeout=15)
    assert numbers(got) == [case.number]
    first, second = sink.attempts
    assert second.at - first.at >= 1.9
    # The worker records the outcome just after the sink has answered: wait for it.
    assert wait_until(lambda: Delivery.objects.get(robot=grid_group).state == "sent", timeout=10)
    delivery = Delivery.objects.get(robot=grid_group)
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 2, "HTTP 429")


def test_a_rolled_back_action_sends_nothing(world, make_case, grid_group, sink, on_the_broker):
    from grids.models import GridWorker

    case = make_case("accepted")
    assert sink.wait_for(1, timeout=15)
    worker = GridWorker.objects.get(user=world.worker_a)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_assign(case_id=case.pk, actor=world.admin_a, worker=worker)
        raise RuntimeError("the caller fails after the step")
    # A committed step after it shows the worker is listening: only that one arrives.
    later = make_case("reported")
    got = sink.wait_for(2, timeout=15)
    time.sleep(1.0)
    assert headlines(sink.received) == ["### 网格新上报事件", "### 网格新上报事件"]
    assert numbers(got) == [case.number, later.number]
    assert not Notification.objects.filter(trigger="dispatch").exists()


@pytest.mark.broker_outage
def test_a_broker_outage_during_a_burst_loses_nothing_and_duplicates_nothing(
    world, make_case, grid_group, sink, on_the_broker, settings
):
    settings.NOTIFY_REDRIVE_AFTER_SECONDS = 0
    before = make_case("reported")
    assert sink.wait_for(1, timeout=15)
    rabbitmqctl("stop_app")
    try:
        started = time.monotonic()
        burst = [make_case("reported") for _ in range(5)]
        outage_actions = time.monotonic() - started
    finally:
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup", check=False)
    assert outage_actions < 20  # the actions did not wait on the broker
    # Once the broker is back, the re-drive (beat's every minute) queues what it never got.
    assert wait_until(lambda: notifications_redrive().events >= 0 and len(sink.received) >= 6, timeout=60), (
        on_the_broker.output()[-3000:]
    )
    time.sleep(2)
    sent = numbers(sink.received)
    assert sorted(sent) == sorted([before.number, *(case.number for case in burst)])
    assert len(set(sent)) == len(sent)
    assert Delivery.objects.filter(state="sent").count() == 6
