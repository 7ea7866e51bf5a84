"""Reads of mediation that lower apps ask for through their registries (see `apps.py`).

The cases app does not know mediation: it offers registries (who holds a case, which guards
a move passes, how a scope level sees cases) and the grids app one for the scope of a role.
Mediation fills them from `MediationConfig.ready()` with the functions below.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from cases.models import Case, Kind, Status
from core.access import Role
from core.workflow import Move
from grids.scope import NO_ROLE, Scope
from mediation.models import MediationCase, MediationStatus, Mediator
from mediation.workflow import HOLDS_CASE


def mediation_holding_case(*, case_id: int) -> MediationCase | None:
    """The mediation that holds the dispute case now (see `workflow.HOLDS_CASE`), or None."""
    return MediationCase.objects.filter(HOLDS_CASE, case_id=case_id).first()


def mediation_agreed_for_case(*, case_id: int) -> MediationCase | None:
    """The mediation whose agreement settled the dispute case, or None."""
    return MediationCase.objects.filter(case_id=case_id, status=MediationStatus.AGREED).first()


def no_merge_after_mediation(case: Case, move: Move) -> str | None:
    """The case workflow's guard on `merge` that mediation adds: a dispute that went through
    mediation (agreed, failed and referred) is not closed as a duplicate.

    Its mediation is a record of its own (the agreement, the referral) that the reports count;
    closing the case as merged would leave that record hanging on a case counted as nothing.
    The centre closes it by verification. Another case may still be merged into it.
    """
    if move.outcome == "kept" or case.kind != Kind.DISPUTE or case.status != Status.RESOLVED:
        return None
    mediation = (
        MediationCase.objects.filter(case_id=case.pk).exclude(status=MediationStatus.WITHDRAWN).first()
    )
    if mediation is None:
        return None
    return _(
        "The dispute went through mediation case %(id)d: close it by verification, not as a duplicate."
    ) % {"id": mediation.pk}


def describe_hold(mediation_id: int) -> str:
    """Why a held dispute case refuses the centre's move (`cases.holds.register_holder`)."""
    mediation = MediationCase.objects.only("status").get(pk=mediation_id)
    return _(
        "The dispute is in mediation (mediation case %(id)d, %(status)s): it moves only "
        "with the mediation's actions."
    ) % {"id": mediation.pk, "status": mediation.get_status_display()}


def no_rework_after_agreement(case: Case, move: Move) -> str | None:
    """The case workflow's guard on `verify` that mediation adds: no rework of a settled dispute.

    A dispute settled by a mediation agreement is not reworked: the agreement binds the
    parties, and the mediation committee follows up on its performance (People's Mediation
    Law art. 31); a party who does not perform is taken to court (art. 32) or, after judicial
    confirmation, to enforcement (art. 33). Rework would reopen the case under an `agreed`
    mediation. The centre closes it (verify passed) and records the performance as follow-ups.
    """
    if move.outcome != "failed" or case.kind != Kind.DISPUTE:
        return None
    mediation = mediation_agreed_for_case(case_id=case.pk)
    if mediation is None:
        return None
    return _(
        "The dispute was settled by the agreement of mediation case %(id)d: it is not sent "
        "back for rework. Record whether the parties perform it as the mediation's "
        "follow-up visits."
    ) % {"id": mediation.pk}


def cases_of_visible_mediations(cases, scope: Scope):
    """How a mediator sees cases: the dispute cases of the mediations they see."""
    return cases.filter(pk__in=MediationCase.objects.visible_to(scope).values("case_id"))


def mediator_scope(user) -> Scope:
    """A mediator's scope: their street, their record and their home room (active mediators only)."""
    row = (
        Mediator.objects.filter(user_id=user.pk, is_active=True)
        .values("pk", "street_id", "home_room_id")
        .first()
    )
    if row is None:
        return Scope(role=NO_ROLE, user_id=user.pk)
    return Scope(
        role=Role.MEDIATOR,
        user_id=user.pk,
        street_id=row["street_id"],
        mediator_id=row["pk"],
        room_id=row["home_room_id"],
    )


def mediator_record_exists(user_id: int) -> bool:
    return Mediator.objects.filter(user_id=user_id).exists()


def mediations_of_resident(resident, scope: Scope) -> list[dict]:
    """The mediations the caller sees that concern a resident: of a dispute case about them, or
    with a party holding their ID number (matched by the blind index, never by value)."""
    concerning = Q(case__resident=resident)
    if resident.id_number_index:
        concerning |= Q(parties__id_number_index=resident.id_number_index)
    rows = (
        MediationCase.objects.visible_to(scope)
        .filter(pk__in=MediationCase.objects.filter(concerning).values("pk"))
        .order_by("-registered_at", "-pk")
        .values("id", "case_id", "case__number", "level", "dispute_type", "status", "registered_at")[:50]
    )
    return [{**row, "case_number": row.pop("case__number")} for row in rows]
