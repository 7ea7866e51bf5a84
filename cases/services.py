"""Every write to a case. Views, the admin and the mediation app call these, nothing else.

Each action runs in one transaction: it re-reads the case with a row lock, checks the
caller's role, the client's version and the move against `cases.workflow`, saves only the
fields it changed, and writes one `CaseEvent`. An error leaves nothing written.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import workflow
from cases.models import Case, CaseEvent, Category, Level, Priority, Source, Status, Triage
from cases.numbering import next_case_number
from config.errors import InvalidInput, RoleNotAllowed, StaleVersion
from grids.models import Grid, GridWorker, MicroGrid
from grids.privacy import mask_name, mask_phone
from grids.scope import GRIDS, scope_for

# How far back a case logged offline may say it was observed.
OFFLINE_GRACE = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=5)
PERSONAL_FIELDS = {"contact_name": mask_name, "contact_phone": mask_phone}
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "address",
        "latitude",
        "longitude",
        "priority",
        "triage",
        "category",
        "micro_grid",
        "source",
        "contact_name",
        "contact_phone",
    }
)


# --- the shared mechanics ---------------------------------------------------------------


def _as_json(field: str, value: Any) -> Any:
    if field in PERSONAL_FIELDS:
        return PERSONAL_FIELDS[field](value or "")
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, (date, Decimal)):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def record_step(
    case: Case,
    *,
    action: str,
    actor,
    changes: dict[str, Any] | None = None,
    to_status: str | None = None,
    note: str = "",
    at: datetime | None = None,
) -> CaseEvent:
    """Change `case`, raise its version, save the changed fields and record the step."""
    changes = changes or {}
    from_status = case.status
    diff = {}
    for field, value in changes.items():
        old = getattr(case, field)
        if old != value:
            diff[field] = [_as_json(field, old), _as_json(field, value)]
            setattr(case, field, value)
    if to_status is not None:
        case.status = to_status
    case.version += 1
    case.save(update_fields=sorted({"status", "version", *changes}))
    return CaseEvent.objects.create(
        case=case,
        action=action,
        actor=actor,
        at=at or timezone.now(),
        from_status=from_status,
        to_status=case.status,
        note=note,
        changes=diff,
    )


@contextmanager
def locked_case(
    case_id: int,
    *,
    action: str,
    actor,
    expected_version: int | None,
    check_role: bool = True,
    by_mediation: bool = False,
) -> Iterator[Case]:
    """Lock the case row, then check role (403), version (412) and move (409), in that order.

    `check_role=False, by_mediation=True` is for the mediation services, which move the
    dispute case they hold (see `workflow.MEDIATION_MOVES`) after checking their own roles.
    """
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("assignee_worker").get(pk=case_id)
        scope = scope_for(actor)
        if check_role and not workflow.may(scope, action, case):
            raise RoleNotAllowed(_("Your role may not %(action)s this case.") % {"action": action})
        if expected_version is not None and expected_version != case.version:
            raise StaleVersion(
                _("The case has changed since you read it (version %(version)d).")
                % {"version": case.version},
                current_version=case.version,
            )
        workflow.check_move(case, action, scope if check_role else None, by_mediation=by_mediation)
        yield case


def _required(field: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(field, _("This field is required."))
    return value


# --- reporting a case -------------------------------------------------------------------


@transaction.atomic
def case_create(
    *,
    actor,
    grid: Grid,
    category: Category,
    title: str,
    kind: str | None = None,
    micro_grid: MicroGrid | None = None,
    source: str = Source.PATROL,
    priority: str = Priority.NORMAL,
    triage: str | None = None,
    description: str = "",
    address: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    reported_at: datetime | None = None,
    on_the_spot: bool = False,
    result: str = "",
) -> Case:
    """Log a case in the caller's territory; with `on_the_spot`, log it as already handled.

    On-the-spot resolution (即报即办) is for a grid worker's small matters in their own grid:
    the case passes through accept, assign (to the worker), start and resolve in this one
    call, each step recorded, and waits in `resolved` for the centre's verification.
    """
    scope = scope_for(actor)
    if scope.role not in workflow.ROLES["report"]:
        raise RoleNotAllowed(_("Your role may not report cases."))
    if not Grid.objects.visible_to(scope).filter(pk=grid.pk).exists():
        raise InvalidInput("grid", _("Choose a grid in your territory."))
    if micro_grid is not None and micro_grid.grid_id != grid.pk:
        raise InvalidInput("micro_grid", _("The micro-grid must belong to the case's grid."))
    if not category.is_active:
        raise InvalidInput("category", _("This category is no longer in use."))
    now = timezone.now()
    reported_at = reported_at or now
    if reported_at > now + CLOCK_SKEW:
        raise InvalidInput("reported_at", _("The report time cannot be in the future."))
    if reported_at < now - OFFLINE_GRACE:
        raise InvalidInput("reported_at", _("Cases older than 30 days cannot be logged."))
    triage = triage or category.default_triage
    if on_the_spot:
        _check_on_the_spot(scope, triage, result)

    community = grid.community
    case = Case.objects.create(
        number=next_case_number(community.street, reported_at),
        kind=kind or category.major.default_kind,
        category=category,
        street_id=community.street_id,
        community=community,
        grid=grid,
        micro_grid=micro_grid,
        source=source,
        priority=priority,
        triage=triage,
        level=Level.GRID if on_the_spot else category.default_level,
        title=_required("title", title),
        description=description,
        address=address,
        latitude=latitude,
        longitude=longitude,
        contact_name=contact_name,
        contact_phone=contact_phone,
        reporter=actor,
        status=Status.REPORTED,
        reported_at=reported_at,
        due_at=reported_at + timedelta(hours=category.time_limit_hours),
    )
    CaseEvent.objects.create(
        case=case, action="report", actor=actor, at=reported_at, from_status="", to_status=Status.REPORTED
    )
    if on_the_spot:
        _handle_on_the_spot(case, actor=actor, scope=scope, result=result, at=now)
    return case


def _check_on_the_spot(scope, triage: str, result: str) -> None:
    if scope.level != GRIDS:
        raise RoleNotAllowed(_("Only a grid worker resolves a matter on the spot in their own grid."))
    if triage != Triage.SMALL:
        raise InvalidInput("triage", _("Only small matters are resolved on the spot."))
    _required("result", result)


def _handle_on_the_spot(case: Case, *, actor, scope, result: str, at: datetime) -> None:
    """Accept, assign to the worker, start and resolve: each step a move of the one table.

    The role rule is on-the-spot's own (`_check_on_the_spot`: a grid worker, their own grid,
    a small matter), not the centre's roles of each action; the moves are the table's.
    """
    worker = GridWorker.objects.get(user=actor)
    note = _("Resolved on the spot")
    steps = (
        ("accept", {"accepted_at": at, "on_the_spot": True}, note),
        ("assign", {"assignee_worker": worker, "assigned_at": at}, note),
        ("start", {"started_at": at}, ""),
        ("resolve", {"resolved_at": at, "result": result.strip()}, note),
    )
    for action, changes, step_note in steps:
        workflow.check_move(case, action, scope)
        record_step(
            case,
            action=action,
            actor=actor,
            to_status=workflow.next_status(case, action),
            changes=changes,
            note=step_note,
            at=at,
        )


# --- the workflow actions -----------------------------------------------------------------


def case_accept(
    *,
    case_id: int,
    actor,
    note: str = "",
    triage: str | None = None,
    level: str | None = None,
    priority: str | None = None,
    expected_version: int | None = None,
) -> Case:
    """立案: accept the case, optionally correcting its triage, level and priority.

    Community staff accept at grid or community level only: a matter for the street or the
    district goes up by `escalate`, which is counted and needs a reason.
    """
    with locked_case(case_id, action="accept", actor=actor, expected_version=expected_version) as case:
        if level and not workflow.may_handle_level(scope_for(actor), level):
            raise InvalidInput(
                "level", _("Your role accepts cases at grid or community level; escalate to go higher.")
            )
        changes: dict[str, Any] = {"accepted_at": timezone.now()}
        for field, value in (("triage", triage), ("level", level), ("priority", priority)):
            if value:
                changes[field] = value
        record_step(case, action="accept", actor=actor, to_status=Status.ACCEPTED, changes=changes, note=note)
    return case


def case_reject(*, case_id: int, actor, reason: str, expected_version: int | None = None) -> Case:
    """不予立案: the report is not a case (duplicate, out of scope, not true)."""
    reason = _required("reason", reason)
    with locked_case(case_id, action="reject", actor=actor, expected_version=expected_version) as case:
        changes = {"rejected_at": timezone.now(), "result": reason}
        record_step(
            case, action="reject", actor=actor, to_status=Status.REJECTED, changes=changes, note=reason
        )
    return case


def case_assign(
    *,
    case_id: int,
    actor,
    worker: GridWorker | None = None,
    unit: str = "",
    note: str = "",
    expected_version: int | None = None,
    **flags,
) -> Case:
    """派遣: hand the case to one grid worker or to a named unit (a department, a property firm)."""
    unit = (unit or "").strip()
    if bool(worker) == bool(unit):
        raise InvalidInput("worker", _("Name either a worker or a unit."))
    with locked_case(
        case_id, action="assign", actor=actor, expected_version=expected_version, **flags
    ) as case:
        if worker is not None and (worker.street_id != case.street_id or not worker.is_active):
            raise InvalidInput("worker", _("Choose an active worker of the case's street."))
        changes = {"assignee_worker": worker, "assignee_unit": unit, "assigned_at": timezone.now()}
        record_step(case, action="assign", actor=actor, to_status=Status.ASSIGNED, changes=changes, note=note)
    return case


def case_start(*, case_id: int, actor, note: str = "", expected_version: int | None = None, **flags) -> Case:
    """处置: the assignee starts handling the case."""
    with locked_case(
        case_id, action="start", actor=actor, expected_version=expected_version, **flags
    ) as case:
        record_step(
            case,
            action="start",
            actor=actor,
            to_status=Status.IN_PROGRESS,
            changes={"started_at": timezone.now()},
            note=note,
        )
    return case


def case_resolve(*, case_id: int, actor, result: str, expected_version: int | None = None, **flags) -> Case:
    """反馈: the assignee reports the result; the case waits for the centre's verification."""
    result = _required("result", result)
    with locked_case(
        case_id, action="resolve", actor=actor, expected_version=expected_version, **flags
    ) as case:
        changes = {"resolved_at": timezone.now(), "result": result}
        record_step(
            case, action="resolve", actor=actor, to_status=Status.RESOLVED, changes=changes, note=result
        )
    return case


