"""The admin: each street's group robots, its notification rules and its delivery log."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from grids.admin_base import ScopedModelAdmin
from notifications import services
from notifications.models import Delivery, NotificationRule, Robot
from notifications.rules import CHANNEL_CHOICES, DEFAULT_RULES, RECIPIENT_CHOICES


@admin.register(Robot)
class RobotAdmin(ScopedModelAdmin):
    editor_grant = ("notifications", "edit_settings")
    list_display = ["name", "kind", "street", "community", "grid", "is_active"]
    list_filter = ["kind", "is_active", "street"]
    search_fields = ["name"]
    list_select_related = ["street", "community", "grid"]
    # Robot webhooks are HTTPS addresses; one typed without a scheme is taken as one.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class RuleForm(forms.ModelForm):
    recipients = forms.MultipleChoiceField(
        label=_("who is told"), choices=RECIPIENT_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    channels = forms.MultipleChoiceField(
        label=_("channels"), choices=CHANNEL_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = NotificationRule
        fields = ["street", "trigger", "recipients", "channels", "is_active"]


@admin.register(NotificationRule)
class NotificationRuleAdmin(ScopedModelAdmin):
    """A street's override of a default rule; the defaults are listed in the help text."""

    editor_grant = ("notifications", "edit_settings")
    form = RuleForm
    list_display = ["street", "trigger", "recipients", "channels", "is_active", "default_rule"]
    list_filter = ["trigger", "street"]
    list_select_related = ["street"]

    @admin.display(description=_("default"))
    def default_rule(self, rule):
        default = DEFAULT_RULES[rule.trigger]
        return f"{', '.join(default.recipients)} → {', '.join(default.channels)}"


@admin.register(Delivery)
class DeliveryAdmin(ScopedModelAdmin):
    """The delivery log: read-only; a failed delivery is sent again by the retry action."""

    editor_grant = ("notifications", "retry_delivery")
    list_display = [
        "pk",
        "created_at",
        "trigger",
        "channel",
        "recipient_name",
        "state",
        "attempts",
        "last_error",
    ]
    list_filter = ["state", "channel", "trigger", "street"]
    list_select_related = ["user", "robot"]
    search_fields = ["recipient", "last_error"]
    actions = ["retry_deliveries"]
    readonly_fields = [
        "event",
        "trigger",
        "channel",
        "recipient",
        "user",
        "robot",
        "street",
        "message",
        "state",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "last_error",
        "created_at",
    ]

    @admin.display(description=_("recipient"))
    def recipient_name(self, delivery):
        return str(delivery.robot or delivery.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self._may_edit(request):
            actions.pop("retry_deliveries", None)
        return actions

    @admin.action(description=_("Send the selected failed deliveries again"))
    def retry_deliveries(self, request, queryset):
        done = 0
        for delivery in queryset.order_by("pk"):
            try:
                services.delivery_retry(delivery_id=delivery.pk, actor=request.user)
                done += 1
            except DomainError as error:
                self.message_user(request, f"#{delivery.pk}: {error.message}", messages.WARNING)
        if done:
            self.message_user(request, _("Queued again: %(n)d delivery(ies).") % {"n": done})
