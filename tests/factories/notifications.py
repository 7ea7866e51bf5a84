import factory
from django.utils import timezone

from core.models import OutboxEvent
from notifications.models import Delivery, EventRouting, Notification, NotificationRule, Robot
from tests.factories.grids import StreetFactory, UserFactory

__all__ = [
    "DeliveryFactory",
    "EventRoutingFactory",
    "NotificationFactory",
    "NotificationRuleFactory",
    "OutboxEventFactory",
    "RobotFactory",
]


class OutboxEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxEvent

    name = "cases.comment"
    aggregate = "cases"
    aggregate_id = factory.Sequence(lambda n: n + 1)
    occurred_at = factory.LazyFunction(timezone.now)
    payload = factory.LazyFunction(dict)


class RobotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Robot

    name = factory.Sequence(lambda n: f"网格群机器人{n}")
    kind = Robot.Kind.WECOM
    street = factory.SubFactory(StreetFactory)
    community = None
    grid = None
    webhook_url = factory.Sequence(lambda n: f"http://127.0.0.1:9/cgi-bin/webhook/send?key=k{n}")


class NotificationRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationRule

    street = factory.SubFactory(StreetFactory)
    trigger = "dispatch"
    recipients = factory.LazyFunction(lambda: ["assignee"])
    channels = factory.LazyFunction(lambda: ["inbox"])


class EventRoutingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventRouting

    event = factory.SubFactory(OutboxEventFactory)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    event = factory.SubFactory(OutboxEventFactory)
    trigger = "dispatch"
    title = "新派遣案件"
    body = "新派遣案件\n编号：SQ-2022-000001"
    link = "http://127.0.0.1:8000/api/v1/cases/1/"
    subject_type = "cases"
    subject_id = 1


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    event = factory.SubFactory(OutboxEventFactory)
    trigger = "new_case"
    channel = "wecom"
    robot = factory.SubFactory(RobotFactory)
    recipient = factory.LazyAttribute(lambda o: f"robot:{o.robot.pk}")
    street = factory.LazyAttribute(lambda o: o.robot.street if o.robot else None)
    message = factory.LazyFunction(
        lambda: {
            "title": "网格新上报事件",
            "text": "网格新上报事件",
            "markdown": "### 网格新上报事件",
            "link": "",
            "sms_params": [],
        }
    )
    next_attempt_at = factory.LazyFunction(timezone.now)
