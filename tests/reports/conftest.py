"""A year of varied cases and mediations across the test world, and the figures counted by hand.

The rows are written straight to the tables with fixed random choices, so that every
combination the metrics distinguish occurs (closed late, reworked, escalated, overdue,
each satisfaction, mediations with and without agreements or follow-ups). The `expected_*`
functions count the same figures in plain Python over the objects, independently of the
report queries.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from cases.models import Case
from grids.models import UserScope
from mediation.models import Agreement, FollowUp, JudicialConfirmation, MediationCase
from reports import rollup
from tests.factories import (
    CaseFactory,
    CategoryFactory,
    MediationRoomFactory,
    MediatorFactory,
    UserFactory,
    UserScopeFactory,
)
from tests.mediation.conftest import make_mediation, roster  # noqa: F401  (mediated disputes)

OPEN = {"reported", "accepted", "assigned", "in_progress", "resolved"}
STATUSES = [
    "reported",
    "accepted",
    "assigned",
    "in_progress",
    "resolved",
    "closed",
    "closed",
    "closed",
    "rejected",
]
# "Now" for the reports under test: the middle of the test year, so some open cases are overdue.
NOW = timezone.make_aware(datetime(2025, 7, 1, 12, 0))


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


@dataclass
class Data:
    cases: list[Case]
    mediations: list[MediationCase]
    categories: list
    mediators: list
    rooms: list
    mediator_user: object


def _case(rng: random.Random, grid, category, reported_at: datetime, reporter) -> Case:
    status = rng.choice(STATUSES)
    limit = timedelta(hours=rng.choice([24, 48, 72]))
    fields = {
        "grid": grid,
        "category": category,
        "kind": rng.choice(["incident", "dispute", "city_management"]),
        "source": rng.choice(["patrol", "resident", "hotline_12345", "wechat_group"]),
        "triage": rng.choice(["big", "small", "private"]),
        "level": rng.choice(["grid", "grid", "community", "street", "district"]),
        "status": status,
        "reported_at": reported_at,
        "due_at": reported_at + limit,
        "rework_count": rng.choice([0, 0, 0, 1, 2]),
        "escalation_count": rng.choice([0, 0, 1]),
        "reporter": reporter,
    }
    if status not in {"reported", "rejected"}:
        fields["accepted_at"] = reported_at + timedelta(hours=1)
    if status == "closed":
        # Whole hours, some within the limit and some after it, so medians are exact.
        fields["closed_at"] = reported_at + timedelta(hours=rng.randint(2, 100))
        fields["satisfaction"] = rng.choice(["", "satisfied", "basically_satisfied", "dissatisfied"])
    if status == "rejected":
        fields["rejected_at"] = reported_at + timedelta(hours=2)
    return CaseFactory(**fields)


def _mediation(rng: random.Random, case: Case, mediators, rooms, registrar, registered_at) -> MediationCase:
    status = rng.choice(["registered", "mediating", "agreed", "agreed", "failed", "withdrawn"])
    room = rng.choice([*rooms, None])
    mediation = MediationCase.objects.create(
        case=case,
        street=case.street,
        community=case.community,
        level=rng.choice(["grid", "community", "street"]),
        dispute_type=rng.choice(["neighbourhood", "marriage_family", "labour"]),
        lead_mediator=rng.choice([m for m in mediators if m.street_id == case.street_id]),
        room=room if room is None or room.street_id == case.street_id else None,
        status=status,
        registered_by=registrar,
        registered_at=registered_at,
        concluded_at=registered_at + timedelta(days=3)
        if status in {"agreed", "failed", "withdrawn"}
        else None,
    )
    if status == "agreed":
        agreement = Agreement.objects.create(
            mediation=mediation,
            form=rng.choice(["written", "written", "oral"]),
            content="赔偿 800 元",
            signed_on=registered_at.date(),
        )
        if agreement.form == "written" and rng.random() < 0.6:
            JudicialConfirmation.objects.create(
                agreement=agreement,
                applied_on=registered_at.date(),
                result=rng.choice(["confirmed", "confirmed", "refused"]),
                court="江津区人民法院",
            )
        # Zero to three visits; only the latest one decides whether it was fulfilled.
        for n in range(rng.choice([0, 1, 2, 3])):
            FollowUp.objects.create(
                mediation=mediation,
                visited_on=registered_at.date() + timedelta(days=10 * (n + 1)),
                by=registrar,
                performance=rng.choice(["fulfilled", "partly", "not"]),
            )
    return mediation


@pytest.fixture(autouse=True)
def _exact_reports(settings):
    """These tests check the reports' figures against hand counts, medians exactly: the raw
    path. The summary tables are checked against it in `test_rollup`."""
    settings.REPORTS_FROM_ROLLUP = False


@pytest.fixture
def data(world) -> Data:
    rng = random.Random(20250601)
    categories = [
        CategoryFactory(name="乱堆乱放"),
        CategoryFactory(name="占道经营"),
        CategoryFactory(name="邻里纠纷"),
    ]
    grids = [world.grid_a1, world.grid_a2, world.grid_a3, world.grid_b1]
    cases = []
    for _ in range(90):
        reported_at = local(2025, 1, 1) + timedelta(hours=rng.randint(0, 364 * 24 - 1))
        cases.append(_case(rng, rng.choice(grids), rng.choice(categories), reported_at, world.admin_a))
    # The edges of the period: the first and last moments of 2025 (local time) and just outside.
    for moment in (local(2025, 1, 1, 0, 0), local(2025, 12, 31, 23, 59, 59), local(2024, 12, 31, 23, 59, 59)):
        cases.append(_case(rng, world.grid_a1, categories[0], moment, world.admin_a))
    cases.append(_case(rng, world.grid_a1, categories[0], local(2026, 1, 1, 0, 0), world.admin_a))

    rooms = [
        MediationRoomFactory(
            name="浒溪调解室", street=world.street_a, community=world.community_a, level="community"
        ),
        MediationRoomFactory(name="圣泉街道调解室", street=world.street_a),
        MediationRoomFactory(name="东城街道调解室", street=world.street_b),
    ]
    mediator_user = UserFactory(username="mediator-a")
    mediators = [
        MediatorFactory(street=world.street_a, user=mediator_user, name="王调解", home_room=rooms[0]),
        MediatorFactory(street=world.street_a, name="李和事"),
        MediatorFactory(street=world.street_b, name="赵调解"),
    ]
    UserScopeFactory(user=mediator_user, role=UserScope.Role.MEDIATOR, street=world.street_a)
    registrar = world.admin_a
    mediations = [
        _mediation(rng, case, mediators, rooms, registrar, case.reported_at + timedelta(days=1))
        for case in cases
        if case.kind == "dispute"
    ]
    for case in cases:
        case.refresh_from_db()
    rollup.rebuild()  # the rows were written around the steps
    return Data(cases, mediations, categories, mediators, rooms, mediator_user)


# --- the figures, counted by hand -------------------------------------------------------------


def ratio(numerator: int, denominator: int) -> dict:
    return {
        "value": round(numerator / denominator, 4) if denominator else None,
        "numerator": numerator,
        "denominator": denominator,
    }


def _hours(case: Case) -> float:
    return (case.closed_at - case.reported_at).total_seconds() / 3600


def expected_resolution(cases: list[Case], now: datetime = NOW) -> dict:
    # A duplicate merged into another case counts as merged only: not accepted, never closed.
    accepted = [c for c in cases if c.accepted_at is not None and c.status != "merged"]
    closed = [c for c in cases if c.status == "closed"]
    on_time = [c for c in closed if c.closed_at <= c.due_at]
    reworked = [c for c in closed if c.rework_count > 0]
    at_grid = [c for c in closed if c.level == "grid"]
    feedback = [c for c in cases if c.satisfaction]
    satisfied = [c for c in feedback if c.satisfaction in {"satisfied", "basically_satisfied"}]
    durations = [_hours(c) for c in closed]
    return {
        "total": len(cases),
        "accepted": len(accepted),
        "closed": len(closed),
        "closure_rate": ratio(len(closed), len(accepted)),
        "closed_on_time": len(on_time),
        "on_time_rate": ratio(len(on_time), len(accepted)),
        "reworked": len(reworked),
        "rework_rate": ratio(len(reworked), len(closed)),
        "merged": sum(1 for c in cases if c.status == "merged"),
        "open_cases": sum(1 for c in cases if c.status in OPEN),
        "overdue_open": sum(1 for c in cases if c.status in OPEN and c.due_at < now),
        "mean_hours_to_close": round(statistics.mean(durations), 2) if durations else None,
        "median_hours_to_close": round(statistics.median(durations), 2) if durations else None,
        "closed_at_grid": len(at_grid),
        "grid_level_rate": ratio(len(at_grid), len(closed)),
        "escalated": sum(1 for c in cases if c.escalation_count > 0),
        "feedback_given": len(feedback),
        "satisfied_feedback": len(satisfied),
        "satisfaction_rate": ratio(len(satisfied), len(feedback)),
    }


def expected_mediation(mediations: list[MediationCase]) -> dict:
    concluded = [x for x in mediations if x.status in {"agreed", "failed", "withdrawn"}]
    agreed = [x for x in mediations if x.status == "agreed"]
    agreements = list(Agreement.objects.filter(mediation__in=mediations))
    written = [a for a in agreements if a.form == "written"]
    confirmed = JudicialConfirmation.objects.filter(agreement__in=agreements, result="confirmed").count()
    latest = {}
    for visit in FollowUp.objects.filter(mediation__in=agreed).order_by("visited_on", "pk"):
        latest[visit.mediation_id] = visit.performance
    fulfilled = sum(1 for performance in latest.values() if performance == "fulfilled")
    return {
        "registered": len(mediations),
        "concluded": len(concluded),
        "agreed": len(agreed),
        "success_rate": ratio(len(agreed), len(concluded)),
        "agreements": len(agreements),
        "written_agreements": len(written),
        "written_share": ratio(len(written), len(agreements)),
        "confirmed": confirmed,
        "followed_up": len(latest),
        "fulfilled": fulfilled,
        "fulfilled_rate": ratio(fulfilled, len(latest)),
    }


def in_year(moment: datetime, year: int = 2025) -> bool:
    return timezone.localtime(moment).year == year


def local_month(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m}"
