"""The one table of who is told what: trigger → recipients → channels.

A *trigger* is a kind of domain event worth telling someone about (a dispatch, a rework, an
overdue mark …), recognised from an outbox event's name and payload. The defaults below are
the service's; a street may replace the recipients and channels of any trigger, or switch it
off, in the admin (`NotificationRule`). Nothing else decides who is told.

Recipients are people (the assignee, the reporter, the centre's administrators, the
mediators …), told in the inbox, by email or SMS; and group robots of the territory (the
grid's group, the centre's group), told over WeChat Work or DingTalk. A rule's channels apply
to the recipients they suit: a person is not a robot, a robot reads no email.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INBOX = "inbox", _("in-app inbox")
    EMAIL = "email", _("email")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeChat Work group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


PERSONAL_CHANNELS = frozenset({Channel.INBOX, Channel.EMAIL, Channel.SMS})
ROBOT_CHANNELS = frozenset({Channel.WECOM, Channel.DINGTALK})


class Recipients(models.TextChoices):
    ASSIGNEE = "assignee", _("the worker the case is assigned to")
    CENTRE = "centre", _("the street's centre (administrators and the street's group)")
    CENTRE_ABOVE = "centre_above", _("the centre of the level the case was escalated to")
    GRID_GROUP = "grid_group", _("the grid's group")
    REPORTER = "reporter", _("the user who reported the case")
    MEDIATORS = "mediators", _("the mediation's mediators")
    RESPONSIBLE_WORKER = "responsible_worker", _("the worker responsible for the visit")


class Trigger(models.TextChoices):
    DISPATCH = "dispatch", _("a case is dispatched")
    REWORK = "rework", _("a case is sent back for rework")
    OVERDUE = "overdue", _("a case is marked overdue")
    SUPERVISE = "supervise", _("an overdue case is supervised (督办)")
    ESCALATE = "escalate", _("a case is escalated")
    NEW_CASE = "new_case", _("a new case is reported in a grid")
    CLOSED = "closed", _("a case is closed")
    MEDIATION_SESSION = "mediation_session", _("a mediation session is recorded")
    VISIT_DUE = "visit_due", _("a key-person visit comes due")


TRIGGER_CHOICES = Trigger.choices
RECIPIENT_CHOICES = Recipients.choices
CHANNEL_CHOICES = Channel.choices


@dataclass(frozen=True)
class Rule:
    recipients: tuple[str, ...]
    channels: tuple[str, ...]


def _payload(event) -> dict:
    return event.payload or {}


# event name → (trigger, condition on the event). One event may match one trigger at most.
MATCHERS: dict[str, list[tuple[str, Callable[[object], bool]]]] = {
    "cases.report": [(Trigger.NEW_CASE, lambda e: True)],
    "cases.assign": [(Trigger.DISPATCH, lambda e: bool(_payload(e).get("assignee_worker")))],
    "cases.verify": [
        (Trigger.CLOSED, lambda e: _payload(e).get("to_status") == "closed"),
        (Trigger.REWORK, lambda e: _payload(e).get("to_status") == "assigned"),
    ],
    "cases.mark_overdue": [(Trigger.OVERDUE, lambda e: True)],
    "cases.supervise": [(Trigger.SUPERVISE, lambda e: True)],
    "cases.escalate": [(Trigger.ESCALATE, lambda e: True)],
    "mediation.session": [(Trigger.MEDIATION_SESSION, lambda e: True)],
    # Published by the base-data app (`registry`) once a day for each visit coming due.
    "registry.visit_due": [(Trigger.VISIT_DUE, lambda e: True)],
}

# The event names the notifications listen to (the outbox subscription's patterns).
EVENT_NAMES = tuple(MATCHERS)

_GROUPS = (Channel.WECOM, Channel.DINGTALK)
DEFAULT_RULES: dict[str, Rule] = {
    Trigger.DISPATCH: Rule((Recipients.ASSIGNEE,), (Channel.INBOX, Channel.SMS)),
    Trigger.REWORK: Rule((Recipients.ASSIGNEE,), (Channel.INBOX, Channel.SMS)),
    Trigger.OVERDUE: Rule(
        (Recipients.ASSIGNEE, Recipients.CENTRE), (Channel.INBOX, Channel.EMAIL, Channel.SMS, *_GROUPS)
    ),
    Trigger.SUPERVISE: Rule((Recipients.ASSIGNEE, Recipients.CENTRE), (Channel.INBOX, *_GROUPS)),
    Trigger.ESCALATE: Rule((Recipients.CENTRE_ABOVE,), (Channel.INBOX, Channel.EMAIL, *_GROUPS)),
    Trigger.NEW_CASE: Rule((Recipients.GRID_GROUP,), _GROUPS),
    Trigger.CLOSED: Rule((Recipients.REPORTER,), (Channel.INBOX,)),
    Trigger.MEDIATION_SESSION: Rule((Recipients.MEDIATORS,), (Channel.INBOX, Channel.SMS)),
    Trigger.VISIT_DUE: Rule((Recipients.RESPONSIBLE_WORKER,), (Channel.INBOX, Channel.SMS)),
}


def trigger_of(event) -> str | None:
    """The trigger an outbox event is, or None when nobody is told of it."""
    for trigger, condition in MATCHERS.get(event.name, ()):
        if condition(event):
            return trigger
    return None


def rule_for(trigger: str, street_id: int | None) -> Rule | None:
    """The street's rule for `trigger` (its override, else the default); None when it is off."""
    from notifications.models import NotificationRule

    override = None
    if street_id is not None:
        override = NotificationRule.objects.filter(street_id=street_id, trigger=trigger).first()
    if override is None:
        return DEFAULT_RULES[trigger]
    if not override.is_active:
        return None
    return Rule(tuple(override.recipients), tuple(override.channels))
