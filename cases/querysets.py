"""Reads of cases."""

from collections.abc import Callable
from datetime import datetime

from django.db import models
from django.utils import timezone

from grids.scope import GRIDS, Scope

# Statuses in which a case still needs work; a case past its due time in one of these is
# overdue. Rejected cases are finished without being closed and are never overdue.
OPEN_STATUSES = ("reported", "accepted", "assigned", "in_progress", "resolved")


# How callers of scope levels that have no territory of their own see cases, registered by the
# app that defines the level (mediation, for mediators: the cases of the mediations they see).
CaseVisibility = Callable[[models.QuerySet, Scope], models.QuerySet]
_visibility_by_level: dict[str, CaseVisibility] = {}


def register_visibility(level: str, visibility: CaseVisibility) -> None:
    _visibility_by_level[level] = visibility


class CaseQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        """Cases in the caller's territory; a grid worker also sees what they reported or handle.

        A scope level without a territory sees what its app registered (`register_visibility`),
        else nothing.
        """
        if scope.level in _visibility_by_level:
            return _visibility_by_level[scope.level](self, scope)
        if scope.level == GRIDS:
            return self.filter(
                models.Q(grid_id__in=scope.grid_ids)
                | models.Q(reporter_id=scope.user_id)
                | models.Q(assignee_worker__user_id=scope.user_id)
            )
        return scope.filter(
            self,
            district="street__district_code",
            street="street_id",
            community="community_id",
            grid="grid_id",
        )

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now: datetime | None = None):
        return self.open().filter(due_at__lt=now or timezone.now())

    def not_overdue(self, now: datetime | None = None):
        return self.exclude(status__in=OPEN_STATUSES, due_at__lt=now or timezone.now())

    def for_list(self):
        return self.select_related(
            "category__major", "street", "community", "grid", "micro_grid", "reporter", "assignee_worker"
        )
