"""Reads of cases that need more than a filter: open cases near a point (possible duplicates),
and what waits for the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import workflow
from cases.models import Case, Category
from cases.querysets import OPEN_STATUSES
from config.errors import RoleNotAllowed
from grids.geo.shapes import bbox_around, distance_m
from grids.scope import NOTHING, Scope

NEARBY_LIMIT = 20


@dataclass(frozen=True)
class NearbyCase:
    id: int
    number: str
    title: str
    status: str
    reported_at: datetime
    grid: int
    latitude: float
    longitude: float
    distance_m: float


def cases_nearby(
    *,
    scope: Scope,
    lng: float,
    lat: float,
    category: Category,
    now: datetime | None = None,
    exclude: int | None = None,
    limit: int = NEARBY_LIMIT,
) -> list[NearbyCase]:
    """Open cases of `category` the caller sees within the category's duplicate radius of the
    (WGS-84) point, reported within its duplicate period before `now`, nearest first.

    The database narrows them to a small box of latitude and longitude (`case_nearby_idx`);
    the exact distance, a great circle, is measured here on the few that are left.
    """
    radius = category.duplicate_radius_m
    since = (now or timezone.now()) - timedelta(hours=category.duplicate_window_hours)
    min_lng, min_lat, max_lng, max_lat = bbox_around(lng, lat, radius)
    rows = (
        Case.objects.visible_to(scope)
        .filter(
            category=category,
            status__in=OPEN_STATUSES,
            latitude__isnull=False,
            latitude__range=(round(min_lat, 6), round(max_lat, 6)),
            longitude__range=(round(min_lng, 6), round(max_lng, 6)),
            reported_at__gte=since,
        )
        .exclude(pk=exclude or 0)
        .order_by()  # sorted by distance below
        .values_list("pk", "number", "title", "status", "reported_at", "grid_id", "latitude", "longitude")
    )
    found = []
    for pk, number, title, status, reported_at, grid, case_lat, case_lng in rows:
        distance = distance_m(lng, lat, float(case_lng), float(case_lat))
        if distance <= radius:
            found.append(
                NearbyCase(
                    pk,
                    number,
                    title,
                    status,
                    reported_at,
                    grid,
                    float(case_lat),
                    float(case_lng),
                    round(distance, 1),
                )
            )
    found.sort(key=lambda c: (c.distance_m, c.id))
    return found[:limit]


def possible_duplicates(*, scope: Scope, case: Case) -> list[NearbyCase]:
    """The open cases a new case may repeat: same category, near its point, recent."""
    if case.latitude is None or case.longitude is None:
        return []
    return cases_nearby(
        scope=scope,
        lng=float(case.longitude),
        lat=float(case.latitude),
        category=case.category,
        exclude=case.pk,
    )


# --- what waits for the caller ------------------------------------------------------------------

# The centre's queues a role sees in its work: those whose next step it may take.
QUEUE_ACTIONS = {
    "to_accept": "accept",
    "to_dispatch": "assign",
    "handling": "assign",
    "to_verify": "verify",
    "overdue": "assign",
    "supervised_today": "assign",
}


@dataclass(frozen=True)
class WorkCounts:
    open: int
    overdue: int
    by_status: dict[str, int]


@dataclass(frozen=True)
class MyWork:
    assigned_to_me: WorkCounts
    reported_by_me: WorkCounts
    queues: dict[str, int]


def _open_counts(queryset, now: datetime) -> WorkCounts:
    """Open cases by status and how many are overdue: one aggregate query."""
    counts = queryset.filter(status__in=OPEN_STATUSES).aggregate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        **{status: Count("pk", filter=Q(status=status)) for status in OPEN_STATUSES},
    )
    by_status = {status: counts[status] for status in OPEN_STATUSES}
    return WorkCounts(open=sum(by_status.values()), overdue=counts["overdue"], by_status=by_status)


def my_work(*, scope: Scope, now: datetime | None = None) -> MyWork:
    """What waits for the caller among the cases they see: the open cases assigned to them
    (as a grid worker), those they reported, and the centre's queues whose next step their
    role takes. Three queries, four with today's supervisions. A caller without a role is
    refused (403): they have no work."""
    if scope.level == NOTHING:
        raise RoleNotAllowed(_("Your role has no cases to work on."))
    now = now or timezone.now()
    visible = Case.objects.visible_to(scope)
    queue_names = [name for name, action in QUEUE_ACTIONS.items() if scope.role in workflow.ROLES[action]]
    queues = visible.queue_counts(now) if queue_names else {}
    return MyWork(
        assigned_to_me=_open_counts(visible.filter(assignee_worker__user_id=scope.user_id), now),
        reported_by_me=_open_counts(visible.filter(reporter_id=scope.user_id), now),
        queues={name: queues[name] for name in queue_names},
    )
