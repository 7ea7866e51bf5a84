"""Base data in the admin: the territory's scope, masked personal data, no deletes, an import page.

Key persons follow their own visibility (`KeyPersonQuerySet.visible_to`): community staff and
district viewers do not find them here either. Catalogues and the visit frequency rules are
city-wide and edited by superusers.
"""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from core.access import ACCESS
from grids.admin_base import PersonalDataAdminMixin, ScopedModelAdmin, masked
from grids.privacy import mask_id_number, mask_name, mask_phone
from grids.scope import scope_for
from registry import imports, services
from registry.models import (
    Building,
    Facility,
    FacilityType,
    House,
    KeyPerson,
    KeyPersonCategory,
    KeyPersonEvent,
    Organisation,
    Residence,
    Resident,
    ResidentExport,
    ResidentTag,
    SafetyTag,
    Visit,
    VisitRule,
)
from registry.selectors import residents_search


class ImportForm(forms.Form):
    file = forms.FileField(label=_("file (CSV or XLSX, Chinese headers)"))
    dry_run = forms.BooleanField(label=_("dry run: check only, write nothing"), required=False, initial=True)
    keep_good = forms.BooleanField(label=_("write the good rows and report the others"), required=False)


class BaseDataAdmin(PersonalDataAdminMixin, ScopedModelAdmin):
    """Writes through the registry's services; nothing is deleted; `import/` for a spreadsheet."""

    editor_grant = ("registry", "collect")
    import_kind = ""
    change_list_template = "admin/registry/change_list.html"

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.base_data_admin_save(scope=scope_for(request.user), actor=request.user, obj=obj)

    def save_related(self, request, form, formsets, change):
        services.check_may_collect(scope_for(request.user))
        super().save_related(request, form, formsets, change)

    def get_urls(self):
        if not self.import_kind:
            return super().get_urls()
        info = self.model._meta.app_label, self.model._meta.model_name
        page = self.admin_site.admin_view(self.import_view)
        return [path("import/", page, name="{}_{}_import".format(*info)), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.import_kind and ACCESS.role_may("registry", "import", scope_for(request.user).role):
            info = self.model._meta.app_label, self.model._meta.model_name
            extra_context["import_url"] = reverse("admin:{}_{}_import".format(*info))
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        scope = scope_for(request.user)
        report = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = imports.base_data_import(
                    scope=scope,
                    actor=request.user,
                    kind=self.import_kind,
                    content=upload.read(),
                    filename=upload.name,
                    dry_run=form.cleaned_data["dry_run"],
                    keep_good=form.cleaned_data["keep_good"],
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        elif not ACCESS.role_may("registry", "import", scope.role):
            self.message_user(request, _("Your role may not import base data."), messages.ERROR)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import %(kind)s") % {"kind": imports.KINDS[self.import_kind].label},
            "form": form,
            "report": report,
            "columns": [column.header for column in imports.KINDS[self.import_kind].columns],
        }
        return TemplateResponse(request, "admin/registry/import.html", context)


@admin.register(Building)
class BuildingAdmin(BaseDataAdmin):
    list_display = [
        "code",
        "name",
        "grid",
        "use",
        "floors",
        "units",
        "property_managed",
        "masked_leader_name",
    ]
    list_filter = ["use", "property_managed", "community", "grid"]
    search_fields = ["code", "name", "address"]
    list_select_related = ["grid"]
    raw_id_fields = ["micro_grid"]
    import_kind = "building"
    personal_fields = {"leader_name": mask_name, "leader_phone": mask_phone}
    masked_leader_name = masked("leader_name", mask_name, _("building leader"))
    masked_leader_phone = masked("leader_phone", mask_phone, _("building leader's phone"))


@admin.register(House)
class HouseAdmin(BaseDataAdmin):
    list_display = ["__str__", "unit", "floor", "room", "use", "masked_landlord_name", "lease_end"]
    list_filter = ["use"]
    search_fields = ["room", "building__name", "building__code"]
    list_select_related = ["building"]
    raw_id_fields = ["building"]
    import_kind = "house"
    personal_fields = {"landlord_name": mask_name, "landlord_phone": mask_phone}
    masked_landlord_name = masked("landlord_name", mask_name, _("landlord"))
    masked_landlord_phone = masked("landlord_phone", mask_phone, _("landlord's phone"))


class ResidenceInline(admin.TabularInline):
    model = Residence
    fields = ["house", "relation_to_head", "moved_in_on", "moved_out_on"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Resident)
class ResidentAdmin(BaseDataAdmin):
    """Residents masked in the list; searched by exact ID number or phone, or by name once the
    list is narrowed to a house or a building (never by a part of a number)."""

    list_display = [
        "id",
        "masked_name",
        "gender",
        "masked_id_number",
        "masked_phone",
        "residence_type",
        "grid",
        "moved_out",
    ]
    list_filter = ["residence_type", "gender", "moved_out", "tags", "grid"]
    search_fields = ["name"]
    search_help_text = _(
        "An ID number or a phone, whole; or a name, once the list shows one house or building."
    )
    list_select_related = ["grid"]
    raw_id_fields = ["house"]
    filter_horizontal = ["tags"]
    exclude = ["grid", "moved_out"]
    inlines = [ResidenceInline]
    import_kind = "resident"
    personal_fields = {"name": mask_name, "id_number": mask_id_number, "phone": mask_phone}
    masked_name = masked("name", mask_name, _("name"))
    masked_id_number = masked("id_number", mask_id_number, _("ID number"))
    masked_phone = masked("phone", mask_phone, _("phone"))

    # A list narrowed to one house or building (a link from their pages) is where names are searched.
    PLACE_LOOKUPS = ("house__id__exact", "house__building__id__exact")

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in self.PLACE_LOOKUPS or super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        digits = term.replace("-", "").replace(" ", "")
        place = {
            "house": request.GET.get("house__id__exact"),
            "building": request.GET.get("house__building__id__exact"),
        }
        try:
            if digits.isdigit() and len(digits) <= 12:
                return residents_search(queryset, phone=term), False
            if any(c.isdigit() for c in term):
                return residents_search(queryset, id_number=term), False
            return residents_search(queryset, name=term, **{k: v for k, v in place.items() if v}), False
        except DomainError as exc:
            self.message_user(request, exc.message, messages.WARNING)
            return queryset.none(), False


class VisitInline(admin.TabularInline):
    model = Visit
    fields = ["visited_on", "due_on", "worker", "form", "findings", "next_due"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class KeyPersonEventInline(admin.TabularInline):
    model = KeyPersonEvent
    fields = ["at", "action", "actor", "from_status", "to_status", "note", "changes"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(KeyPerson)
class KeyPersonAdmin(ScopedModelAdmin):
    """Read-only here: registration, visits and the other steps go through the workflow's API."""

    list_display = [
        "id",
        "masked_resident",
        "category",
        "risk_level",
        "responsible_worker",
        "status",
        "next_visit_due",
    ]
    list_filter = ["category", "risk_level", "status"]
    list_select_related = ["resident", "category", "responsible_worker"]
    inlines = [VisitInline, KeyPersonEventInline]
    exclude = ["resident"]
    readonly_fields = ["masked_resident"]

    @admin.display(description=_("resident"))
    def masked_resident(self, obj):
        return mask_name(obj.resident.name)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(ScopedModelAdmin):
    list_display = ["key_person", "visited_on", "due_on", "worker", "form", "next_due"]
    list_filter = ["form"]
    list_select_related = ["key_person__category", "worker"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(BaseDataAdmin):
    list_display = ["name", "kind", "credit_code", "grid", "masked_contact_name"]
    list_filter = ["kind", "safety_tags", "grid"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["grid"]
    raw_id_fields = ["building"]
    filter_horizontal = ["safety_tags"]
    import_kind = "organisation"
    personal_fields = {"contact_name": mask_name, "contact_phone": mask_phone}
    masked_contact_name = masked("contact_name", mask_name, _("contact"))
    masked_contact_phone = masked("contact_phone", mask_phone, _("contact phone"))


@admin.register(Facility)
class FacilityAdmin(BaseDataAdmin):
    list_display = ["code", "type", "grid", "state", "owner_unit"]
    list_filter = ["type", "state", "grid"]
    search_fields = ["code", "address"]
    list_select_related = ["type", "grid"]
    import_kind = "facility"


class CatalogueAdmin(admin.ModelAdmin):
    """City-wide catalogues: staff read them, superusers edit them."""

    list_display = ["code", "name", "is_active"]
    search_fields = ["code", "name"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(ResidentTag, CatalogueAdmin)
admin.site.register(KeyPersonCategory, CatalogueAdmin)
admin.site.register(SafetyTag, CatalogueAdmin)


@admin.register(FacilityType)
class FacilityTypeAdmin(CatalogueAdmin):
    list_display = ["code", "name", "major", "is_active"]
    list_filter = ["major"]


@admin.register(VisitRule)
class VisitRuleAdmin(CatalogueAdmin):
    """How often each category and risk level is visited: the rule superusers set."""

    list_display = ["category", "risk_level", "interval_days"]
    list_filter = ["category", "risk_level"]
    search_fields = []


@admin.register(ResidentExport)
class ResidentExportAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "file_format", "rows"]
    list_filter = ["file_format"]
    list_select_related = ["user"]

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
