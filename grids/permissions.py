"""Role checks for API writes. Which objects exist for a caller is the scope's business."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from grids.scope import scope_for

TERRITORY_EDITORS = frozenset({"superuser", "street_admin"})
# The centre and community staff dispatch cases to grid workers: they call them.
WORKER_DISPATCHERS = frozenset({"superuser", "street_admin", "community_staff"})


class TerritoryEditorOrReadOnly(BasePermission):
    """Anyone may read what their scope shows; street admins and superusers may write."""

    message = _("Your role may not change the territory or its staff.")

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return scope_for(request.user).role in TERRITORY_EDITORS
