"""Notifications: who is told of what, over which channel, and what became of each message.

`Notification` is a row of a user's in-app inbox. `Delivery` is one message to one recipient
over one outside channel (a group robot, email, SMS), keyed by (event, channel, recipient) so
that an event routed twice, or a task delivered twice by the broker, sends nothing twice.
`EventRouting` marks an outbox event as routed. `Robot` is a WeChat Work or DingTalk group
robot of a grid, a community or a street; `NotificationRule` is a street's override of a
default rule (`notifications.rules`).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.rules import CHANNEL_CHOICES, RECIPIENT_CHOICES, TRIGGER_CHOICES, Channel


class RobotQuerySet(models.QuerySet):
    def visible_to(self, scope):
        return scope.filter(
            self,
            district="street__district_code",
            street="street_id",
            community="community_id",
            grid="grid_id",
        )


class Robot(models.Model):
    """A group chat robot (企业微信群机器人, 钉钉群机器人) with its webhook.

    It belongs to a grid, a community or a street: the grid's group is told of new cases in
    the grid, the street's group (the centre's) of what the centre must know.
    """

    class Kind(models.TextChoices):
        WECOM = Channel.WECOM, _("WeChat Work group robot")
        DINGTALK = Channel.DINGTALK, _("DingTalk group robot")

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    street = models.ForeignKey(
        "grids.Street", on_delete=models.CASCADE, related_name="+", verbose_name=_("street")
    )
    community = models.ForeignKey(
        "grids.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community or village"),
    )
    grid = models.ForeignKey(
        "grids.Grid",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("grid"),
    )
    webhook_url = models.URLField(
        _("webhook address"),
        max_length=400,
        help_text=_("The address the group's robot settings give, with its key or access token."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        blank=True,
        help_text=_("DingTalk: the robot's signing secret (SEC…), if its security setting is signing."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = RobotQuerySet.as_manager()

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["street", "community", "grid", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grid__isnull=True) | models.Q(community__isnull=False),
                name="robot_grid_has_community",
            ),
        ]
        indexes = [
            models.Index(fields=["street", "community", "grid"], name="robot_place_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def level(self) -> str:
        return "grid" if self.grid_id else "community" if self.community_id else "street"

    def clean(self):
        if self.grid_id and self.community_id and self.grid.community_id != self.community_id:
            raise ValidationError({"grid": _("The grid must belong to the robot's community.")})
        if self.community_id and self.street_id and self.community.street_id != self.street_id:
            raise ValidationError({"community": _("The community must belong to the robot's street.")})


class StreetOwnedQuerySet(models.QuerySet):
    def visible_to(self, scope):
        return scope.filter(self, district="street__district_code", street="street_id")


class NotificationRule(models.Model):
    """A street's own rule for one trigger, in place of the default in code."""

    street = models.ForeignKey(
        "grids.Street", on_delete=models.CASCADE, related_name="+", verbose_name=_("street")
    )
    trigger = models.CharField(_("when"), max_length=20, choices=TRIGGER_CHOICES)
    recipients = models.JSONField(_("who is told"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    is_active = models.BooleanField(
        _("send"), default=True, help_text=_("Off: nobody in this street is told of this.")
    )

    objects = StreetOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification rule")
        verbose_name_plural = _("notification rules")
        ordering = ["street", "trigger"]
        constraints = [
            models.UniqueConstraint(fields=["street", "trigger"], name="notification_rule_once_per_street"),
        ]

    def __str__(self):
        return f"{self.street} · {self.get_trigger_display()}"

    def clean(self):
        known_recipients = {value for value, _label in RECIPIENT_CHOICES}
        known_channels = {value for value, _label in CHANNEL_CHOICES}
        if not isinstance(self.recipients, list) or set(self.recipients) - known_recipients:
            raise ValidationError({"recipients": _("Choose recipients from the list.")})
        if not isinstance(self.channels, list) or set(self.channels) - known_channels:
            raise ValidationError({"channels": _("Choose channels from the list.")})


class EventRouting(models.Model):
    """An outbox event the notifications have routed: its deliveries exist from then on."""

    event = models.OneToOneField(
        "core.OutboxEvent",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("domain event"),
    )
    routed_at = models.DateTimeField(_("routed at"), auto_now_add=True)
    deliveries = models.PositiveIntegerField(_("messages"), default=0)

    class Meta:
        verbose_name = _("routed event")
        verbose_name_plural = _("routed events")

    def __str__(self):
        return f"{self.event_id}: {self.deliveries}"


class NotificationQuerySet(models.QuerySet):
    def of_user(self, user):
        return self.filter(user=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message in a user's in-app inbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user account")
    )
    event = models.ForeignKey(
        "core.OutboxEvent", on_delete=models.CASCADE, related_name="+", verbose_name=_("domain event")
    )
    trigger = models.CharField(_("when"), max_length=20, choices=TRIGGER_CHOICES)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    subject_type = models.CharField(_("object type"), max_length=30)
    subject_id = models.PositiveBigIntegerField(_("object id"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="notification_once_per_event_user"),
        ]
        indexes = [
            models.Index(fields=["user", "-id"], name="notification_user_idx"),
            models.Index(
                fields=["user", "-id"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self):
        return self.title


class DeliveryQuerySet(models.QuerySet):
    def visible_to(self, scope):
        return scope.filter(
            self,
            district="street__district_code",
            street="street_id",
            community="community_id",
            grid="grid_id",
        )


class Delivery(models.Model):
    """One message to one recipient over one outside channel, and what became of it."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    event = models.ForeignKey(
        "core.OutboxEvent", on_delete=models.CASCADE, related_name="+", verbose_name=_("domain event")
    )
    trigger = models.CharField(_("when"), max_length=20, choices=TRIGGER_CHOICES)
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNEL_CHOICES)
    # "user:<id>" or "robot:<id>": the key that makes a message unique with its event and channel.
    recipient = models.CharField(_("recipient"), max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user account"),
    )
    robot = models.ForeignKey(
        Robot,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("robot"),
    )
    # Where the event happened, so that the admin shows each street its own log.
    street = models.ForeignKey(
        "grids.Street", on_delete=models.CASCADE, null=True, related_name="+", verbose_name=_("street")
    )
    community = models.ForeignKey(
        "grids.Community",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("community or village"),
    )
    grid = models.ForeignKey(
        "grids.Grid", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("grid")
    )
    message = models.JSONField(_("message"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("delivery log")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "recipient"], name="delivery_once_per_event_channel_recipient"
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(robot__isnull=False),
                name="delivery_has_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["robot", "claimed_at"], name="delivery_robot_claimed_idx"),
            models.Index(fields=["street", "-id"], name="delivery_street_idx"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient} ({self.get_state_display()})"
