"""Key persons (重点人员) and their visits (走访): the services of the key-person workflow.

Each action locks the key person among those the caller sees (404 otherwise), checks role
(403), version (412) and move (409) through `KEY_PERSON_WORKFLOW`, saves the changed fields
and records one `KeyPersonEvent` and its outbox event in the same transaction.

The visit schedule: a key person is due a visit `interval_days` after the last one (after
registration for the first), the interval being the rule of their category and risk level
(`VisitRule`, edited by superusers). A visit records the day it was due; it is on time when
it came by that day. An active key person past their due day without a visit is overdue.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import InvalidInput, RoleNotAllowed
from core import outbox
from core.access import ACCESS
from core.models import OutboxEvent
from core.validation import check_choice, required_text
from core.workflow import Move
from grids.models import GridWorker
from grids.scope import Scope
from registry.models import KeyPerson, KeyPersonCategory, Resident, RiskLevel, Visit, VisitRule
from registry.querysets import today
from registry.workflow import ACTIVE, ENDED, KEY_PERSON_HISTORY, KEY_PERSON_WORKFLOW


def visit_interval(category: KeyPersonCategory | int, risk_level: str) -> timedelta:
    """The visit frequency rule of a category and risk level."""
    category_id = getattr(category, "pk", category)
    days = (
        VisitRule.objects.filter(category_id=category_id, risk_level=risk_level)
        .values_list("interval_days", flat=True)
        .first()
    )
    if days is None:
        raise InvalidInput("risk_level", _("No visit frequency rule covers this category and risk level."))
    return timedelta(days=days)


def _check_worker(worker: GridWorker, resident: Resident) -> None:
    if not worker.is_active or worker.street_id != resident.grid.community.street_id:
        raise InvalidInput("responsible_worker", _("Choose an active worker of the resident's street."))


@transaction.atomic
def key_person_register(
    *,
    scope: Scope,
    actor,
    resident: Resident,
    category: KeyPersonCategory,
    risk_level: str,
    responsible_worker: GridWorker,
    registered_on: date | None = None,
) -> KeyPerson:
    """Put a resident under supervision in a category; the first visit is due one interval on."""
    if not ACCESS.role_may("registry", "register_key_person", scope.role):
        raise RoleNotAllowed(_("Your role may not register key persons."))
    resident = (
        Resident.objects.visible_to(scope).select_related("grid__community").filter(pk=resident.pk).first()
    )
    if resident is None:
        raise InvalidInput("resident", _("Choose one in your territory."))
    check_choice("risk_level", risk_level, RiskLevel)
    if not category.is_active:
        raise InvalidInput("category", _("This category is no longer in use."))
    _check_worker(responsible_worker, resident)
    registered_on = registered_on or today()
    if registered_on > today():
        raise InvalidInput("registered_on", _("The day cannot be in the future."))
    if KeyPerson.objects.active().filter(resident=resident, category=category).exists():
        raise InvalidInput("resident", _("The resident is already a key person of this category."))
    key_person = KeyPerson.objects.create(
        resident=resident,
        category=category,
        grid=resident.grid,
        risk_level=risk_level,
        responsible_worker=responsible_worker,
        registered_on=registered_on,
        next_visit_due=registered_on + visit_interval(category, risk_level),
    )
    KEY_PERSON_HISTORY.record(key_person, action="register", actor=actor, first=True)
    return key_person


def _locked(scope: Scope, key_person_id: int, action: str, expected_version: int | None):
    queryset = KeyPerson.objects.visible_to(scope).select_related("responsible_worker", "grid__community")
    return KEY_PERSON_WORKFLOW.locked(
        queryset, key_person_id, Move(action), scope=scope, expected_version=expected_version
    )


def key_person_check_action(
    *, scope: Scope, key_person: KeyPerson, action: str, expected_version=None
) -> None:
    """Role (403), version (412), move (409) before the API reads the body; nothing written."""
    KEY_PERSON_WORKFLOW.check(key_person, action, scope=scope, expected_version=expected_version)


def key_person_visit(
    *,
    scope: Scope,
    actor,
    key_person_id: int,
    visited_on: date,
    form: str,
    findings: str,
    expected_version: int | None = None,
) -> Visit:
    """Record a visit: it fulfils the visit due, and the next is due one interval after it."""
    check_choice("form", form, Visit.Form)
    findings = required_text("findings", findings)
    with _locked(scope, key_person_id, "visit", expected_version) as key_person:
        if visited_on > today():
            raise InvalidInput("visited_on", _("The day cannot be in the future."))
        earliest = key_person.last_visited_on or key_person.registered_on
        if visited_on < earliest:
            raise InvalidInput("visited_on", _("The visit cannot come before %(day)s.") % {"day": earliest})
        next_due = visited_on + visit_interval(key_person.category_id, key_person.risk_level)
        visit = Visit.objects.create(
            key_person=key_person,
            visited_on=visited_on,
            due_on=key_person.next_visit_due,
            worker=_visiting_worker(actor, key_person),
            form=form,
            findings=findings,
            next_due=next_due,
            recorded_by=actor,
        )
        KEY_PERSON_HISTORY.record(
            key_person,
            action="visit",
            actor=actor,
            changes={"last_visited_on": visited_on, "next_visit_due": next_due},
        )
    return visit


def _visiting_worker(actor, key_person: KeyPerson) -> GridWorker:
    """The worker who visited: the caller when they are a grid worker, else the responsible one."""
    return GridWorker.objects.filter(user=actor).first() or key_person.responsible_worker


def key_person_change_risk(
    *, scope: Scope, actor, key_person_id: int, risk_level: str, reason: str, expected_version=None
) -> KeyPerson:
    """A new risk level sets a new frequency: the next visit is due one new interval after the last."""
    check_choice("risk_level", risk_level, RiskLevel)
    reason = required_text("reason", reason)
    with _locked(scope, key_person_id, "change_risk", expected_version) as key_person:
        since = key_person.last_visited_on or key_person.registered_on
        changes = {
            "risk_level": risk_level,
            "next_visit_due": since + visit_interval(key_person.category_id, risk_level),
        }
        KEY_PERSON_HISTORY.record(key_person, action="change_risk", actor=actor, changes=changes, note=reason)
    return key_person


def key_person_reassign(
    *, scope: Scope, actor, key_person_id: int, worker: GridWorker, note: str = "", expected_version=None
) -> KeyPerson:
    with _locked(scope, key_person_id, "reassign", expected_version) as key_person:
        if not worker.is_active or worker.street_id != key_person.grid.community.street_id:
            raise InvalidInput("worker", _("Choose an active worker of the key person's street."))
        KEY_PERSON_HISTORY.record(
            key_person, action="reassign", actor=actor, changes={"responsible_worker": worker}, note=note
        )
    return key_person


def key_person_end(
    *, scope: Scope, actor, key_person_id: int, reason: str, expected_version=None
) -> KeyPerson:
    """End the supervision (the sentence served, the person recovered): no visit is due any more."""
    reason = required_text("reason", reason)
    with _locked(scope, key_person_id, "end", expected_version) as key_person:
        KEY_PERSON_HISTORY.record(
            key_person,
            action="end",
            actor=actor,
            to_status=ENDED,
            changes={"next_visit_due": None},
            note=reason,
        )
    return key_person


def key_person_resume(
    *, scope: Scope, actor, key_person_id: int, reason: str, expected_version=None
) -> KeyPerson:
    reason = required_text("reason", reason)
    with _locked(scope, key_person_id, "resume", expected_version) as key_person:
        if (
            KeyPerson.objects.active()
            .filter(resident_id=key_person.resident_id, category_id=key_person.category_id)
            .exists()
        ):
            raise InvalidInput("reason", _("The resident is already a key person of this category."))
        due = today() + visit_interval(key_person.category_id, key_person.risk_level)
        KEY_PERSON_HISTORY.record(
            key_person,
            action="resume",
            actor=actor,
            to_status=ACTIVE,
            changes={"next_visit_due": due},
            note=reason,
        )
    return key_person


def now():
    return timezone.now()


VISIT_DUE_EVENT = "registry.visit_due"


def _due_at(day: date):
    """A visit is on time when it comes by the end of its due day, in the service's zone."""
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