def case_verify(
    *, case_id: int, actor, passed: bool, note: str = "", expected_version: int | None = None
) -> Case:
    """核查: passed closes the case (结案); failed sends it back to the assignee as rework."""
    if not passed:
        note = _required("note", note)
    with locked_case(case_id, action="verify", actor=actor, expected_version=expected_version) as case:
        if not passed:
            workflow.check_rework(case, scope_for(actor))
        if passed:
            changes: dict[str, Any] = {"closed_at": timezone.now()}
        else:
            changes = {"resolved_at": None, "rework_count": case.rework_count + 1}
        to_status = workflow.next_status(case, "verify", passed=passed)
        record_step(case, action="verify", actor=actor, to_status=to_status, changes=changes, note=note)
    return case


def case_escalate(*, case_id: int, actor, reason: str, expected_version: int | None = None) -> Case:
    """Send the case one level up; it is accepted again there, with nobody assigned."""
    reason = _required("reason", reason)
    with locked_case(case_id, action="escalate", actor=actor, expected_version=expected_version) as case:
        changes = {
            "level": workflow.level_above(case.level),
            "assignee_worker": None,
            "assignee_unit": "",
            "assigned_at": None,
            "started_at": None,
            "escalation_count": case.escalation_count + 1,
        }
        record_step(
            case, action="escalate", actor=actor, to_status=Status.ACCEPTED, changes=changes, note=reason
        )
    return case


