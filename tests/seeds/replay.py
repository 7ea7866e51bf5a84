"""Replay a seeded case through the real services, at the times its history records.

Each recorded step is taken again by its actor with the services (`cases.services`,
`mediation.services`, `cases.overdue`), the clock set to the step's time. Steps that a service
writes by itself (the four steps of an on-the-spot report; the dispute case's moves that its
mediation makes) are not taken: they must come out of the step that causes them. The replayed
case is a new case of the same grid; its history can then be compared with the seeded one.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from unittest import mock

from django.utils import timezone

from cases import overdue
from cases import services as case_services
from cases.models import Case, CaseEvent, Supervision
from grids.models import GridWorker
from mediation import services as mediation_services
from mediation.models import MediationCase, MediationEvent, MediationRoom

# The dispute case's steps that the mediation services take (`mediation.services`).
BY_MEDIATION = {"assign", "start", "resolve", "comment"}
ON_THE_SPOT = {"accept", "assign", "start", "resolve"}


@contextmanager
def clock(at: datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def case_rows(case: Case) -> list[tuple]:
    return list(
        CaseEvent.objects.filter(case=case)
        .order_by("pk")
        .values_list("action", "at", "from_status", "to_status", "actor_id", "note", "changes")
    )


def mediation_rows(mediation: MediationCase | None) -> list[tuple]:
    if mediation is None:
        return []
    return list(
        MediationEvent.objects.filter(mediation=mediation)
        .order_by("pk")
        .values_list("action", "at", "from_status", "to_status", "actor_id", "note", "changes")
    )


def supervision_rows(case: Case) -> list[tuple]:
    return list(
        Supervision.objects.filter(case=case)
        .order_by("day")
        .values_list("day", "overdue_hours", "created_at")
    )


CASE_FIELDS = (
    "kind", "category_id", "grid_id", "source", "priority", "triage", "level", "status", "version",
    "on_the_spot", "reported_at", "accepted_at", "assigned_at", "started_at", "resolved_at", "closed_at",
    "due_at", "is_overdue", "result", "rework_count", "escalation_count", "satisfaction", "feedback_note",
    "assignee_worker_id", "assignee_unit", "reporter_id",
)  # fmt: skip
MEDIATION_FIELDS = (
    "level", "dispute_type", "amount", "summary", "lead_mediator_id", "room_id", "status", "registered_by_id",
    "registered_at", "started_at", "concluded_at", "outcome_note", "escalation_count", "referral",
    "referral_note", "referred_at", "version",
)  # fmt: skip


def state(case: Case) -> dict:
    case.refresh_from_db()
    mediation = case.mediations.first()
    return {
        "case": {name: getattr(case, name) for name in CASE_FIELDS},
        "mediation": {name: getattr(mediation, name) for name in MEDIATION_FIELDS} if mediation else None,
        "case_history": case_rows(case),
        "mediation_history": mediation_rows(mediation),
        "supervisions": supervision_rows(case),
    }


def _sweeps(case: Case) -> list[datetime]:
    """The hourly overdue sweeps that changed this case: the one that marked it, then the first
    of each later day (the one that wrote that day's supervision entry)."""
    marked = [e.at for e in case.events.filter(action="mark_overdue")]
    days = [s.day for s in case.supervisions.order_by("day")][1:]
    local = timezone.get_current_timezone()
    return marked + [datetime.combine(day, time(0), local) for day in days]


def replay(seeded: Case) -> Case:
    """Take every step of `seeded` again through the services; return the new case."""
    mediation = seeded.mediations.first()
    steps = [(e.at, 0, "case", e) for e in seeded.events.order_by("pk") if e.action != "mark_overdue"]
    if mediation is not None:
        steps += [(e.at, 0, "mediation", e) for e in mediation.events.order_by("pk")]
    # A sweep sees the case after the steps of the same instant.
    steps += [(at, 1, "sweep", None) for at in _sweeps(seeded)]
    steps.sort(key=lambda step: (step[0], step[1]))
    player = _Player(seeded, mediation)
    for at, _order, kind, event in steps:
        with clock(at):
            if kind == "sweep":
                overdue.cases_sweep_overdue(now=at)
            elif kind == "case":
                player.case_step(event)
            else:
                player.mediation_step(event)
    return player.case


class _Player:
    def __init__(self, seeded: Case, mediation: MediationCase | None):
        self.seeded, self.seeded_mediation = seeded, mediation
        self.case: Case | None = None
        self.mediation: MediationCase | None = None
        self.sessions = list(mediation.sessions.order_by("pk")) if mediation else []
        self.follow_ups = list(mediation.follow_ups.order_by("pk")) if mediation else []

    # --- the case's own steps ----------------------------------------------------------------
    def case_step(self, event: CaseEvent) -> None:
        seeded, action = self.seeded, event.action
        if action == "report":
            self.case = case_services.case_create(
                actor=seeded.reporter,
                grid=seeded.grid,
                category=seeded.category,
                title=seeded.title,
                kind=seeded.kind,
                source=seeded.source,
                priority=seeded.priority,
                description=seeded.description,
                address=seeded.address,
                contact_name=seeded.contact_name,
                contact_phone=seeded.contact_phone,
                reported_at=event.at,
                on_the_spot=seeded.on_the_spot,
                result=seeded.result if seeded.on_the_spot else "",
            )
            return
        if seeded.on_the_spot and action in ON_THE_SPOT:
            return  # written by case_create above
        if self.seeded_mediation is not None and action in BY_MEDIATION:
            return  # written by the mediation's step
        kwargs = {"case_id": self.case.pk, "actor": event.actor}
        changes = event.changes
        if action == "accept":
            case_services.case_accept(**kwargs, note=event.note)
        elif action == "assign":
            worker = changes.get("assignee_worker", [None, None])[1]
            if worker is not None:
                kwargs["worker"] = GridWorker.objects.get(pk=worker)
            else:
                kwargs["unit"] = changes["assignee_unit"][1]
            case_services.case_assign(**kwargs, note=event.note)
        elif action == "escalate":
            case_services.case_escalate(**kwargs, reason=event.note)
        elif action == "start":
            case_services.case_start(**kwargs, note=event.note)
        elif action == "resolve":
            case_services.case_resolve(**kwargs, result=event.note)
        elif action == "verify":
            case_services.case_verify(**kwargs, passed=event.to_status == "closed", note=event.note)
        elif action == "extend":
            due_at = datetime.fromisoformat(changes["due_at"][1])
            case_services.case_extend(**kwargs, due_at=due_at, reason=event.note)
        elif action == "comment":
            case_services.case_comment(**kwargs, note=event.note)
        elif action == "feedback":
            case_services.case_feedback(**kwargs, satisfaction=changes["satisfaction"][1], note=event.note)
        else:
            raise AssertionError(f"no service replays {action}")

    # --- the mediation's steps -----------------------------------------------------------------
    def mediation_step(self, event: MediationEvent) -> None:
        seeded, action = self.seeded_mediation, event.action
        if action == "register":
            first_escalation = seeded.events.filter(action="escalate").order_by("pk").first()
            level, room_id = seeded.level, seeded.room_id
            if first_escalation is not None:
                level = first_escalation.changes["level"][0]
                room_id = first_escalation.changes.get("room", [room_id])[0]
            self.mediation = mediation_services.mediation_register(
                actor=event.actor,
                case=self.case,
                level=level,
                dispute_type=seeded.dispute_type,
                lead_mediator=seeded.lead_mediator,
                parties=[
                    {"role": p.role, "name": p.name, "phone": p.phone, "id_number": p.id_number}
                    for p in seeded.parties.order_by("pk")
                ],
                assisting_mediators=list(seeded.assisting_mediators.all()),
                room=MediationRoom.objects.get(pk=room_id) if room_id else None,
                amount=seeded.amount,
                summary=seeded.summary,
            )
            return
        kwargs = {"mediation_id": self.mediation.pk, "actor": event.actor}
        if action == "start":
            mediation_services.mediation_start(**kwargs, note=event.note)
        elif action == "session":
            session = self.sessions.pop(0)
            mediation_services.mediation_session(
                **kwargs,
                held_on=session.held_on,
                place=session.place,
                attendees=session.attendees,
                notes=session.notes,
            )
        elif action == "agree":
            agreement = seeded.agreement
            mediation_services.mediation_agree(
                **kwargs,
                form=agreement.form,
                content=agreement.content,
                signed_on=agreement.signed_on,
                performance_deadline=agreement.performance_deadline,
            )
        elif action == "fail":
            mediation_services.mediation_fail(**kwargs, reason=event.note)
        elif action == "withdraw":
            mediation_services.mediation_withdraw(**kwargs, reason=event.note)
        elif action == "refer":
            mediation_services.mediation_refer(**kwargs, to=seeded.referral, note=seeded.referral_note)
        elif action == "escalate":
            room = event.changes.get("room", [None, None])[1]
            mediation_services.mediation_escalate(
                **kwargs, reason=event.note, room=MediationRoom.objects.get(pk=room) if room else None
            )
        elif action == "confirm":
            confirmation = seeded.agreement.confirmation
            mediation_services.mediation_confirm(
                **kwargs,
                applied_on=confirmation.applied_on,
                result=confirmation.result,
                court=confirmation.court,
                decided_on=confirmation.decided_on,
            )
        elif action == "follow-up":
            follow_up = self.follow_ups.pop(0)
            mediation_services.mediation_follow_up(
                **kwargs,
                visited_on=follow_up.visited_on,
                performance=follow_up.performance,
                notes=follow_up.notes,
            )
        else:
            raise AssertionError(f"no service replays {action}")
