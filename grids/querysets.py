"""Reads of the territory: each model's `visible_to(scope)` names its path to the territory.

Streets and communities are also visible to users below them (a grid worker sees the
street and the community their grids belong to), so that a client can show names; they
are never editable from below.
"""

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q

from core.access import Role
from grids.scope import Scope


def _without_duplicates(queryset, scope: Scope, **paths):
    """Filter through a to-many path without repeating rows: `pk IN (subquery)`."""
    inner = scope.filter(queryset.model._base_manager.all(), **paths)
    return queryset.filter(pk__in=inner.values("pk"))


class StreetQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        return _without_duplicates(
            self,
            scope,
            district="district_code",
            street="pk",
            community="communities",
            grid="communities__grids",
        )


class CommunityQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        return _without_duplicates(
            self,
            scope,
            district="street__district_code",
            street="street_id",
            community="pk",
            grid="grids",
        )


# The geometry columns of a territory node: a street's boundary may hold thousands of points,
# which a case placed in one of its grids never needs (the spatial index holds the shapes).
SHAPES = ("boundary", "label_point")


class GridQuerySet(models.QuerySet):
    def with_parents(self):
        """Grids with their community and street, all three without their shapes."""
        return self.select_related("community__street").defer(
            *(f"{path}{name}" for path in ("", "community__", "community__street__") for name in SHAPES)
        )

    def visible_to(self, scope: Scope):
        return scope.filter(
            self,
            district="community__street__district_code",
            street="community__street_id",
            community="community_id",
            grid="pk",
        )


class MicroGridQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        return scope.filter(
            self,
            district="grid__community__street__district_code",
            street="grid__community__street_id",
            community="grid__community_id",
            grid="grid_id",
        )


class GridWorkerQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        """Workers of the street; below the street, workers covering a grid in scope."""
        return _without_duplicates(
            self,
            scope,
            district="street__district_code",
            street="street_id",
            community="grids__community_id",
            grid="grids",
        )


class CoGovernanceMemberQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        return scope.filter(
            self,
            district="community__street__district_code",
            street="community__street_id",
            community="community_id",
            grid="grid_id",
        )


def accounts_free_for_grid_worker():
    """Active accounts that may become a grid worker's: nobody's worker yet, no other role.

    Superusers and accounts scoped as anything but a grid worker (another street's admin,
    a mediator) are left out, so that a worker record cannot lend them a second identity.
    """
    return get_user_model().objects.filter(
        Q(scope__isnull=True) | Q(scope__role=Role.GRID_WORKER),
        is_active=True,
        is_superuser=False,
        grid_worker__isnull=True,
    )
