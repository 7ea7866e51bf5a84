from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME, ActionForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases import services, workflow
from cases.admin_workspace import CaseWorkspaceMixin, DispatchForm, due_state
from cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNumberCounter,
    Category,
    DispatchUnit,
    MajorCategory,
    Supervision,
)
from cases.querysets import WORK_QUEUES
from cases.timeline import case_timeline
from config.errors import DomainError
from grids.admin_base import EstimatedCountPaginator, PersonalDataAdminMixin, ScopedModelAdmin, masked
from grids.privacy import mask_name, mask_phone
from grids.scope import scope_for
from grids.selectors import point_map


class ReadOnlyAdminMixin:
    """History and bookkeeping rows: visible, never added, changed or deleted by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CatalogueAdmin(admin.ModelAdmin):
    """The catalogue is city-wide: staff read it, superusers edit it."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0
    fields = ["code", "name", "time_limit_hours", "default_triage", "default_level", "is_active"]


@admin.register(MajorCategory)
class MajorCategoryAdmin(CatalogueAdmin):
    list_display = ["code", "name", "default_kind"]
    search_fields = ["code", "name"]
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(CatalogueAdmin):
    list_display = [
        "code",
        "name",
        "major",
        "time_limit_hours",
        "default_triage",
        "default_level",
        "is_active",
    ]
    list_filter = ["major", "default_triage", "default_level", "is_active"]
    search_fields = ["code", "name", "major__name"]
    autocomplete_fields = ["major"]
    list_select_related = ["major"]

    def get_search_results(self, request, queryset, search_term):
        """The case form's category picker offers only the categories in use."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "case" and request.GET.get("field_name") == "category":
            queryset = queryset.filter(is_active=True)
        return queryset, may_have_duplicates


class CaseRowsInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Rows shown read-only inside the case page.

    Whoever may open the case page may read them: the case admin's scope and role decide.
    Django's own inline check asks for per-model permissions, which the project does not
    grant (the role decides), and hid the history from street admins and community staff.
    """

    def has_view_permission(self, request, obj=None):
        return True


class SupervisionInline(CaseRowsInline):
    model = Supervision
    fields = ["day", "overdue_hours", "created_at"]
    readonly_fields = fields
    extra = 0


