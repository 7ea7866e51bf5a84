from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.errors import ActionNotAllowed
from grids.admin_base import MaskedForViewersAdminMixin, ScopedModelAdmin, masked
from grids.privacy import mask_id_number, mask_name, mask_phone
from grids.scope import NO_ROLE, scope_for
from mediation.models import (
    Agreement,
    FollowUp,
    JudicialConfirmation,
    MediationCase,
    MediationEvent,
    MediationRoom,
    Mediator,
    Party,
    Session,
)
from mediation.services import mediator_check_deletable, roster_delete, roster_save
from mediation.workflow import MEDIATION_WORKFLOW


class RosterAdmin(ScopedModelAdmin):
    """Rooms and mediators are saved and deleted through the mediation services, like every write."""

    def save_model(self, request, obj, form, change):
        roster_save(actor=request.user, obj=obj)

    def delete_model(self, request, obj):
        roster_delete(actor=request.user, obj=obj)

    def delete_queryset(self, request, queryset):
        # One by one through the service: one refused row undoes the whole action.
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(MediationRoom)
class MediationRoomAdmin(RosterAdmin):
    list_display = ["name", "street", "community", "level", "is_gold"]
    list_filter = ["is_gold", "level", "street"]
    search_fields = ["name"]
    list_select_related = ["street", "community"]


@admin.register(Mediator)
class MediatorAdmin(MaskedForViewersAdminMixin, RosterAdmin):
    """Mediators' phones are read and changed in full by the centre, who edit the roster, as
    in the API; masked for everyone else (volunteers are residents). Not an audited reveal:
    the centre reads them in full in the API too."""

    list_display = [
        "name",
        "kind",
        "street",
        "community",
        "home_room",
        "phone",
        "certified_on",
        "is_active",
    ]
    list_filter = ["kind", "is_active", "street"]
    search_fields = ["name"]
    list_select_related = ["street", "community", "home_room"]
    raw_id_fields = ["user"]
    personal_fields = {"phone": mask_phone}
    masked_phone = masked("phone", mask_phone, _("work phone"))

    def delete_view(self, request, object_id, extra_context=None):
        # A mediator whom mediations name is not offered for deletion: the reason is shown on
        # their page, where "active" is the way to retire them.
        mediator = self.get_object(request, unquote(object_id))
        if mediator is not None and self.has_delete_permission(request, mediator):
            try:
                mediator_check_deletable(mediator)
            except ActionNotAllowed as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return HttpResponseRedirect(reverse("admin:mediation_mediator_change", args=[mediator.pk]))
        return super().delete_view(request, object_id, extra_context)


class ShownToScopedStaff:
    """Inlines are seen by whoever may see the mediation case (the role decides, not model perms)."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and scope_for(request.user).role != NO_ROLE


class ReadOnlyInline(ShownToScopedStaff, admin.TabularInline):
    """Mediation records are written by the workflow's actions; the admin shows them."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PartyInline(ReadOnlyInline):
    model = Party
    fields = ["role", "masked_name", "masked_phone", "masked_id_number"]
    readonly_fields = fields
    masked_name = masked("name", mask_name, _("name"))
    masked_phone = masked("phone", mask_phone, _("phone"))
    masked_id_number = masked("id_number", mask_id_number, _("ID number"))


class SessionInline(ReadOnlyInline):
    model = Session
    fields = ["held_on", "place", "attendees", "notes", "recorded_by"]
    readonly_fields = fields


def confirmation_summary(confirmation: JudicialConfirmation | None) -> str:
    return gettext("Not applied for.") if confirmation is None else confirmation.summary()


class AgreementInline(ShownToScopedStaff, admin.StackedInline):
    model = Agreement
    fields = ["form", "content", "performance_deadline", "signed_on", "judicial_confirmation"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("confirmation")

    @admin.display(description=_("judicial confirmation"))
    def judicial_confirmation(self, agreement):
        return confirmation_summary(getattr(agreement, "confirmation", None))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FollowUpInline(ReadOnlyInline):
    model = FollowUp
    fields = ["visited_on", "by", "performance", "notes"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = MediationEvent
    fields = ["at", "action_label", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields

    @admin.display(description=_("action"))
    def action_label(self, event):
        return MEDIATION_WORKFLOW.label(event.action)


@admin.register(MediationCase)
class MediationCaseAdmin(ScopedModelAdmin):
    list_display = ["case", "dispute_type", "level", "status", "lead_mediator", "room", "registered_at"]
    list_filter = ["status", "level", "dispute_type", "street"]
    search_fields = ["case__number", "summary"]
    list_select_related = ["case", "lead_mediator", "room"]
    date_hierarchy = "registered_at"
    inlines = [PartyInline, SessionInline, AgreementInline, FollowUpInline, EventInline]
    readonly_fields = [
        "case",
        "street",
        "community",
        "level",
        "dispute_type",
        "amount",
        "summary",
        "lead_mediator",
        "assisting_mediators",
        "room",
        "status",
        "registered_by",
        "registered_at",
        "started_at",
        "concluded_at",
        "outcome_note",
        "escalation_count",
        "referral",
        "referral_note",
        "referred_at",
        "version",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JudicialConfirmation)
class JudicialConfirmationAdmin(ScopedModelAdmin):
    """司法确认 of the agreements the user sees: read-only, recorded by the `confirm` action."""

    list_display = ["mediation_case", "court", "result", "applied_on", "decided_on"]
    list_filter = ["result"]
    search_fields = ["court", "agreement__mediation__case__number"]
    list_select_related = ["agreement__mediation__case"]
    date_hierarchy = "applied_on"
    fields = ["mediation_case", "court", "result", "applied_on", "decided_on"]
    readonly_fields = fields

    def get_queryset(self, request):
        # The confirmation has no territory of its own: it is seen with its mediation case.
        mediations = MediationCase.objects.visible_to(scope_for(request.user))
        return JudicialConfirmation.objects.filter(agreement__mediation__in=mediations.values("pk"))

    @admin.display(description=_("mediation case"), ordering="agreement__mediation__case__number")
    def mediation_case(self, confirmation):
        return str(confirmation.agreement.mediation)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