def case_extend(
    *, case_id: int, actor, due_at: datetime, reason: str, expected_version: int | None = None
) -> Case:
    """Grant more time: a later due time, with its reason. An overdue mark is lifted."""
    reason = _required("reason", reason)
    with locked_case(case_id, action="extend", actor=actor, expected_version=expected_version) as case:
        if due_at <= case.due_at:
            raise InvalidInput("due_at", _("The new due time must be later than the current one."))
        if due_at <= timezone.now():
            raise InvalidInput("due_at", _("The new due time must be in the future."))
        changes = {"due_at": due_at, "is_overdue": False}
        record_step(case, action="extend", actor=actor, changes=changes, note=reason)
    return case


def case_comment(*, case_id: int, actor, note: str, expected_version: int | None = None, **flags) -> Case:
    note = _required("note", note)
    with locked_case(
        case_id, action="comment", actor=actor, expected_version=expected_version, **flags
    ) as case:
        record_step(case, action="comment", actor=actor, note=note)
    return case


def case_feedback(
    *, case_id: int, actor, satisfaction: str, note: str = "", expected_version: int | None = None
) -> Case:
    """The resident's satisfaction with a closed case, recorded once."""
    with locked_case(case_id, action="feedback", actor=actor, expected_version=expected_version) as case:
        changes = {"satisfaction": satisfaction, "feedback_note": note.strip()}
        record_step(case, action="feedback", actor=actor, changes=changes, note=note)
    return case


def case_update(*, case_id: int, actor, data: dict[str, Any], expected_version: int | None = None) -> Case:
    """Correct a case's description fields while it is open. Status and times are not here."""
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput(field, _("This field cannot be changed here; use the case's actions."))
    with locked_case(case_id, action="update", actor=actor, expected_version=expected_version) as case:
        changes = dict(data)
        micro_grid = changes.get("micro_grid")
        if micro_grid is not None and micro_grid.grid_id != case.grid_id:
            raise InvalidInput("micro_grid", _("The micro-grid must belong to the case's grid."))
        category = changes.get("category")
        if category is not None and category.pk != case.category_id:
            if not category.is_active:
                raise InvalidInput("category", _("This category is no longer in use."))
            if not case.events.filter(action="extend").exists():
                changes["due_at"] = case.reported_at + timedelta(hours=category.time_limit_hours)
                if changes["due_at"] > timezone.now():
                    # A longer time limit lifts a mark the sweep set, as an extension does;
                    # a shorter one that is already past is marked by the next sweep.
                    changes["is_overdue"] = False
        if "title" in changes:
            changes["title"] = _required("title", changes["title"])
        record_step(case, action="update", actor=actor, changes=changes)
    return case
