"""Who may change the territory and read residents' data in full; the grids app's grants.

Which objects exist for a caller is the scope's business (`grids.scope`); this is what their
role allows with them.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.access import ACCESS, CENTRE, DISPATCHERS
from grids.scope import scope_for

ACCESS.register(
    "grids",
    {
        # Territory and staff writes: superusers anywhere, street admins in their street.
        "edit_territory": CENTRE,
        # Residents' names and phones on the territory's records (micro-grid leaders, members).
        "reveal": DISPATCHERS,
        # Grid workers' phones: read in full, and revealed, by those who dispatch them.
        "read_worker_phone": DISPATCHERS,
    },
)


def may_edit_street(scope, street_id: int | None) -> bool:
    """Territory and staff writes: superusers anywhere, street admins in their own street."""
    if not ACCESS.role_may("grids", "edit_territory", scope.role):
        return False
    return scope.is_superuser or street_id == scope.street_id


def reads_worker_phones(scope) -> bool:
    """Whether the caller reads grid workers' phones in full (else masked)."""
    return ACCESS.role_may("grids", "read_worker_phone", scope.role)


class TerritoryEditorOrReadOnly(BasePermission):
    """Anyone may read what their scope shows; street admins and superusers may write."""

    message = _("Your role may not change the territory or its staff.")

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return ACCESS.role_may("grids", "edit_territory", scope_for(request.user).role)
