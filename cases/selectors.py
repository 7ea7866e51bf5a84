"""Reads of cases that need more than a filter: open cases near a point (possible duplicates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from cases.models import Case, Category
from cases.querysets import OPEN_STATUSES
from grids.geo.shapes import bbox_around, distance_m
from grids.scope import Scope

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
        .exclude(pk=exclude)
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
