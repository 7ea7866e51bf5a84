"""What an event is about, read once: the facts a message may carry and the people around it.

A message carries the case's number, its category, its grid, its due time and a link, and
nothing of a resident: no name, phone or ID number, and not the case's title or address,
which workers type and which often hold them. The people around the subject (assignee,
reporter, mediators) are the service's own users, found here so that the recipients' rules
need no second read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from cases.models import Case
from grids.models import Grid
from mediation.models import MediationCase


@dataclass
class Subject:
    kind: str
    id: int
    number: str
    category: str
    grid_name: str
    due_at: datetime | None
    link: str
    street_id: int | None
    community_id: int | None
    grid_id: int | None
    district_code: str = ""
    level: str = ""
    assignee_user_id: int | None = None
    reporter_id: int | None = None
    mediator_user_ids: list[int] = field(default_factory=list)
    responsible_user_id: int | None = None
    extra: dict = field(default_factory=dict)


def _link(path: str) -> str:
    return f"{settings.NOTIFY_SITE_URL}{path}"


def _case_subject(case: Case) -> Subject:
    return Subject(
        kind="cases",
        id=case.pk,
        number=case.number,
        category=case.category.name,
        grid_name=case.grid.name,
        due_at=case.due_at,
        link=_link(reverse("v1:case-detail", args=[case.pk])),
        street_id=case.street_id,
        community_id=case.community_id,
        grid_id=case.grid_id,
        district_code=case.street.district_code,
        level=case.level,
        assignee_user_id=case.assignee_worker.user_id if case.assignee_worker_id else None,
        reporter_id=case.reporter_id,
    )


def _mediation_subject(mediation: MediationCase) -> Subject:
    case = mediation.case
    mediators = [mediation.lead_mediator, *mediation.assisting_mediators.all()]
    return Subject(
        kind="mediation",
        id=mediation.pk,
        number=case.number,
        category=mediation.get_dispute_type_display(),
        grid_name=case.grid.name,
        due_at=case.due_at,
        link=_link(reverse("v1:mediation-case-detail", args=[mediation.pk])),
        street_id=mediation.street_id,
        community_id=mediation.community_id,
        grid_id=case.grid_id,
        district_code=mediation.street.district_code,
        level=mediation.level,
        mediator_user_ids=sorted({m.user_id for m in mediators if m.user_id and m.is_active}),
    )


def _visit_subject(event) -> Subject | None:
    """A key-person visit coming due, from the event's payload alone.

    The base-data app publishes `registry.visit_due` with `worker` (the responsible grid
    worker's id), `grid`, `due_at` (ISO 8601), `reference` (the visit's number) and
    `category` (the kind of key person, a catalogue label, never a name).
    """
    from grids.models import GridWorker

    payload = event.payload or {}
    worker = GridWorker.objects.filter(pk=payload.get("worker")).only("user_id", "street_id").first()
    grid = Grid.objects.select_related("community__street").filter(pk=payload.get("grid")).first()
    if worker is None or grid is None:
        return None
    due = parse_datetime(payload.get("due_at") or "")
    return Subject(
        kind="registry",
        id=event.aggregate_id,
        number=str(payload.get("reference") or event.aggregate_id),
        category=str(payload.get("category") or ""),
        grid_name=grid.name,
        due_at=due,
        link=_link(str(payload.get("path") or "/")),
        street_id=grid.community.street_id,
        community_id=grid.community_id,
        grid_id=grid.pk,
        district_code=grid.community.street.district_code,
        responsible_user_id=worker.user_id,
    )


def subject_of(event) -> Subject | None:
    """The subject of an outbox event, or None when it is gone."""
    if event.aggregate == "cases":
        case = (
            Case.objects.select_related("category", "grid", "street", "assignee_worker")
            .filter(pk=event.aggregate_id)
            .first()
        )
        return _case_subject(case) if case else None
    if event.aggregate == "mediation":
        mediation = (
            MediationCase.objects.select_related("case__category", "case__grid", "street", "lead_mediator")
            .prefetch_related("assisting_mediators")
            .filter(pk=event.aggregate_id)
            .first()
        )
        return _mediation_subject(mediation) if mediation else None
    if event.name == "registry.visit_due":
        return _visit_subject(event)
    return None
