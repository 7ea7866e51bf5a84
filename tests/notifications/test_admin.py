"""The admin: each street's robots, rules and delivery log; the log's retry action."""

import pytest
from django.urls import reverse

from notifications.models import Delivery, NotificationRule
from tests.factories import DeliveryFactory, NotificationRuleFactory, RobotFactory
from tests.notifications.conftest import WECOM_PATH

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_admin_a(world):
    world.admin_a.is_staff = True
    world.admin_a.save()
    return world.admin_a


@pytest.mark.parametrize(
    "page",
    [
        "admin:notifications_robot_changelist",
        "admin:notifications_robot_add",
        "admin:notifications_notificationrule_changelist",
        "admin:notifications_notificationrule_add",
        "admin:notifications_delivery_changelist",
    ],
)
def test_the_pages_render_in_chinese(world, client, page):
    DeliveryFactory(robot=RobotFactory(street=world.street_a))
    NotificationRuleFactory(street=world.street_a)
    client.force_login(world.superuser)
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert "网格化治理管理后台" in response.content.decode()


def test_the_delivery_log_shows_channel_recipient_state_attempts_and_error(world, client, staff_admin_a):
    robot = RobotFactory(street=world.street_a, name="浒溪一网格群")
    DeliveryFactory(robot=robot, state="failed", attempts=6, last_error="HTTP 503")
    other = DeliveryFactory(robot=RobotFactory(street=world.street_b, name="灌坝一网格群"), state="failed")
    client.force_login(staff_admin_a)
    html = client.get(reverse("admin:notifications_delivery_changelist")).content.decode()
    for text in ("企业微信群机器人", "浒溪一网格群", "失败", "HTTP 503", "重新发送所选的失败消息"):
        assert text in html
    # Another street's log is not shown.
    assert "灌坝一网格群" not in html
    assert client.get(reverse("admin:notifications_delivery_change", args=[other.pk])).status_code == 302


def test_the_retry_action_sends_a_failed_delivery_again(
    world, client, staff_admin_a, sink, grid_robot, django_capture_on_commit_callbacks
):
    failed = DeliveryFactory(robot=grid_robot, state="failed", attempts=6, last_error="HTTP 503")
    sent = DeliveryFactory(robot=grid_robot, state="sent", attempts=1)
    client.force_login(staff_admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:notifications_delivery_changelist"),
            {"action": "retry_deliveries", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert "只有发送失败的消息可以重新发送" in html and "已重新排队：1 条消息" in html
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == ("sent", 1)
    assert len(sink.at(WECOM_PATH)) == 1
    assert Delivery.objects.get(pk=sent.pk).attempts == 1


def test_a_viewer_sees_the_log_but_may_not_retry(world, client):
    world.viewer.is_staff = True
    world.viewer.save()
    failed = DeliveryFactory(robot=RobotFactory(street=world.street_a), state="failed")
    client.force_login(world.viewer)
    html = client.get(reverse("admin:notifications_delivery_changelist")).content.decode()
    assert "重新发送所选的失败消息" not in html
    client.post(
        reverse("admin:notifications_delivery_changelist"),
        {"action": "retry_deliveries", "_selected_action": [failed.pk]},
    )
    assert Delivery.objects.get(pk=failed.pk).state == "failed"


def test_a_street_admin_adds_a_rule_for_their_street_only(world, client, staff_admin_a):
    client.force_login(staff_admin_a)
    url = reverse("admin:notifications_notificationrule_add")
    data = {"trigger": "new_case", "recipients": ["grid_group"], "channels": ["dingtalk"], "is_active": "on"}
    response = client.post(url, {**data, "street": world.street_b.pk})
    assert response.status_code == 200  # the other street is not a choice
    assert NotificationRule.objects.count() == 0
    response = client.post(url, {**data, "street": world.street_a.pk})
    assert response.status_code == 302
    rule = NotificationRule.objects.get()
    assert (rule.street, rule.recipients, rule.channels) == (world.street_a, ["grid_group"], ["dingtalk"])


def test_a_grid_worker_has_no_notification_admin(world, client):
    world.worker_a.is_staff = True
    world.worker_a.save()
    client.force_login(world.worker_a)
    assert client.get(reverse("admin:notifications_robot_add")).status_code == 403
    assert client.get(reverse("admin:notifications_notificationrule_add")).status_code == 403
