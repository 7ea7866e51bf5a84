"""Every write to a mediation case. Views and the admin call these, nothing else.

Each action runs in one transaction: it locks the mediation row among those the actor sees
(not found otherwise), checks role (403), the client's version (412) and the move (409) against
`mediation.workflow`, then the input (400), and writes the change and one `MediationEvent`.
The dispute case moves through the cases services in the same transaction, so a mediated
dispute is counted like any other case, and an error leaves nothing written in either app.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.holds import Holder
from cases.models import Case, Kind
from cases.models import Status as CaseStatus
from config.errors import ActionNotAllowed, InvalidInput, RoleNotAllowed
from core.access import ACCESS, Role
from core.locking import lock_one
from core.validation import check_choice, required_text
from grids.permissions import may_edit_street
from grids.scope import scope_for
from grids.services import delete_or_refuse
from mediation import workflow
from mediation.models import (
    Agreement,
    DisputeType,
    FollowUp,
    JudicialConfirmation,
    MediationCase,
    MediationEvent,
    MediationLevel,
    MediationRoom,
    MediationStatus,
    Mediator,
    Party,
    Referral,
    Session,
)

# People's Mediation Law art. 33: the parties apply jointly within 30 days of the agreement
# taking effect. A written agreement takes effect on the day the parties and the mediator sign
# it (art. 29), so the window counts from `signed_on`; the first day is not counted (Civil
# Code art. 201), so signed_on + 30 days is the last day to apply, and the day after is late.
CONFIRMATION_WINDOW = timedelta(days=30)
# Dispute cases a mediation can take on: accepted by the centre and not yet resolved.
MEDIABLE_CASE_STATUSES = (CaseStatus.ACCEPTED, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS)
# How a mediation names itself as the holder of its dispute case (`cases.holds`).
HOLDER_KIND = "mediation"


def check_may_register(actor) -> None:
    if not ACCESS.role_may("mediation", "register", scope_for(actor).role):
        raise RoleNotAllowed(_("Your role may not register mediations."))


# --- the shared mechanics ---------------------------------------------------------------


def record_step(mediation: MediationCase, **step) -> MediationEvent:
    """Change `mediation`, raise its version, save the changed fields, record the step and its event."""
    return workflow.MEDIATION_HISTORY.record(mediation, **step)


def mediation_check_action(
    *, mediation: MediationCase, action: str, actor, expected_version: int | None = None
) -> None:
    """Check role (403), version (412) and move (409) of `action` on a mediation the caller sees.

    The API calls this before it validates the request body, so that an action not allowed
    now is a 409 (or 403) whatever the body says; the service checks again under the lock.
    Nothing is written.
    """
    workflow.MEDIATION_WORKFLOW.check(
        mediation, action, scope=scope_for(actor), expected_version=expected_version
    )


@contextmanager
def locked_mediation(
    mediation_id: int, *, action: str, actor, expected_version: int | None
) -> Iterator[MediationCase]:
    """Lock the mediation among those the actor sees (`ObjectNotFound` otherwise), then check
    role (403), version (412) and move (409), and hand it over for the change.

    A caller outside the mediation's territory (an admin of another street, the shell, the
    admin site) gets the same "not found" as over HTTP, never a write.
    """
    scope = scope_for(actor)
    mediations = (
        MediationCase.objects.visible_to(scope)
        .select_related("agreement__confirmation")
        .prefetch_related("assisting_mediators")
    )
    with workflow.MEDIATION_WORKFLOW.locked(
        mediations, mediation_id, action, scope=scope, expected_version=expected_version
    ) as mediation:
        yield mediation


def _check_day(field: str, day: date, *, not_before: date | None = None) -> None:
    if day > timezone.localdate():
        raise InvalidInput(field, _("The date cannot be in the future."))
    if not_before is not None and day < not_before:
        raise InvalidInput(field, _("The date cannot be before %(day)s.") % {"day": not_before})


def _registered_on(mediation: MediationCase) -> date:
    return timezone.localtime(mediation.registered_at).date()


# --- keeping the dispute case in step ----------------------------------------------------

# The mediation holds its dispute case (`cases.holds`) from its registration until it ends
# (an agreement, a referral, a withdrawal), and moves it through the case services as the
# holder: the mediation's roles were checked, and the case refuses these moves to anyone else.


def _holder(mediation: MediationCase) -> Holder:
    return Holder(HOLDER_KIND, mediation.pk)


def _case_in_progress(mediation: MediationCase, *, actor, note: str | None = None) -> None:
    """Bring the dispute case to `in_progress` (handled by mediation) through its own workflow."""
    case_id, acting = mediation.case_id, _holder(mediation)
    case = Case.objects.only("status").get(pk=case_id)
    if case.status == CaseStatus.ACCEPTED:
        case_services.case_assign(case_id=case_id, actor=actor, unit=_unit_name(mediation), acting=acting)
        case.status = CaseStatus.ASSIGNED
    if case.status == CaseStatus.ASSIGNED:
        note = _("Mediation started.") if note is None else note
        case_services.case_start(case_id=case_id, actor=actor, note=note, acting=acting)


def _case_comment(mediation: MediationCase, *, actor, note: str) -> None:
    case_services.case_comment(case_id=mediation.case_id, actor=actor, note=note, acting=_holder(mediation))


def _case_resolved(mediation: MediationCase, *, actor, result: str) -> None:
    """The mediation is over: the dispute case is resolved with its outcome, and released to the
    centre, whose verification closes it or sends it back."""
    acting = _holder(mediation)
    case_services.case_resolve(case_id=mediation.case_id, actor=actor, result=result, acting=acting)
    case_services.case_release(case_id=mediation.case_id, actor=actor, holder=acting)


def _unit_name(mediation: MediationCase) -> str:
    place = mediation.room.name if mediation.room_id else mediation.lead_mediator.name
    return _("People's mediation: %(place)s") % {"place": place}


# --- registering a dispute for mediation -----------------------------------------------


def _check_people(
    case: Case, level: str, lead: Mediator, assisting: Sequence[Mediator], room: MediationRoom | None
) -> None:
    """Who mediates at which level, and where (README, “Levels, rooms and mediators”).

    Every mediator serves the case's street. A peacemaker volunteer (和事佬) serves their own
    village or community, and leads grid- and community-level mediations only. The room
    matches the level: a street-level mediation sits in a street room, a grid- or
    community-level one in the room of the case's community.
    """
    if not lead.is_active or lead.street_id != case.street_id:
        raise InvalidInput("lead_mediator", _("Choose an active mediator of the case's street."))
    if lead.kind == Mediator.Kind.VOLUNTEER and level not in workflow.COMMUNITY_LEVELS:
        raise InvalidInput(
            "lead_mediator", _("A peacemaker volunteer leads grid- and community-level mediations only.")
        )
    for mediator in assisting:
        if mediator.pk == lead.pk:
            raise InvalidInput("assisting_mediators", _("The lead mediator cannot also assist."))
        if not mediator.is_active or mediator.street_id != case.street_id:
            raise InvalidInput("assisting_mediators", _("Choose active mediators of the case's street."))
    for field, mediator in (("lead_mediator", lead), *(("assisting_mediators", m) for m in assisting)):
        if mediator.kind == Mediator.Kind.VOLUNTEER and mediator.community_id not in (
            None,
            case.community_id,
        ):
            raise InvalidInput(
                field, _("A peacemaker volunteer mediates in their own community or village only.")
            )
    refused = _room_refused(case, level, room)
    if refused:
        raise InvalidInput("room", refused)


def _room_refused(case: Case, level: str, room: MediationRoom | None) -> str | None:
    """Why `room` cannot hold a mediation of `case` at `level`, or None if it can."""
    if room is None:
        return None
    if room.street_id != case.street_id:
        return _("Choose a room of the case's street.")
    if level == MediationLevel.STREET:
        if room.level != MediationRoom.Level.STREET:
            return _("A street-level mediation is held in a street room.")
    elif room.level != MediationRoom.Level.COMMUNITY or room.community_id != case.community_id:
        return _("A grid- or community-level mediation is held in the room of the case's community.")
    return None


def _clean_parties(parties: Sequence[dict[str, Any]]) -> list[Party]:
    rows = [Party(**party) for party in parties]
    roles = {row.role for row in rows}
    if roles != {Party.Role.APPLICANT, Party.Role.RESPONDENT}:
        raise InvalidInput("parties", _("Name at least one applicant and one respondent."))
    for index, row in enumerate(rows):
        try:
            row.full_clean(exclude=["mediation"])
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise InvalidInput(f"parties[{index}].{field}", messages[0]) from error
    return rows


@transaction.atomic
def mediation_register(
    *,
    actor,
    case: Case,
    level: str,
    dispute_type: str,
    lead_mediator: Mediator,
    parties: Sequence[dict[str, Any]],
    assisting_mediators: Sequence[Mediator] = (),
    room: MediationRoom | None = None,
    amount: Decimal | None = None,
    summary: str = "",
) -> MediationCase:
    """受理: take an accepted dispute case into mediation at a level, with its parties."""
    scope = scope_for(actor)
    check_may_register(actor)
    check_choice("level", level, MediationLevel)
    check_choice("dispute_type", dispute_type, DisputeType)
    if scope.role == Role.COMMUNITY_STAFF and level not in workflow.COMMUNITY_LEVELS:
        raise RoleNotAllowed(_("Street-level mediation is registered by the street's centre."))
    cases = Case.objects.visible_to(scope)
    if not cases.filter(pk=case.pk).exists():
        raise InvalidInput("case", _("Choose a case in your territory."))
    case = lock_one(cases, pk=case.pk)
    if case.kind != Kind.DISPUTE:
        raise InvalidInput("case", _("Only a dispute case can be mediated."))
    if MediationCase.objects.filter(case=case).exclude(status=MediationStatus.WITHDRAWN).exists():
        raise ActionNotAllowed(_("This dispute is already in mediation."), allowed_actions=[])
    if case.status not in MEDIABLE_CASE_STATUSES:
        raise ActionNotAllowed(
            _("A dispute is mediated once it is accepted and until it is resolved."), allowed_actions=[]
        )
    _check_people(case, level, lead_mediator, assisting_mediators, room)
    rows = _clean_parties(parties)
    mediation = MediationCase.objects.create(
        case=case,
        street_id=case.street_id,
        community_id=case.community_id,
        level=level,
        dispute_type=dispute_type,
        amount=amount,
        summary=summary.strip(),
        lead_mediator=lead_mediator,
        room=room,
        registered_by=actor,
        registered_at=timezone.now(),
    )
    mediation.assisting_mediators.set(assisting_mediators)
    for row in rows:
        row.mediation = mediation
    Party.objects.bulk_create(rows)
    record_step(mediation, action="register", actor=actor, at=mediation.registered_at, first=True)
    case_services.case_hold(case_id=case.pk, actor=actor, holder=_holder(mediation))
    # The dispute is dispatched to the mediation, also when it comes back after a withdrawal.
    if case.status in (CaseStatus.ACCEPTED, CaseStatus.ASSIGNED):
        case_services.case_assign(
            case_id=case.pk, actor=actor, unit=_unit_name(mediation), acting=_holder(mediation)
        )
    return mediation


# --- the workflow actions ------------------------------------------------------------------


def mediation_start(*, mediation_id: int, actor, note: str = "", expected_version: int | None = None):
    with locked_mediation(mediation_id, action="start", actor=actor, expected_version=expected_version) as m:
        _case_in_progress(m, actor=actor)
        changes = {"started_at": timezone.now()}
        record_step(
            m, action="start", actor=actor, to_status=MediationStatus.MEDIATING, changes=changes, note=note
        )
    return m


def mediation_session(
    *,
    mediation_id: int,
    actor,
    held_on: date,
    place: str,
    attendees: str,
    notes: str = "",
    expected_version: int | None = None,
):
    """调解会: record one session of the mediation."""
    with locked_mediation(
        mediation_id, action="session", actor=actor, expected_version=expected_version
    ) as m:
        place, attendees = required_text("place", place), required_text("attendees", attendees)
        _check_day("held_on", held_on, not_before=_registered_on(m))
        Session.objects.create(
            mediation=m, held_on=held_on, place=place, attendees=attendees, notes=notes, recorded_by=actor
        )
        record_step(m, action="session", actor=actor, note=f"{held_on} {place}")
    return m


def mediation_agree(
    *,
    mediation_id: int,
    actor,
    form: str,
    content: str,
    signed_on: date,
    performance_deadline: date | None = None,
    expected_version: int | None = None,
):
    """调解成功: record the agreement; the dispute case is resolved and awaits verification."""
    with locked_mediation(mediation_id, action="agree", actor=actor, expected_version=expected_version) as m:
        check_choice("form", form, Agreement.Form)
        content = required_text("content", content)
        _check_day("signed_on", signed_on, not_before=_registered_on(m))
        if performance_deadline is not None and performance_deadline < signed_on:
            raise InvalidInput("performance_deadline", _("The deadline cannot be before the signing."))
        Agreement.objects.create(
            mediation=m,
            form=form,
            content=content,
            signed_on=signed_on,
            performance_deadline=performance_deadline,
        )
        changes = {"concluded_at": timezone.now(), "outcome_note": content}
        record_step(m, action="agree", actor=actor, to_status=MediationStatus.AGREED, changes=changes)
        _case_in_progress(m, actor=actor)
        # The terms stay with the mediation: the case (which grid workers read) says only that
        # and when an agreement was reached.
        result = _("Mediation succeeded: %(form)s, signed on %(day)s.") % {
            "form": Agreement.Form(form).label,
            "day": signed_on,
        }
        _case_resolved(m, actor=actor, result=result)
    return m


def mediation_fail(*, mediation_id: int, actor, reason: str, expected_version: int | None = None):
    """调解不成: the dispute stays open for escalation or referral."""
    with locked_mediation(mediation_id, action="fail", actor=actor, expected_version=expected_version) as m:
        reason = required_text("reason", reason)
        changes = {"concluded_at": timezone.now(), "outcome_note": reason}
        record_step(
            m, action="fail", actor=actor, to_status=MediationStatus.FAILED, changes=changes, note=reason
        )
        _case_comment(m, actor=actor, note=_("Mediation failed: %(reason)s") % {"reason": reason})
    return m


def mediation_withdraw(*, mediation_id: int, actor, reason: str, expected_version: int | None = None):
    """撤回: mediation is voluntary; a party may withdraw at any time before an agreement.

    The dispute case goes back to the centre: it is resolved with the withdrawal as its
    result, and the centre's verification decides: passed closes it (the parties settled, or
    went to court), failed sends it back to be dispatched again or mediated anew.
    """
    with locked_mediation(
        mediation_id, action="withdraw", actor=actor, expected_version=expected_version
    ) as m:
        reason = required_text("reason", reason)
        changes = {"concluded_at": timezone.now(), "outcome_note": reason}
        record_step(
            m,
            action="withdraw",
            actor=actor,
            to_status=MediationStatus.WITHDRAWN,
            changes=changes,
            note=reason,
        )
        _case_in_progress(m, actor=actor, note="")
        result = _("Mediation withdrawn: %(reason)s") % {"reason": reason}
        _case_resolved(m, actor=actor, result=result)
    return m


def mediation_escalate(
    *,
    mediation_id: int,
    actor,
    reason: str,
    lead_mediator: Mediator | None = None,
    room: MediationRoom | None = None,
    expected_version: int | None = None,
):
    """Register the mediation again one level up, optionally with a new lead mediator and room.

    The room must suit the new level; without one, the current room stays if it still suits
    (grid → community) and is cleared otherwise (community → street). A volunteer lead is
    replaced before a street-level mediation.
    """
    with locked_mediation(
        mediation_id, action="escalate", actor=actor, expected_version=expected_version
    ) as m:
        reason = required_text("reason", reason)
        level = workflow.level_above(m.level)
        lead = lead_mediator or m.lead_mediator
        if room is None and _room_refused(m.case, level, m.room) is None:
            room = m.room  # still the right room one level up (grid → community); else cleared
        assisting = sorted(a.pk for a in m.assisting_mediators.all())
        remaining = [a for a in m.assisting_mediators.all() if a.pk != lead.pk]
        _check_people(m.case, level, lead, remaining, room)
        changes = {
            "level": level,
            "lead_mediator": lead,
            "room": room,
            "started_at": None,
            "concluded_at": None,
            "outcome_note": "",
            "escalation_count": m.escalation_count + 1,
        }
        relation_changes = {}
        if len(remaining) < len(assisting):  # an assisting mediator becomes the lead
            m.assisting_mediators.remove(lead)
            relation_changes["assisting_mediators"] = [assisting, sorted(a.pk for a in remaining)]
        record_step(
            m,
            action="escalate",
            actor=actor,
            to_status=MediationStatus.REGISTERED,
            changes=changes,
            note=reason,
            relation_changes=relation_changes,
        )
        level_name = MediationLevel(m.level).label
        _case_comment(
            m, actor=actor, note=_("Mediation escalated to %(level)s level.") % {"level": level_name}
        )
    return m


def mediation_refer(
    *, mediation_id: int, actor, to: str, note: str = "", expected_version: int | None = None
):
    """Guide the parties to a court, arbitration, the petition office or a department.

    The dispute case is then resolved with the referral as its result, for the centre to verify.
    """
    with locked_mediation(mediation_id, action="refer", actor=actor, expected_version=expected_version) as m:
        check_choice("to", to, Referral)
        changes = {"referral": to, "referral_note": note.strip(), "referred_at": timezone.now()}
        record_step(m, action="refer", actor=actor, changes=changes, note=note)
        _case_in_progress(m, actor=actor)
        result = _("Mediation failed; referred to %(to)s. %(note)s") % {
            "to": m.get_referral_display(),
            "note": note,
        }
        _case_resolved(m, actor=actor, result=result.strip())
    return m


def mediation_confirm(
    *,
    mediation_id: int,
    actor,
    applied_on: date,
    result: str,
    court: str,
    decided_on: date | None = None,
    expected_version: int | None = None,
):
    """司法确认: record the court's confirmation of a written agreement (within 30 days)."""
    with locked_mediation(
        mediation_id, action="confirm", actor=actor, expected_version=expected_version
    ) as m:
        check_choice("result", result, JudicialConfirmation.Result)
        court = required_text("court", court)
        signed_on = m.agreement.signed_on
        _check_day("applied_on", applied_on, not_before=signed_on)
        if applied_on > signed_on + CONFIRMATION_WINDOW:
            raise InvalidInput(
                "applied_on",
                _("Judicial confirmation must be applied for within 30 days of signing (by %(day)s).")
                % {"day": signed_on + CONFIRMATION_WINDOW},
            )
        if decided_on is not None:
            _check_day("decided_on", decided_on, not_before=applied_on)
        confirmation = JudicialConfirmation.objects.create(
            agreement=m.agreement, applied_on=applied_on, result=result, court=court, decided_on=decided_on
        )
        record_step(m, action="confirm", actor=actor, note=confirmation.summary())
    return m


