"""Users' sign-in in the admin: devices (tokens) to revoke, locks to lift.

Superusers manage accounts here; street admins sign their own workers out and unlock them
from the grid workers' list (grids.admin), within their street.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import lockout, services
from accounts.models import DeviceToken

User = get_user_model()


def revoke_tokens_of(modeladmin, request, users) -> None:
    """Sign each user out of every device; shared by the users' and workers' admin."""
    revoked = sum(services.tokens_revoke_all(user=user) for user in users)
    modeladmin.message_user(
        request,
        ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked) % {"count": revoked},
        messages.SUCCESS,
    )


def unlock_sign_in_of(modeladmin, request, users) -> None:
    """Lift the sign-in lock of each user; shared by the users' and workers' admin."""
    for user in users:
        services.account_unlock(username=user.get_username())
    modeladmin.message_user(
        request, _("Sign-in unlocked for: %s") % ", ".join(map(str, users)), messages.SUCCESS
    )


class DeviceTokenInline(admin.TabularInline):
    model = DeviceToken
    fields = readonly_fields = ["device", "created", "expiry"]
    extra = 0
    can_delete = False
    verbose_name_plural = _("Signed-in devices (API tokens)")

    def has_add_permission(self, request, obj=None):
        return False


class SignInLockedFilter(admin.SimpleListFilter):
    title = _("sign-in locked")
    parameter_name = "sign_in_locked"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        limit = settings.AXES_FAILURE_LIMIT
        if self.value() == "yes":
            return queryset.filter(sign_in_failures__gte=limit)
        if self.value() == "no":
            return queryset.filter(sign_in_failures__lt=limit)
        return queryset


admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    list_display = [*UserAdmin.list_display, "is_active", "sign_in_locked"]
    list_filter = [*UserAdmin.list_filter, SignInLockedFilter]
    inlines = [*UserAdmin.inlines, DeviceTokenInline]
    actions = ["revoke_tokens", "unlock_sign_in"]

    def get_queryset(self, request):
        return lockout.with_sign_in_failures(super().get_queryset(request))

    @admin.display(description=_("sign-in locked"), boolean=True, ordering="sign_in_failures")
    def sign_in_locked(self, user) -> bool:
        return user.sign_in_failures >= settings.AXES_FAILURE_LIMIT

    @admin.action(description=_("Sign out of every device (revoke API tokens)"), permissions=["change"])
    def revoke_tokens(self, request, queryset):
        revoke_tokens_of(self, request, queryset)

    @admin.action(description=_("Unlock sign-in"), permissions=["change"])
    def unlock_sign_in(self, request, queryset):
        unlock_sign_in_of(self, request, queryset)


@admin.register(DeviceToken)
class DeviceTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "device", "created", "expiry"]
    list_filter = ["created", "expiry"]
    search_fields = ["user__username", "device"]
    list_select_related = ["user"]
    fields = readonly_fields = ["user", "device", "token_key", "created", "expiry"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # a token is shown once to the device that signs in, never here

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Revoke the selected tokens"), permissions=["delete"])
    def revoke(self, request, queryset):
        tokens = list(queryset)
        for device_token in tokens:
            services.token_revoke(device_token=device_token)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens))
            % {"count": len(tokens)},
            messages.SUCCESS,
        )