class CaseActionForm(ActionForm):
    note = forms.CharField(label=_("Note or reason"), required=False)
    into = forms.CharField(label=_("Merge into case number"), required=False, max_length=24)
    due_at = forms.DateTimeField(
        label=_("New due time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class CaseAdminForm(forms.ModelForm):
    """The case form: categories in use, a micro-grid of the case's grid, and the version read.

    `expected_version` carries the version the form was opened at, so that saving a form
    someone else's change has overtaken is refused instead of silently overwriting it.
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Case
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        category = self.fields.get("category")
        if category is not None:
            in_use = Q(is_active=True)
            if self.instance.pk:
                in_use |= Q(pk=self.instance.category_id)  # a retired category the case already has
            category.queryset = category.queryset.filter(in_use)
        version = self.fields.get("expected_version")
        if version is not None and self.instance.pk:
            version.required = True
            version.initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        grid = cleaned.get("grid") if "grid" in self.fields else None
        if grid is None and self.instance.pk:
            grid = self.instance.grid
        micro_grid = cleaned.get("micro_grid")
        if micro_grid is not None and grid is not None and micro_grid.grid_id != grid.pk:
            self.add_error("micro_grid", _("The micro-grid must belong to the case's grid."))
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None and expected != self.instance.version:
            raise ValidationError(
                _(
                    "Someone changed this case after you opened it (now version %(version)d). "
                    "Open it again to see their change, then make yours."
                ),
                params={"version": self.instance.version},
                code="stale_version",
            )
        return cleaned


def _run_on_each(modeladmin, request, queryset, label, call):
    """Call a service for each selected case and tell the user what happened to each."""
    done = 0
    for case in queryset.order_by("pk"):
        try:
            call(case)
            done += 1
        except DomainError as error:
            modeladmin.message_user(request, f"{case.number}: {error.message}", messages.WARNING)
    if done:
        modeladmin.message_user(request, _("%(label)s: %(n)d case(s).") % {"label": label, "n": done})


class WorkQueueFilter(admin.SimpleListFilter):
    """The work queues of the admin index (待立案, 待派遣 …), each a filter of this list."""

    title = _("work queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(name, label) for name, (label, _condition) in WORK_QUEUES.items()]

    def queryset(self, request, queryset):
        if self.value() in WORK_QUEUES:
            return queryset.in_queue(self.value())
        return queryset


@admin.register(Case)
class CaseAdmin(CaseWorkspaceMixin, PersonalDataAdminMixin, ScopedModelAdmin):
    """Cases change only through the services: the form edits the description, the workspace's
    buttons and the list's actions move them."""

    editor_grant = ("cases", "admin_edit")
    list_display = [
        "number",
        "title",
        "status",
        "priority",
        "grid",
        "assignee",
        "reported",
        "due",
    ]
    list_filter = [
        WorkQueueFilter,
        "status",
        "priority",
        "kind",
        "level",
        "triage",
        "source",
        "is_overdue",
        "on_the_spot",
        "street",
    ]
    # The search itself is `CaseQuerySet.search`: a number by prefix, else title and address.
    search_fields = ["number", "title", "address"]
    search_help_text = _("A case number (or its beginning, SQ-2022-00), or words of the title or address.")
    list_select_related = ["grid", "assignee_worker"]
    autocomplete_fields = ["category", "grid", "micro_grid"]
    paginator = EstimatedCountPaginator
    form = CaseAdminForm
    action_form = CaseActionForm
    actions = [
        "accept_cases",
        "reject_cases",
        "assign_cases",
        "verify_cases",
        "rework_cases",
        "escalate_cases",
        "extend_cases",
        "merge_cases",
        "comment_cases",
    ]
    inlines = [SupervisionInline]
    personal_fields = {"contact_name": mask_name, "contact_phone": mask_phone}
    masked_contact_name = masked("contact_name", mask_name, _("resident's name"))
    masked_contact_phone = masked("contact_phone", mask_phone, _("resident's phone"))
    fields = [
        "kind",
        "category",
        "grid",
        "micro_grid",
        "source",
        "priority",
        "triage",
        "title",
        "description",
        "address",
        "latitude",
        "longitude",
        "contact_name",
        "contact_phone",
    ]
    readonly_fields = [
        "number",
        "status",
        "level",
        "reporter",
        "assignee_worker",
        "assignee_unit",
        "reported_at",
        "accepted_at",
        "assigned_at",
        "started_at",
        "resolved_at",
        "closed_at",
        "rejected_at",
        "due_at",
        "is_overdue",
        "result",
        "rework_count",
        "escalation_count",
        "satisfaction",
        "feedback_note",
        "merged_into",
        "version",
    ]

    class Media:
        css = {"all": ["cases/admin.css"]}

    @admin.display(description=_("assigned to"))
    def assignee(self, case):
        if case.assignee_worker_id:
            return case.assignee_worker.name
        return case.assignee_unit or "—"

    @admin.display(description=_("reported at"), ordering="reported_at")
    def reported(self, case):
        return timezone.localtime(case.reported_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("due at"), ordering="due_at")
    def due(self, case):
        text, css = due_state(case, timezone.now())
        local = timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")
        if css == "late" and case.status in {"closed"}:
            return format_html(
                '<span class="case-date">{}</span> <span class="case-badge case-badge-late-closed">{}</span>',
                local,
                text,
            )
        if css == "late":
            return format_html(
                '{} <span class="case-badge case-badge-overdue">{}</span>', local, _("overdue")
            )
        return local

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.search(search_term), False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context.update(self.workspace_context(request, obj))
            context["timeline"] = case_timeline(obj)
        # The page's own case (its grid already read for the form): the map costs no query.
        if obj is not None:
            context["territory_map"] = {
                "title": _("Where the case was reported"),
                "note": "" if obj.latitude is not None else _("The case has no point."),
                "config": point_map(grid=obj.grid, lat=obj.latitude, lng=obj.longitude, label=obj.number),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f not in self.get_exclude(request, obj)]
        if obj is None:
            return [f for f in fields if f not in self.readonly_fields]
        if self.has_change_permission(request, obj):
            fields.append("expected_version")
        return fields

    def has_change_permission(self, request, obj=None):
        """The form edits a case only while the workflow lets this user update it; else it is read-only."""
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or "update" in workflow.allowed_actions(obj, scope_for(request.user))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += ["kind", "grid"]
        return readonly

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name != "expected_version"}
        if change:
            if data:
                services.case_update(
                    case_id=obj.pk,
                    actor=request.user,
                    data=data,
                    expected_version=form.cleaned_data["expected_version"],
                )
            obj.refresh_from_db()
            return
        data = {name: form.cleaned_data[name] for name in form.cleaned_data if name in self.fields}
        created = services.case_create(
            actor=request.user, **{k: v for k, v in data.items() if v not in (None, "")}
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """Inlines are read-only; nothing else hangs off a case that the form could save.

        The admin's change message reads what each formset saved: nothing, by construction.
        """
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.action(description=_("Accept the selected cases (立案)"))
    def accept_cases(self, request, queryset):
        note = request.POST.get("note", "")
        _run_on_each(
            self,
            request,
            queryset,
            _("Accepted"),
            lambda case: services.case_accept(case_id=case.pk, actor=request.user, note=note),
        )

    @admin.action(description=_("Do not accept the selected cases (reason in the note)"))
    def reject_cases(self, request, queryset):
        reason = request.POST.get("note", "")
        _run_on_each(
            self,
            request,
            queryset,
            _("Not accepted"),
            lambda case: services.case_reject(case_id=case.pk, actor=request.user, reason=reason),
        )

    @admin.action(description=_("Verify and close the selected cases (结案)"))
    def verify_cases(self, request, queryset):
        note = request.POST.get("note", "")
        _run_on_each(
            self,
            request,
            queryset,
            _("Closed"),
            lambda case: services.case_verify(case_id=case.pk, actor=request.user, passed=True, note=note),
        )

    @admin.action(description=_("Send the selected cases back for rework (what to redo in the note)"))
    def rework_cases(self, request, queryset):
        note = request.POST.get("note", "")
        _run_on_each(
            self,
            request,
            queryset,
            _("Sent back for rework"),
            lambda case: services.case_verify(case_id=case.pk, actor=request.user, passed=False, note=note),
        )

    @admin.action(description=_("Dispatch the selected cases to a worker or a unit (派遣)"))
    def assign_cases(self, request, queryset):
        """An intermediate page asks for the worker or unit; its submit dispatches every case."""
        scope = scope_for(request.user)
        where = {
            "scope": scope,
            "grid_ids": set(queryset.values_list("grid_id", flat=True)),
            "street_ids": set(queryset.values_list("street_id", flat=True)),
        }
        if "apply" in request.POST:
            form = DispatchForm(request.POST, **where)
            if form.is_valid():
                to, note = form.dispatch_to(), form.cleaned_data["note"]
                _run_on_each(
                    self,
                    request,
                    queryset,
                    _("Dispatched"),
                    lambda case: services.case_assign(case_id=case.pk, actor=request.user, note=note, **to),
                )
                return None
        else:
            form = DispatchForm(initial={"note": request.POST.get("note", "")}, **where)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Dispatch cases"),
            "opts": self.model._meta,
            "form": form,
            "cases": queryset.order_by("pk"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/cases/case/assign_cases.html", context)

    @admin.action(
        description=_("Extend the due time of the selected cases (new due time, reason in the note)")
    )
    def extend_cases(self, request, queryset):
        form = CaseActionForm(request.POST)
        form.is_valid()
        due_at = form.cleaned_data.get("due_at")
        if due_at is None:
            self.message_user(request, _("Give the new due time next to the action."), messages.ERROR)
            return
        reason = request.POST.get("note", "")
        _run_on_each(
            self,
            request,
            queryset,
            _("Extended"),
            lambda case: services.case_extend(
                case_id=case.pk, actor=request.user, due_at=due_at, reason=reason
            ),
        )

    @admin.action(description=_("Escalate the selected cases (reason in the note)"))
    def escalate_cases(self, request, queryset):
        reason = request.POST.get("note", "")
        _run_on_each(
            self,
            request,
            queryset,
            _("Escalated"),
            lambda case: services.case_escalate(case_id=case.pk, actor=request.user, reason=reason),
        )

    @admin.action(
        description=_("Merge the selected cases into another as duplicates (its number and the reason above)")
    )
    def merge_cases(self, request, queryset):
        number = request.POST.get("into", "").strip()
        into = (
            Case.objects.visible_to(scope_for(request.user))
            .filter(number=number)
            .values_list("pk", flat=True)
            .first()
        )
        if into is None:
            self.message_user(
                request, _("Give the number of an open case you see to merge into."), messages.ERROR
            )
            return
        reason = request.POST.get("note", "")
        _run_on_each(
            self,
            request,
            queryset,
            _("Merged"),
            lambda case: services.case_merge(case_id=case.pk, actor=request.user, into=into, reason=reason),
        )

    @admin.action(description=_("Comment on the selected cases"))
    def comment_cases(self, request, queryset):
        note = request.POST.get("note", "")
        _run_on_each(
            self,
            request,
            queryset,
            _("Commented"),
            lambda case: services.case_comment(case_id=case.pk, actor=request.user, note=note),
        )


@admin.register(DispatchUnit)
class DispatchUnitAdmin(ScopedModelAdmin):
    """Each street keeps the list of units its centre dispatches to; its admins edit it."""

    list_display = ["name", "street", "is_active"]
    list_filter = ["is_active", "street"]
    search_fields = ["name"]
    list_select_related = ["street"]


class CaseChildAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Rows hanging off a case, seen within the case's scope."""

    def get_queryset(self, request):
        visible = Case.objects.visible_to(scope_for(request.user)).values("pk")
        return admin.ModelAdmin.get_queryset(self, request).filter(case__in=visible)


@admin.register(CaseEvent)
class CaseEventAdmin(CaseChildAdmin):
    list_display = ["case", "action_label", "actor", "at", "from_status", "to_status"]
    list_filter = ["action", "to_status"]
    search_fields = ["=case__number"]
    list_select_related = ["case", "actor"]
    paginator = EstimatedCountPaginator

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, event):
        return workflow.action_label(event.action)


@admin.register(Supervision)
class SupervisionAdmin(CaseChildAdmin):
    list_display = ["case", "day", "overdue_hours", "created_at"]
    list_filter = ["day"]
    search_fields = ["=case__number"]
    list_select_related = ["case"]
    paginator = EstimatedCountPaginator  # one row per overdue case per day: grows like the history


@admin.register(CaseAttachment)
class CaseAttachmentAdmin(CaseChildAdmin):
    list_display = ["case", "download_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type"]
    search_fields = ["=case__number"]
    list_select_related = ["case", "uploaded_by"]

    @admin.display(description=_("file name"))
    def download_name(self, attachment):
        return attachment.download_name


class SuperuserReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(CaseNumberCounter)
class CaseNumberCounterAdmin(SuperuserReadOnlyAdmin):
    list_display = ["street", "year", "last"]
    list_filter = ["year"]
    list_select_related = ["street"]
