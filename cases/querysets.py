"""Reads of cases."""

import re
from collections.abc import Callable
from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


# The centre's work queues (the admin index counts them, the case list filters by them):
# name → (label, the condition; `now` and `today` are filled in when it is read).
WORK_QUEUES: dict[str, tuple] = {
    "to_accept": (_("to accept"), lambda now, today: models.Q(status="reported")),
    "to_dispatch": (_("to dispatch"), lambda now, today: models.Q(status="accepted")),
    "handling": (_("being handled"), lambda now, today: models.Q(status__in=["assigned", "in_progress"])),
    "to_verify": (_("to verify"), lambda now, today: models.Q(status="resolved")),
    "overdue": (_("overdue"), lambda now, today: models.Q(status__in=OPEN_STATUSES, due_at__lt=now)),
    "supervised_today": (_("supervised today"), lambda now, today: models.Q(supervisions__day=today)),
}

# Columns the API's list does not show (its detail does): each would be read and converted for
# every row of every page. A list field reading one of them would cost a query per row, which
# the pinned query counts of the list would show.
LIST_DEFERRED = (
    "description",
    "result",
    "feedback_note",
    "contact_name",
    "contact_phone",
    "latitude",
    "longitude",
    "accepted_at",
    "assigned_at",
    "started_at",
    "resolved_at",
    "rejected_at",
    "rework_count",
    "escalation_count",
    "satisfaction",
    "merged_into",
    "holder_kind",
    "holder_id",
    "created_at",
)

# A case number, or its beginning: the street's letters, then the year and serial digits.
CASE_NUMBER_PREFIX = re.compile(r"[A-Za-z]{1,8}-[0-9-]*")


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

    def in_queue(self, name: str, now: datetime | None = None):
        now = now or timezone.now()
        condition = WORK_QUEUES[name][1](now, timezone.localdate(now))
        return self.filter(condition)

    def queue_counts(self, now: datetime | None = None) -> dict[str, int]:
        """How many cases wait in each work queue: two queries over the open cases and today's
        supervisions, served by the (status, due_at) index and the supervisions' (case, day) key."""
        now = now or timezone.now()
        today = timezone.localdate(now)
        counts = self.filter(status__in=OPEN_STATUSES).aggregate(
            **{
                name: models.Count("pk", filter=condition(now, today))
                for name, (_label, condition) in WORK_QUEUES.items()
                if name != "supervised_today"
            }
        )
        counts["supervised_today"] = self.filter(supervisions__day=today).count()
        return counts

    def search(self, term: str):
        """The admin's search. A case number, or its beginning (SQ-2022-00), matches by prefix,
        served by the number's pattern index; other words match the title or the address, served
        on PostgreSQL by the trigram indexes (`0014_case_search_indexes`)."""
        term = term.strip()
        if CASE_NUMBER_PREFIX.fullmatch(term):
            return self.filter(number__startswith=term.upper())
        queryset = self
        for word in term.split():
            queryset = queryset.filter(models.Q(title__icontains=word) | models.Q(address__icontains=word))
        return queryset

    def for_list(self):
        """What the API's list reads: the columns it shows and the category's name (the other
        relations are given as ids). The long texts, the resident's sealed contact (decrypted
        on reading) and the stage times stay in the table."""
        return self.select_related("category").defer(*LIST_DEFERRED)


class DispatchUnitQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        """The units of the caller's street (community staff: of their community's street)."""
        return scope.filter(
            self,
            district="street__district_code",
            street="street_id",
            community="street__communities",
        )
