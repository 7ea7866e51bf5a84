"""Admin base classes shared by every app: the same scope and roles as the API.

A street admin who signs in to the admin sees and edits their street only; a district
viewer sees the district read-only; superusers see everything. Django's per-model
permissions are not used for this: the role decides, as it does in the API.
"""

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import connections, transaction
from django.http import HttpResponseRedirect
from django.utils.functional import cached_property

from config.errors import DomainError, InvalidInput
from core.access import ACCESS
from grids.scope import NO_ROLE, scope_for
from grids.services import personal_data_reveal


def _is_scoped(model) -> bool:
    return hasattr(model._default_manager, "visible_to")


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A list filter on a relation that offers only the rows the user's scope shows.

    Django's own filter lists every row of the related table, which would show a street
    admin the names of the other streets and their communities.
    """

    def field_choices(self, field, request, model_admin):
        queryset = field.related_model._default_manager.visible_to(scope_for(request.user))
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset]


class ScopedModelAdmin(admin.ModelAdmin):
    """Rows, foreign-key choices and list filters limited to the user's scope; writes by role.

    A service that refuses a write the form let through (a domain error) is shown as an
    error message on the same page; the admin's transaction has rolled the write back.
    """

    # The grant that allows writes here (`core.access.ACCESS`): (app, action).
    editor_grant: tuple[str, str] = ("grids", "edit_territory")
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(scope_for(request.user))

    def get_list_filter(self, request):
        return [self._scoped_list_filter(entry) for entry in super().get_list_filter(request)]

    def _scoped_list_filter(self, entry):
        if not isinstance(entry, str):
            return entry
        try:
            field = get_fields_from_path(self.model, entry)[-1]
        except FieldDoesNotExist:
            return entry
        if field.is_relation and _is_scoped(field.related_model):
            return (entry, ScopedRelatedFieldListFilter)
        return entry

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            return self._refused(request, exc)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            return self._refused(request, exc)

    def response_action(self, request, queryset):
        # An action (delete selected) runs outside the admin's form transaction: one refused
        # row must undo the rows the action already changed.
        try:
            with transaction.atomic():
                return super().response_action(request, queryset)
        except DomainError as exc:
            return self._refused(request, exc)

    def _refused(self, request, exc: DomainError):
        message = exc.message
        if isinstance(exc, InvalidInput):
            try:
                label = self.model._meta.get_field(exc.field).verbose_name
                message = f"{label}: {message}"
            except FieldDoesNotExist:
                pass
        self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if _is_scoped(related) and "queryset" not in kwargs:
            kwargs["queryset"] = related._default_manager.visible_to(scope_for(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.related_model
        if _is_scoped(related) and "queryset" not in kwargs:
            kwargs["queryset"] = related._default_manager.visible_to(scope_for(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and scope_for(request.user).role != NO_ROLE

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def _may_edit(self, request) -> bool:
        return self.has_module_permission(request) and ACCESS.role_may(
            *self.editor_grant, scope_for(request.user).role
        )

    def has_add_permission(self, request):
        return self._may_edit(request)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request)


class MaskedForViewersAdminMixin:
    """Personal data in full for the users who may edit the record, masked for the others.

    `personal_fields` maps a model field to its mask, and the admin class defines
    `masked_<field>` (see `masked`). Users who may only view get that read-only column in
    the form instead of the field, and in the list wherever `list_display` names the field.
    """

    personal_fields: dict[str, callable] = {}

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if self._may_edit(request):
            return columns
        return [f"masked_{name}" if name in self.personal_fields else name for name in columns]

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if not self._may_edit(request):
            excluded += list(self.personal_fields)
        return excluded

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self._may_edit(request):
            fields += [f"masked_{name}" for name in self.personal_fields]
        return fields


class PersonalDataAdminMixin(MaskedForViewersAdminMixin):
    """List pages show residents' data masked; opening a record to edit it is a reveal.

    Users who may only view get the masked values; editors see the full values in the
    form, and each opening of the form writes one audit row per field, as the API's reveal
    call does.
    """

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and self._may_edit(request):
            obj = self.get_object(request, object_id)
            if obj is not None:
                for name in self.personal_fields:
                    if getattr(obj, name):
                        personal_data_reveal(user=request.user, obj=obj, field=name)
        return super().change_view(request, object_id, form_url, extra_context)


def masked(field: str, mask, label):
    """A list_display / readonly column showing `field` masked, for a ModelAdmin class body."""

    @admin.display(description=label)
    def column(model_admin, obj):
        return mask(getattr(obj, field))

    column.__name__ = f"masked_{field}"
    return column


class EstimatedCountPaginator(Paginator):
    """On PostgreSQL, a large list is counted from the planner's estimate, not by COUNT(*).

    An exact count of millions of cases, even filtered to a street and a status, costs more
    than the page itself. The planner's row estimate of the list's own query (EXPLAIN, which
    plans without running it) takes a millisecond whatever the filters, scope or search;
    when it is below EXACT_BELOW rows the count is exact, cheap at that size and what the
    user checks. The page links of an estimated count are approximate. SQLite counts exactly.
    """

    EXACT_BELOW = 100_000

    @cached_property
    def count(self):
        estimate = self._planner_estimate()
        if estimate is not None and estimate >= self.EXACT_BELOW:
            return estimate
        return super().count

    def _planner_estimate(self) -> int | None:
        queryset = self.object_list
        if not hasattr(queryset, "query") or connections[queryset.db].vendor != "postgresql":
            return None
        try:
            sql, params = queryset.order_by().query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:
            return None
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])
