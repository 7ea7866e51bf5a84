"""The mediation workflow: which action is allowed in which status, and who may take it.

`TRANSITIONS` is the one table that decides whether a move is legal; `GRANTS` who may take each
action; the guards the conditions beyond the status. The engine (`core.workflow`) checks them
for the API, the admin and the services alike.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.access import ACCESS, CENTRE, DISPATCHERS, Relation, Role
from core.history import History
from core.workflow import Messages, Move, Workflow, role_limited_to
from mediation.models import (
    MEDIATION_LEVEL_ORDER,
    Agreement,
    MediationCase,
    MediationEvent,
    MediationLevel,
)
from mediation.models import MediationStatus as S

# status → {action: statuses the action leads to}. Escalation registers the case again one
# level up; a failed mediation stays open for escalation or referral elsewhere.
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    S.REGISTERED: {"start": (S.MEDIATING,), "withdraw": (S.WITHDRAWN,), "escalate": (S.REGISTERED,)},
    S.MEDIATING: {
        "session": (S.MEDIATING,),
        "agree": (S.AGREED,),
        "fail": (S.FAILED,),
        "withdraw": (S.WITHDRAWN,),
        "escalate": (S.REGISTERED,),
    },
    S.FAILED: {"escalate": (S.REGISTERED,), "refer": (S.FAILED,)},
    S.AGREED: {"confirm": (S.AGREED,), "follow-up": (S.AGREED,)},
    S.WITHDRAWN: {},
}


# While a mediation holds its dispute case, the case moves only with the mediation's actions
# (`cases.holds`): registered, mediating, and failed until it is referred elsewhere (or
# escalated, which registers it again).
HOLDS_CASE = Q(status__in=[S.REGISTERED, S.MEDIATING]) | Q(status=S.FAILED, referral="")


def _has_written_agreement(mediation: MediationCase, move: Move):
    # Only a written agreement (调解协议书) can be judicially confirmed: the parties submit the
    # agreement itself with their joint application (SPC, Provisions on the Judicial
    # Confirmation Procedure of People's Mediation Agreements, 法释〔2011〕5号, art. 3). An oral
    # agreement is valid, with the mediator recording its content (People's Mediation Law
    # art. 28, in force from the day it is reached, art. 30), but gives the court no document.
    agreement = getattr(mediation, "agreement", None)
    if agreement is None or agreement.form != Agreement.Form.WRITTEN:
        return _("Only a written agreement can be judicially confirmed.")
    return None


def _not_confirmed(mediation: MediationCase, move: Move):
    if hasattr(mediation.agreement, "confirmation"):
        return _("The judicial confirmation has already been recorded.")
    return None


def _below_street(mediation: MediationCase, move: Move):
    return (
        _("The mediation is already at street level.") if mediation.level == MediationLevel.STREET else None
    )


def _not_referred(message):
    def guard(mediation: MediationCase, move: Move):
        return message if mediation.referral else None

    return guard


def mediator_ids(mediation: MediationCase) -> set[int]:
    return {mediation.lead_mediator_id, *(m.pk for m in mediation.assisting_mediators.all())}


def _is_case_mediator(scope, mediation: MediationCase) -> bool:
    return (
        scope.role == Role.MEDIATOR
        and scope.mediator_id is not None
        and scope.mediator_id in mediator_ids(mediation)
    )


def _is_lead_mediator(scope, mediation: MediationCase) -> bool:
    return (
        scope.role == Role.MEDIATOR
        and scope.mediator_id is not None
        and mediation.lead_mediator_id == scope.mediator_id
    )


# A mediator's own role grants nothing: being a mediator of this case does.
CASE_MEDIATOR = Relation(
    "case_mediator", _("a mediator of the mediation (lead or assisting)"), _is_case_mediator
)
LEAD_MEDIATOR = Relation("lead_mediator", _("the mediation's lead mediator"), _is_lead_mediator)

GRANTS = {
    "register": DISPATCHERS,
    "start": DISPATCHERS | {CASE_MEDIATOR},
    "session": DISPATCHERS | {CASE_MEDIATOR},
    "agree": DISPATCHERS | {CASE_MEDIATOR},
    "fail": DISPATCHERS | {CASE_MEDIATOR},
    "withdraw": DISPATCHERS | {CASE_MEDIATOR},
    "escalate": DISPATCHERS | {LEAD_MEDIATOR},
    "refer": DISPATCHERS | {LEAD_MEDIATOR},
    "confirm": DISPATCHERS | {CASE_MEDIATOR},
    "follow-up": DISPATCHERS | {CASE_MEDIATOR},
}
# What users read for each action (refusals, the admin, the history).
ACTION_LABELS = {
    "register": pgettext_lazy("mediation action", "Register"),
    "start": pgettext_lazy("mediation action", "Start mediating"),
    "session": pgettext_lazy("mediation action", "Record a session"),
    "agree": pgettext_lazy("mediation action", "Record the agreement"),
    "fail": pgettext_lazy("mediation action", "Record the failure"),
    "withdraw": pgettext_lazy("mediation action", "Withdraw"),
    "escalate": pgettext_lazy("mediation action", "Escalate"),
    "refer": pgettext_lazy("mediation action", "Refer elsewhere"),
    "confirm": pgettext_lazy("mediation action", "Record the judicial confirmation"),
    "follow-up": pgettext_lazy("mediation action", "Record a follow-up visit"),
}
# Community staff act on grid- and community-level mediations; the street's centre on the rest.
COMMUNITY_LEVELS = frozenset({MediationLevel.GRID, MediationLevel.COMMUNITY})

MEDIATION_WORKFLOW = Workflow(
    "mediation",
    table=TRANSITIONS,
    grants=GRANTS,
    messages=Messages(
        role=_("Your role may not take the action “%(action)s” on this mediation."),
        move=_("“%(action)s” is not allowed while the mediation is %(status)s."),
        stale=_("The mediation has changed since you read it (version %(version)d)."),
    ),
    guards={
        "escalate": [_below_street, _not_referred(_("The dispute has been referred elsewhere."))],
        "refer": [_not_referred(_("The dispute has already been referred."))],
        "confirm": [_has_written_agreement, _not_confirmed],
    },
    role_limits={Role.COMMUNITY_STAFF: role_limited_to(COMMUNITY_LEVELS)},
    action_labels=ACTION_LABELS,
)

# Who may reveal a party's personal data: whoever may act on the mediation (the centre, community
# staff on grid- and community-level mediations, the case's own mediators), not those who only
# see it (district viewers, grid workers, a mediator who sees it through their home room).
ACCESS.register(
    "mediation",
    {
        "reveal_party": DISPATCHERS | {CASE_MEDIATOR},
        # Only the street's centre reads mediators' phones: volunteers are residents.
        "read_mediator_phone": CENTRE,
        # Everyone who sees a mediation reads its parties, sessions and agreement, except grid
        # workers, who see how the dispute of their grid stands, not what the parties said.
        "read_details": {
            Role.SUPERUSER,
            Role.DISTRICT_VIEWER,
            Role.STREET_ADMIN,
            Role.COMMUNITY_STAFF,
            Role.MEDIATOR,
        },
    },
)


def _event_context(mediation: MediationCase) -> dict:
    return {
        "case": mediation.case_id,
        "street": mediation.street_id,
        "community": mediation.community_id,
        "level": mediation.level,
        "lead_mediator": mediation.lead_mediator_id,
        "room": mediation.room_id,
    }


MEDIATION_HISTORY = History(
    "mediation", model=MediationEvent, parent_field="mediation", context=_event_context
)

ACTIONS = tuple(GRANTS)


def may(scope, action: str, mediation: MediationCase) -> bool:
    """Whether the caller's role allows `action` on `mediation` (whatever its status)."""
    return MEDIATION_WORKFLOW.may(scope, action, mediation)


def may_reveal(scope, mediation: MediationCase) -> bool:
    """Whether the caller may reveal the personal data of `mediation`'s parties."""
    if scope.role == Role.COMMUNITY_STAFF and mediation.level not in COMMUNITY_LEVELS:
        return False
    return ACCESS.allows("mediation", "reveal_party", scope, mediation)


def allowed_actions(mediation: MediationCase, scope=None) -> list[str]:
    return MEDIATION_WORKFLOW.allowed_actions(mediation, scope)


def check_move(mediation: MediationCase, action: str, scope=None) -> None:
    """Raise `ActionNotAllowed` (409) unless `action` is allowed in the status now."""
    MEDIATION_WORKFLOW.check_move(mediation, action, scope)


def level_above(level: str) -> str:
    return MEDIATION_LEVEL_ORDER[MEDIATION_LEVEL_ORDER.index(level) + 1]
