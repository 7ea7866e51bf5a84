"""Reads of cases."""

from datetime import datetime

from django.apps import apps
from django.db import models
from django.utils import timezone

from grids.scope import GRIDS, MEDIATION, Scope

# Statuses in which a case still needs work; a case past its due time in one of these is
# overdue. Rejected cases are finished without being closed and are never overdue.
OPEN_STATUSES = ("reported", "accepted", "assigned", "in_progress", "resolved")


class CaseQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        """Cases in the caller's territory; a grid worker also sees what they reported or handle.

        A mediator sees the dispute cases whose mediation they see.
        """
        if scope.level == MEDIATION:
            mediations = apps.get_model("mediation", "MediationCase").objects.visible_to(scope)
            return self.filter(pk__in=mediations.values("case_id"))
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
