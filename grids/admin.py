from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import revoke_tokens_of, unlock_sign_in_of
from config.errors import InvalidInput
from grids.admin_base import PersonalDataAdminMixin, ScopedModelAdmin, masked
from grids.geo import boundaries
from grids.models import (
    CoGovernanceMember,
    Community,
    Grid,
    GridWorker,
    MicroGrid,
    PersonalDataReveal,
    Street,
    UserScope,
)
from grids.privacy import mask_name, mask_phone
from grids.querysets import accounts_free_for_grid_worker
from grids.scope import scope_for
from grids.selectors import node_map
from grids.services import (
    BOUNDARY_FIELDS,
    check_grids_in_street,
    grid_worker_admin_save,
    grid_worker_delete,
    territory_delete,
    territory_save,
)

admin.site.site_header = _("Grid governance administration")
admin.site.site_title = _("Grid governance")
admin.site.index_title = _("Comprehensive governance centre")
# At 1366 px the navigation sidebar took a quarter of the width from the case list's columns;
# the index and the breadcrumbs lead everywhere it did.
admin.site.enable_nav_sidebar = False


class TerritoryAdmin(ScopedModelAdmin):
    """Saves and deletes go through the grids services, like the API's."""

    def save_model(self, request, obj, form, change):
        territory_save(scope=scope_for(request.user), obj=obj)

    def delete_model(self, request, obj):
        territory_delete(scope=scope_for(request.user), obj=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class BoundaryAdminForm(forms.ModelForm):
    """A bad boundary is a form error on `boundary`, so that the user keeps what they typed.

    The check is the services' (`grids.geo.boundaries`), which run it again when saving.
    """

    def _post_clean(self):
        super()._post_clean()
        if self.errors or not set(BOUNDARY_FIELDS) & set(self.changed_data):
            return
        try:
            boundaries.check(self.instance, label_kept="label_point" not in self.changed_data)
        except InvalidInput as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)


class MapAdmin(TerritoryAdmin):
    """A territory node's page shows its boundary, with its children's and its parent's."""

    form = BoundaryAdminForm
    change_form_template = "admin/territory_map_change_form.html"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["territory_map"] = {
                "title": _("Boundary"),
                "note": _("Synthetic boundary, drawn for demonstration.") if obj.boundary_synthetic else "",
                "config": node_map(scope=scope_for(request.user), obj=obj),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(Street)
class StreetAdmin(MapAdmin):
    list_display = ["name", "code", "abbreviation", "district_name", "district_code"]
    list_filter = ["district_name"]
    search_fields = ["name", "code", "abbreviation"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        # The district decides which district viewers see the street: superusers set it.
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "district_name", "district_code"]


@admin.register(Community)
class CommunityAdmin(MapAdmin):
    list_display = ["name", "code", "kind", "street", "population"]
    list_filter = ["kind", "street"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["street"]
    list_select_related = ["street"]


class MicroGridInline(admin.TabularInline):
    model = MicroGrid
    fields = ["code", "name", "covers", "leader_title"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Grid)
class GridAdmin(MapAdmin):
    list_display = ["name", "code", "kind", "community", "residents", "households", "party_branch"]
    list_filter = ["kind", "community__street", "community"]
    search_fields = ["name", "code", "party_branch"]
    autocomplete_fields = ["community"]
    list_select_related = ["community"]
    inlines = [MicroGridInline]


@admin.register(MicroGrid)
class MicroGridAdmin(PersonalDataAdminMixin, MapAdmin):
    list_display = [
        "name",
        "code",
        "covers",
        "grid",
        "leader_title",
        "masked_leader_name",
        "masked_leader_phone",
    ]
    list_filter = ["covers", "leader_title", "grid__community__street"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["grid"]
    list_select_related = ["grid"]
    personal_fields = {"leader_name": mask_name, "leader_phone": mask_phone}
    masked_leader_name = masked("leader_name", mask_name, _("leader's name"))
    masked_leader_phone = masked("leader_phone", mask_phone, _("leader's phone"))


class GridWorkerAdminForm(forms.ModelForm):
    """Grids outside the worker's street are a form error, so the user keeps their input."""

    class Meta:
        model = GridWorker
        fields = ["user", "street", "name", "kind", "phone", "grids", "is_active"]

    def clean(self):
        cleaned = super().clean()
        street, grids = cleaned.get("street"), cleaned.get("grids")
        if street and grids:
            try:
                check_grids_in_street(grids.select_related("community"), street)
            except InvalidInput as exc:
                self.add_error(exc.field, exc.message)
        return cleaned


@admin.register(GridWorker)
class GridWorkerAdmin(TerritoryAdmin):
    form = GridWorkerAdminForm
    list_display = ["name", "kind", "street", "phone", "user", "is_active"]
    list_filter = ["kind", "is_active", "street"]
    search_fields = ["name", "phone", "user__username"]
    # Not `user`: the users' autocomplete is for superusers, and lists every account.
    autocomplete_fields = ["street", "grids"]
    list_select_related = ["street", "user"]
    actions = ["revoke_tokens", "unlock_sign_in"]

    def get_readonly_fields(self, request, obj=None):
        # A worker keeps the account they were opened with.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "user"] if obj is not None else fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = accounts_free_for_grid_worker().order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # The grids are saved by save_related, after this; the service checks them there.
        grid_worker_admin_save(scope=scope_for(request.user), worker=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        grid_worker_admin_save(scope=scope_for(request.user), worker=form.instance, check_grids=True)

    def delete_model(self, request, obj):
        grid_worker_delete(scope=scope_for(request.user), worker=obj)

    # A lost phone, a worker locked out by mistyping: the street's admin acts, within the street.
    @admin.action(description=_("Sign out of every device (revoke API tokens)"), permissions=["change"])
    def revoke_tokens(self, request, queryset):
        revoke_tokens_of(self, request, [worker.user for worker in queryset.select_related("user")])

    @admin.action(description=_("Unlock sign-in"), permissions=["change"])
    def unlock_sign_in(self, request, queryset):
        unlock_sign_in_of(self, request, [worker.user for worker in queryset.select_related("user")])


@admin.register(CoGovernanceMember)
class CoGovernanceMemberAdmin(PersonalDataAdminMixin, TerritoryAdmin):
    list_display = ["id", "role", "masked_name", "masked_phone", "community", "grid", "joined_on"]
    list_filter = ["role", "community__street", "community"]
    search_fields = ["community__name", "grid__name", "grid__code"]
    autocomplete_fields = ["community", "grid"]
    list_select_related = ["community", "grid"]
    personal_fields = {"name": mask_name, "phone": mask_phone}
    masked_name = masked("name", mask_name, _("name"))
    masked_phone = masked("phone", mask_phone, _("phone"))


@admin.register(UserScope)
class UserScopeAdmin(admin.ModelAdmin):
    """Who acts where: superusers only, since it grants access."""

    list_display = ["user", "role", "street", "community", "district_code"]
    list_filter = ["role", "street"]
    search_fields = ["user__username", "user__first_name"]
    autocomplete_fields = ["user", "street", "community"]
    list_select_related = ["user", "street", "community"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(PersonalDataReveal)
class PersonalDataRevealAdmin(admin.ModelAdmin):
    """The audit trail of who saw residents' personal data. Read-only."""

    list_display = ["at", "user", "content_type", "object_id", "field"]
    list_filter = ["content_type", "field"]
    search_fields = ["user__username"]
    date_hierarchy = "at"
    list_select_related = ["user", "content_type"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
