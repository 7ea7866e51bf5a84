"""Reads of base data: each model's `visible_to(scope)`, through its grid, as the territory is seen.

Key persons are narrower. Being one is sensitive personal data (PIPL art. 28: criminal
records, health), so only the centre (superusers, street admins of the street) and the
worker responsible for them see them; community staff and district viewers get counts only
(`registry.selectors.key_person_counts`), everyone else nothing. Nothing outside this file
decides who sees a key person.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils import timezone

from core.access import Role
from grids.scope import Scope


def _through_grid(queryset, scope: Scope, grid: str = "grid"):
    return scope.filter(
        queryset,
        district=f"{grid}__community__street__district_code",
        street=f"{grid}__community__street_id",
        community=f"{grid}__community_id",
        grid=f"{grid}_id",
    )


class BuildingQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        return _through_grid(self, scope)


class HouseQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        return _through_grid(self, scope, "building__grid")


class ResidentQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        return _through_grid(self, scope)

    def present(self):
        return self.filter(moved_out=False)


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        return _through_grid(self, scope)


class FacilityQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        return _through_grid(self, scope)


# Who sees key persons one by one: the centre, and a grid worker the ones they are responsible for.
KEY_PERSON_CENTRE = frozenset({Role.SUPERUSER, Role.STREET_ADMIN})
# Who learns how many there are, by grid, and nothing more.
KEY_PERSON_COUNTS = KEY_PERSON_CENTRE | {Role.COMMUNITY_STAFF, Role.DISTRICT_VIEWER}


def today() -> date:
    return timezone.localdate()


class KeyPersonQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        if scope.role in KEY_PERSON_CENTRE:
            return scope.filter(self, street="grid__community__street_id")
        if scope.role == Role.GRID_WORKER and scope.user_id is not None:
            return self.filter(responsible_worker__user_id=scope.user_id)
        return self.none()

    def countable_by(self, scope: Scope):
        """The key persons whose numbers the caller may know (never who they are)."""
        if scope.role not in KEY_PERSON_COUNTS:
            return self.visible_to(scope)
        return _through_grid(self, scope)

    def active(self):
        return self.filter(status="active")

    def overdue(self, on: date | None = None):
        """Under supervision and past the day their next visit was due (超期未走访)."""
        return self.active().filter(next_visit_due__lt=on or today())

    def not_overdue(self, on: date | None = None):
        return self.exclude(status="active", next_visit_due__lt=on or today())


class VisitQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        from registry.models import KeyPerson

        return self.filter(key_person__in=KeyPerson.objects.visible_to(scope).values("pk"))