def mediation_follow_up(
    *,
    mediation_id: int,
    actor,
    visited_on: date,
    performance: str,
    notes: str = "",
    expected_version: int | None = None,
):
    """回访: record whether the parties perform the agreement."""
    with locked_mediation(
        mediation_id, action="follow-up", actor=actor, expected_version=expected_version
    ) as m:
        check_choice("performance", performance, FollowUp.Performance)
        _check_day("visited_on", visited_on, not_before=m.agreement.signed_on)
        follow_up = FollowUp.objects.create(
            mediation=m, visited_on=visited_on, by=actor, performance=performance, notes=notes
        )
        record_step(m, action="follow-up", actor=actor, note=follow_up.summary())
    return m


SERVICES = {
    "start": mediation_start,
    "session": mediation_session,
    "agree": mediation_agree,
    "fail": mediation_fail,
    "withdraw": mediation_withdraw,
    "escalate": mediation_escalate,
    "refer": mediation_refer,
    "confirm": mediation_confirm,
    "follow-up": mediation_follow_up,
}


# --- the roster: rooms and mediators ---------------------------------------------------------


def _check_roster_editor(actor, street_id: int | None) -> None:
    if not may_edit_street(scope_for(actor), street_id):
        raise RoleNotAllowed(_("You may only change the mediation roster of your own street."))


