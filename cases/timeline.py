"""A case's history as people read it: labels, local times, names, each change old → new.

The history rows keep codes, ids and ISO times (`core.history`), which the API answers as they
are. The admin's timeline turns them into sentences: the action's label (`ACTION_LABELS`), the
time in the service's zone, the actor's real name, and each changed field as
"字段：旧 → 新" with the field's label, a choice's label and a related row's name. A
resident's data is recorded masked and stays so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cases import workflow
from cases.models import Case, CaseEvent, Status
from grids.names import person_name

EMPTY = "—"


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Entry:
    action: str
    label: str
    at: datetime
    actor: str
    from_status: str
    to_status: str
    note: str
    changes: list[Change]


def local_time(value: datetime | None) -> str:
    if value is None:
        return EMPTY
    return formats.date_format(timezone.localtime(value), "Y-m-d H:i")


def _names(events: list[CaseEvent]) -> dict[type[models.Model], dict[int, str]]:
    """The names of every related row the changes mention: one query per related model."""
    ids: dict[type[models.Model], set[int]] = {}
    for event in events:
        for name, values in (event.changes or {}).items():
            field = _field(name)
            if field is not None and field.is_relation:
                ids.setdefault(field.related_model, set()).update(v for v in values if isinstance(v, int))
    names: dict[type[models.Model], dict[int, str]] = {}
    for model, pks in ids.items():
        rows = model._base_manager.filter(pk__in=pks)
        if model._meta.label == "grids.GridWorker":
            names[model] = dict(rows.values_list("pk", "name"))
        else:
            names[model] = {row.pk: str(row) for row in rows}
    return names


def _field(name: str):
    try:
        return Case._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def shown_value(name: str, value, names: dict) -> str:
    """One recorded value as a person reads it."""
    if value is None or value == "":
        return EMPTY
    field = _field(name)
    if field is None:
        return str(value)
    if field.is_relation:
        return names.get(field.related_model, {}).get(value, f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        parsed = parse_datetime(value)
        return local_time(parsed) if parsed else value
    return str(value)


def case_timeline(case: Case) -> list[Entry]:
    """Every step of `case`, oldest first. Queries: the events with their actors, and one per
    kind of related row named in the changes (workers, categories, micro-grids)."""
    events = list(
        CaseEvent.objects.filter(case=case).select_related("actor", "actor__grid_worker").order_by("at", "pk")
    )
    names = _names(events)
    statuses = dict(Status.choices)
    entries = []
    for event in events:
        changes = [
            Change(
                label=str(_field(name).verbose_name) if _field(name) is not None else name,
                old=shown_value(name, values[0], names),
                new=shown_value(name, values[1], names),
            )
            for name, values in (event.changes or {}).items()
        ]
        entries.append(
            Entry(
                action=event.action,
                label=workflow.action_label(event.action),
                at=event.at,
                actor=person_name(event.actor) if event.actor else _("the system"),
                from_status=str(statuses.get(event.from_status, "")),
                to_status=str(statuses.get(event.to_status, "")),
                note=event.note,
                changes=changes,
            )
        )
    return entries
