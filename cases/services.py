"""Every write to a case. Views, the admin, the seed's checks and the mediation app call these.

Each action runs in one transaction: it locks the case among those the caller sees, checks
the caller's role, the client's version and the move against `cases.workflow`, saves only the
fields it changed, and writes one `CaseEvent` and its outbox event. An error leaves nothing
written. A case outside the caller's territory is not found, from the API, the admin or the
shell alike.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import workflow
from cases.base_data import REFERENCES, check_references
from cases.holds import Holder, holder_of
from cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    Category,
    Level,
    Priority,
    Source,
    Status,
    Supervision,
    Triage,
)
from cases.numbering import next_case_number
from config.errors import ActionNotAllowed, InvalidInput, ObjectNotFound, RoleNotAllowed
from core.locking import lock_all, lock_one
from core.validation import required_text
from core.workflow import Move
from grids.geo.coords import CoordSystem
from grids.models import Grid, GridWorker, MicroGrid
from grids.scope import GRIDS, scope_for
from grids.selectors import point_place

# How far back a case logged offline may say it was observed.
OFFLINE_GRACE = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=5)
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
        *REFERENCES,
    }
)


# --- the shared mechanics ---------------------------------------------------------------


def record_step(case: Case, **step) -> CaseEvent:
    """Change `case`, raise its version, save the changed fields, record the step and its event."""
    return workflow.CASE_HISTORY.record(case, **step)


def _move(action: str, acting: Holder | None = None, outcome: str | None = None) -> Move:
    return Move(action, outcome=outcome, acting=acting)


@contextmanager
def locked_case(case_id: int, move: Move, *, actor, expected_version: int | None) -> Iterator[Case]:
    """Lock the case among those the actor sees (`ObjectNotFound` otherwise), then check role
    (403), version (412) and move (409), in that order, and hand it over for the change.

    A move taken on behalf of the workflow that holds the case (`move.acting`, a mediation)
    was checked for its role by that workflow.
    """
    scope = scope_for(actor)
    cases = Case.objects.visible_to(scope).select_related("assignee_worker")
    with workflow.CASE_WORKFLOW.locked(
        cases, case_id, move, scope=scope, expected_version=expected_version
    ) as case:
        yield case


def case_check_action(*, case: Case, action: str, actor, expected_version: int | None = None) -> None:
    """Check role (403), version (412) and move (409) of `action` on a case the caller sees.

    The API calls this before it reads the request body, so that an action not allowed now
    is a 409 (or 403) whatever the body says; the service checks again under the lock.
    Nothing is written.
    """
    workflow.CASE_WORKFLOW.check(case, action, scope=scope_for(actor), expected_version=expected_version)


def check_may_report(actor) -> None:
    scope = scope_for(actor)
    if scope.role not in workflow.ROLES["report"]:
        raise RoleNotAllowed(_("Your role may not report cases."))


# --- reporting a case -------------------------------------------------------------------


# No savepoint of its own inside a caller's transaction: an error leaves the service, and the
# caller's own block (the API's, around each create) rolls back to its savepoint.
@transaction.atomic(savepoint=False)
def case_create(
    *,
    actor,
    category: Category,
    title: str,
    grid: Grid | None = None,
    kind: str | None = None,
    micro_grid: MicroGrid | None = None,
    source: str = Source.PATROL,
    priority: str = Priority.NORMAL,
    triage: str | None = None,
    description: str = "",
    address: str = "",
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    coord_system: str = CoordSystem.WGS84,
    contact_name: str = "",
    contact_phone: str = "",
    reported_at: datetime | None = None,
    on_the_spot: bool = False,
    result: str = "",
    **references,
) -> Case:
    """Log a case in the caller's territory; with `on_the_spot`, log it as already handled.

    The grid may be left out when the point is given (in `coord_system`; stored as WGS-84):
    the territory places the case in the grid and micro-grid holding it
    (`grids.selectors.point_place`), and a grid worker covering one grid may send neither. A
    given grid that does not hold the point is kept; what the reporter should know about the
    placement is on `case.placement_warnings` (not stored). A point outside the caller's
    territory is a 400 on `latitude`.

    On-the-spot resolution (即报即办) is for a grid worker's small matters in their own grid:
    the case passes through accept, assign (to the worker), start and resolve in this one
    call, each step recorded, and waits in `resolved` for the centre's verification.
    """
    check_may_report(actor)
    scope = scope_for(actor)
    if grid is not None and not _grid_in_scope(scope, grid):
        raise InvalidInput("grid", _("Choose a grid in your territory."))
    if (latitude is None) != (longitude is None):
        raise InvalidInput(
            "latitude" if latitude is None else "longitude", _("Give both latitude and longitude.")
        )
    placement = point_place(
        scope=scope, lng=longitude, lat=latitude, coord_system=coord_system, grid=grid, micro_grid=micro_grid
    )
    grid, micro_grid = placement.grid, placement.micro_grid
    if placement.lat is not None:
        latitude, longitude = _degrees(placement.lat), _degrees(placement.lng)
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
    references = check_references(scope, grid.pk, references)
    triage_given = bool(triage)
    triage = triage or category.default_triage
    if on_the_spot:
        _check_on_the_spot(scope, triage, result, triage_given=triage_given)

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
        title=required_text("title", title),
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
        **references,
    )
    case.placement_warnings = placement.warnings
    events = [record_step(case, action="report", actor=actor, at=reported_at, first=True)]
    if on_the_spot:
        worker = GridWorker.objects.get(user=actor)
        for action, changes, note in on_the_spot_steps(worker, at=now, result=result):
            workflow.check_move(case, action, scope)
            to_status = workflow.next_status(case, action)
            events.append(
                record_step(
                    case, action=action, actor=actor, at=now, to_status=to_status, changes=changes, note=note
                )
            )
    _known_as_new(case, events)
    return case


def _grid_in_scope(scope, grid: Grid) -> bool:
    """The grid a create names, checked against the scope in memory: the API's scoped field
    has read it with its community and street, so a second look-up would only repeat it."""
    community = grid.community
    return scope.holds(
        district_code=community.street.district_code,
        street_id=community.street_id,
        community_id=community.pk,
        grid_id=grid.pk,
    )


def _known_as_new(case: Case, events: list[CaseEvent]) -> None:
    """Fill a new case's relations as if prefetched: its history is the rows just written and
    nothing is attached, supervised or merged into it yet, so that its answer reads nothing
    again. Each is a queryset whose rows are known; filtering one still asks the database."""
    known = {
        "events": (CaseEvent, "case", events),
        "attachments": (CaseAttachment, "case", []),
        "supervisions": (Supervision, "case", []),
        "duplicates": (Case, "merged_into", []),
    }
    cache = {}
    for name, (model, field, rows) in known.items():
        queryset = model.objects.filter(**{field: case})
        queryset._result_cache, queryset._prefetch_done = list(rows), True
        cache[name] = queryset
    case._prefetched_objects_cache = cache


def _degrees(value: float) -> Decimal:
    """A coordinate as stored: six decimals, about 0.1 m."""
    return Decimal(f"{value:.6f}")


def _check_on_the_spot(scope, triage: str, result: str, *, triage_given: bool = True) -> None:
    """On-the-spot's own role rule: a grid worker, in their own grid, a small matter.

    It stands instead of the centre's roles of each of the four steps; the steps are still
    moves of the one table.
    """
    if scope.level != GRIDS:
        raise RoleNotAllowed(_("Only a grid worker resolves a matter on the spot in their own grid."))
    if triage != Triage.SMALL and not triage_given:
        # The catalogue's class is a default: the worker on the spot may judge this one small.
        raise InvalidInput(
            "triage",
            _(
                "Only small matters are resolved on the spot, and this category is a big matter by "
                'default. If you judge this one small, send "triage": "small" with it.'
            ),
        )
    if triage != Triage.SMALL:
        raise InvalidInput("triage", _("Only small matters are resolved on the spot."))
    required_text("result", result)


def on_the_spot_steps(worker: GridWorker, *, at: datetime, result: str) -> list[tuple[str, dict, str]]:
    """即报即办 as steps (action, changed fields, note): accepted, assigned to the worker, started
    and resolved, all at `at`. The seed builds its on-the-spot histories from this too."""
    note = _("Resolved on the spot")
    return [
        ("accept", {"accepted_at": at, "on_the_spot": True}, note),
        ("assign", {"assignee_worker": worker, "assigned_at": at}, note),
        ("start", {"started_at": at}, ""),
        ("resolve", {"resolved_at": at, "result": result.strip()}, note),
    ]


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
    with locked_case(case_id, _move("accept"), actor=actor, expected_version=expected_version) as case:
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
    reason = required_text("reason", reason)
    with locked_case(case_id, _move("reject"), actor=actor, expected_version=expected_version) as case:
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
    acting: Holder | None = None,
) -> Case:
    """派遣: hand the case to one grid worker or to a named unit (a department, a property firm).

    `acting` is the workflow that holds the case (its mediation), dispatching it to itself.
    """
    unit = (unit or "").strip()
    if bool(worker) == bool(unit):
        raise InvalidInput("worker", _("Name either a worker or a unit."))
    with locked_case(
        case_id, _move("assign", acting), actor=actor, expected_version=expected_version
    ) as case:
        if worker is not None and (worker.street_id != case.street_id or not worker.is_active):
            raise InvalidInput("worker", _("Choose an active worker of the case's street."))
        changes = {"assignee_worker": worker, "assignee_unit": unit, "assigned_at": timezone.now()}
        record_step(case, action="assign", actor=actor, to_status=Status.ASSIGNED, changes=changes, note=note)
    return case


def case_start(
    *, case_id: int, actor, note: str = "", expected_version: int | None = None, acting: Holder | None = None
) -> Case:
    """处置: the assignee starts handling the case."""
    with locked_case(case_id, _move("start", acting), actor=actor, expected_version=expected_version) as case:
        changes = {"started_at": timezone.now()}
        record_step(
            case, action="start", actor=actor, to_status=Status.IN_PROGRESS, changes=changes, note=note
        )
    return case


def case_resolve(
    *, case_id: int, actor, result: str, expected_version: int | None = None, acting: Holder | None = None
) -> Case:
    """反馈: the assignee reports the result; the case waits for the centre's verification."""
    result = required_text("result", result)
    with locked_case(
        case_id, _move("resolve", acting), actor=actor, expected_version=expected_version
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
        note = required_text("note", note)
    move = _move("verify", outcome="passed" if passed else "failed")
    with locked_case(case_id, move, actor=actor, expected_version=expected_version) as case:
        if passed:
            changes: dict[str, Any] = {"closed_at": timezone.now()}
        else:
            changes = {"resolved_at": None, "rework_count": case.rework_count + 1}
        to_status = workflow.next_status(case, "verify", passed=passed)
        record_step(case, action="verify", actor=actor, to_status=to_status, changes=changes, note=note)
    return case


def case_escalate(*, case_id: int, actor, reason: str, expected_version: int | None = None) -> Case:
    """Send the case one level up; it is accepted again there, with nobody assigned."""
    reason = required_text("reason", reason)
    with locked_case(case_id, _move("escalate"), actor=actor, expected_version=expected_version) as case:
        changes = workflow.escalation_changes(case)
        record_step(
            case, action="escalate", actor=actor, to_status=Status.ACCEPTED, changes=changes, note=reason
        )
    return case


def case_extend(
    *, case_id: int, actor, due_at: datetime, reason: str, expected_version: int | None = None
) -> Case:
    """Grant more time: a later due time, with its reason. An overdue mark is lifted."""
    reason = required_text("reason", reason)
    with locked_case(case_id, _move("extend"), actor=actor, expected_version=expected_version) as case:
        if due_at <= case.due_at:
            raise InvalidInput("due_at", _("The new due time must be later than the current one."))
        if due_at <= timezone.now():
            raise InvalidInput("due_at", _("The new due time must be in the future."))
        if due_at > timezone.now() + timedelta(days=settings.CASE_EXTENSION_MAX_DAYS):
            raise InvalidInput(
                "due_at",
                _("An extension reaches at most %(days)d days ahead.")
                % {"days": settings.CASE_EXTENSION_MAX_DAYS},
            )
        changes = {"due_at": due_at, "is_overdue": False}
        record_step(case, action="extend", actor=actor, changes=changes, note=reason)
    return case


def case_comment(
    *, case_id: int, actor, note: str, expected_version: int | None = None, acting: Holder | None = None
) -> Case:
    note = required_text("note", note)
    with locked_case(
        case_id, _move("comment", acting), actor=actor, expected_version=expected_version
    ) as case:
        record_step(case, action="comment", actor=actor, note=note)
    return case


def case_feedback(
    *, case_id: int, actor, satisfaction: str, note: str = "", expected_version: int | None = None
) -> Case:
    """The resident's satisfaction with a closed case, recorded once."""
    with locked_case(case_id, _move("feedback"), actor=actor, expected_version=expected_version) as case:
        changes = {"satisfaction": satisfaction, "feedback_note": note.strip()}
        record_step(case, action="feedback", actor=actor, changes=changes, note=note)
    return case


def case_update(*, case_id: int, actor, data: dict[str, Any], expected_version: int | None = None) -> Case:
    """Correct a case's description fields while it is open. Status and times are not here."""
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput(field, _("This field cannot be changed here; use the case's actions."))
    with locked_case(case_id, _move("update"), actor=actor, expected_version=expected_version) as case:
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
            changes["title"] = required_text("title", changes["title"])
        changes.update(check_references(scope_for(actor), case.grid_id, changes))
        record_step(case, action="update", actor=actor, changes=changes)
    return case


def case_merge(*, case_id: int, actor, into: int, reason: str, expected_version: int | None = None) -> Case:
    """Close a case as a duplicate of another open case of the same street, linking both ways.

    Both cases are locked (in id order) among those the caller sees. The duplicate moves to
    `merged`, pointing at the case it joins (`merged_into`), with the reason as its result and
    note; the kept case records the merge in its own history and lists the duplicate. Reports
    count the duplicate as merged, never as a closure (`reports.metrics`).
    """
    reason = required_text("reason", reason)
    if into == case_id:
        raise InvalidInput("into", _("A case cannot be merged into itself."))
    scope = scope_for(actor)
    with transaction.atomic():
        visible = Case.objects.visible_to(scope).select_related("assignee_worker")
        locked = {c.pk: c for c in lock_all(visible.filter(pk__in=[case_id, into]))}
        case = locked.get(case_id)
        if case is None:
            raise ObjectNotFound()
        workflow.CASE_WORKFLOW.check(
            case, Move("merge", outcome="duplicate"), scope=scope, expected_version=expected_version
        )
        kept = _merge_target(case, locked.get(into))
        record_step(
            case,
            action="merge",
            actor=actor,
            to_status=workflow.merge_status(case, kept=False),
            changes={"merged_into": kept, "result": reason},
            note=reason,
        )
        record_step(
            kept,
            action="merge",
            actor=actor,
            to_status=workflow.merge_status(kept, kept=True),
            note=_("%(number)s merged into this case as a duplicate: %(reason)s")
            % {"number": case.number, "reason": reason},
        )
    return case


def _merge_target(case: Case, target: Case | None) -> Case:
    if target is None:
        raise InvalidInput("into", _("Choose a case you see."))
    if target.street_id != case.street_id:
        raise InvalidInput("into", _("A case is merged into a case of the same street."))
    refused = workflow.CASE_WORKFLOW.refusal(target, Move("merge", outcome="kept"))
    if refused:
        raise InvalidInput("into", _("Merge into an open case: %(why)s") % {"why": refused})
    return target


# --- holds: another workflow takes the case over ----------------------------------------------


@transaction.atomic
def case_hold(*, case_id: int, actor, holder: Holder) -> Case:
    """Let `holder` (a mediation) hold the case: from now on its held moves are the holder's.

    The holding workflow checked the caller's role and records the step in its own history;
    the case keeps its version, since no step of its own was taken.
    """
    case = lock_one(Case.objects.visible_to(scope_for(actor)), pk=case_id)
    current = holder_of(case)
    if current is not None and current != holder:
        raise ActionNotAllowed(
            _("The case is already held by another workflow."), allowed_actions=workflow.allowed_actions(case)
        )
    case.holder_kind, case.holder_id = holder.kind, holder.id
    case.save(update_fields=["holder_kind", "holder_id"])
    return case


@transaction.atomic
def case_release(*, case_id: int, actor, holder: Holder) -> Case:
    """End `holder`'s hold of the case (its mediation is over); a case it does not hold is left as is."""
    case = lock_one(Case.objects.visible_to(scope_for(actor)), pk=case_id)
    if case.holder_kind == holder.kind and case.holder_id == holder.id:
        case.holder_kind, case.holder_id = "", None
        case.save(update_fields=["holder_kind", "holder_id"])
    return case
