"""Reads of mediation that the cases workflow asks for: the mediation a dispute case is with."""

from mediation.models import MediationCase, MediationStatus
from mediation.workflow import HOLDS_CASE


def mediation_holding_case(*, case_id: int) -> MediationCase | None:
    """The mediation that holds the dispute case now (see `workflow.HOLDS_CASE`), or None."""
    return MediationCase.objects.filter(HOLDS_CASE, case_id=case_id).first()


def mediation_agreed_for_case(*, case_id: int) -> MediationCase | None:
    """The mediation whose agreement settled the dispute case, or None."""
    return MediationCase.objects.filter(case_id=case_id, status=MediationStatus.AGREED).first()