def visits_coming_due_publish(*, days_ahead: int | None = None) -> int:
    """Publish one `registry.visit_due` event per active key person due a visit soon.

    Soon is by the end of `days_ahead` days from today (`REGISTRY_VISIT_NOTICE_DAYS`); a visit
    already overdue counts too. Each key person is told of once per due day, however often
    this runs, so the daily task can be run again by hand. The payload carries what the
    notification rules route by and nothing of the resident.
    """
    days_ahead = settings.REGISTRY_VISIT_NOTICE_DAYS if days_ahead is None else days_ahead
    horizon = today() + timedelta(days=days_ahead)
    due = list(
        KeyPerson.objects.active()
        .filter(next_visit_due__lte=horizon)
        .select_related("category")
        .only("pk", "grid_id", "responsible_worker_id", "next_visit_due", "category__name")
    )
    told = _already_told(due)
    occurred_at = timezone.now()
    events = [
        OutboxEvent(
            name=VISIT_DUE_EVENT,
            aggregate=KEY_PERSON_HISTORY.workflow,
            aggregate_id=kp.pk,
            occurred_at=occurred_at,
            payload={
                "worker": kp.responsible_worker_id,
                "grid": kp.grid_id,
                "due_at": _due_at(kp.next_visit_due).isoformat(),
                "due_on": kp.next_visit_due.isoformat(),
                "reference": str(kp.pk),
                "category": kp.category.name,
                "path": f"/api/v1/key-persons/{kp.pk}/",
            },
        )
        for kp in due
        if (kp.pk, kp.next_visit_due.isoformat()) not in told
    ]
    with transaction.atomic():
        outbox.publish_many(events)
    return len(events)


def _already_told(key_persons: list[KeyPerson]) -> set[tuple[int, str]]:
    rows = OutboxEvent.objects.filter(
        name=VISIT_DUE_EVENT,
        aggregate=KEY_PERSON_HISTORY.workflow,
        aggregate_id__in={kp.pk for kp in key_persons},
        payload__due_on__in={kp.next_visit_due.isoformat() for kp in key_persons},
    ).values_list("aggregate_id", "payload")
    return {(pk, (payload or {}).get("due_on")) for pk, payload in rows}
