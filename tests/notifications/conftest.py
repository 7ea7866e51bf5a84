"""Fixtures of the notification tests: a local webhook sink and the robots of grid A1."""

import pytest

from grids.models import GridWorker
from tests.factories import RobotFactory
from tests.mediation.conftest import make_mediation, roster  # noqa: F401 (mediation fixtures)
from tests.notifications.sink import Sink

WECOM_PATH = "/cgi-bin/webhook/send"
DINGTALK_PATH = "/robot/send"


@pytest.fixture
def sink():
    with Sink() as server:
        yield server


@pytest.fixture
def grid_robot(world, sink):
    """The WeChat Work robot of grid A1's group, posting to the sink."""
    return RobotFactory(
        name="浒溪一网格群",
        street=world.street_a,
        community=world.community_a,
        grid=world.grid_a1,
        webhook_url=sink.url(WECOM_PATH, key="grid-a1"),
    )


@pytest.fixture
def centre_robot(world, sink):
    """The DingTalk robot of street A's centre, with a signing secret."""
    return RobotFactory(
        name="圣泉街道综治中心群",
        kind="dingtalk",
        street=world.street_a,
        webhook_url=sink.url(DINGTALK_PATH, access_token="centre-a"),
        secret="SEC0123456789abcdef",
    )


@pytest.fixture
def worker_a(world):
    return GridWorker.objects.get(user=world.worker_a)


@pytest.fixture
def fast_retries(settings):
    settings.NOTIFY_RETRY_BASE_SECONDS = 0.2
    settings.NOTIFY_RETRY_MAX_SECONDS = 1.0
    settings.NOTIFY_MAX_ATTEMPTS = 4
