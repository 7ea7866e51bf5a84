from django.contrib import admin

from core.models import IdempotencyKey


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    """Bookkeeping of retried creates: superusers read it; nobody adds, changes or deletes by hand."""

    list_display = ["user", "key", "state", "response_status", "created_at"]
    list_filter = ["state"]
    search_fields = ["key", "user__username"]
    list_select_related = ["user"]
    # The stored answer may name a resident: it is replayed to its client, not shown here.
    exclude = ["response_body"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