@transaction.atomic
def roster_save(*, actor, obj: MediationRoom | Mediator) -> MediationRoom | Mediator:
    """Create or change a room or a mediator: superusers anywhere, street admins in their street."""
    _check_roster_editor(actor, obj.street_id)
    obj.full_clean()
    obj.save()
    return obj


def mediator_check_deletable(mediator: Mediator) -> None:
    """Refuse (409) to delete a mediator whom any mediation names, as lead or assisting.

    The mediations they led would block the delete (PROTECT), but those they assisted would
    silently lose them (a many-to-many row). A mediator who retires is deactivated instead.
    The admin calls this before it offers to delete; `roster_delete` checks again under lock.
    """
    led = MediationCase.objects.filter(lead_mediator=mediator).count()
    assisted = MediationCase.objects.filter(assisting_mediators=mediator).count()
    roles = [
        *([_("lead in %(count)d") % {"count": led}] if led else []),
        *([_("assisting in %(count)d") % {"count": assisted}] if assisted else []),
    ]
    if roles:
        raise ActionNotAllowed(
            _(
                "%(name)s cannot be deleted while mediation cases name them (%(roles)s); "
                "deactivate them instead."
            )
            % {"name": mediator, "roles": _(", ").join(roles)}
        )


@transaction.atomic
def roster_delete(*, actor, obj: MediationRoom | Mediator) -> None:
    """Delete a room or a mediator that nothing refers to (409 otherwise), as `roster_save` allows."""
    # Locked first: a mediation that would name them meanwhile waits for this transaction (its
    # foreign key locks the row too) and is then refused, instead of being counted too late.
    obj = lock_one(type(obj)._base_manager.all(), pk=obj.pk)
    _check_roster_editor(actor, obj.street_id)
    if isinstance(obj, Mediator):
        mediator_check_deletable(obj)
    delete_or_refuse(obj)
