"""The mediation workflow: which action is allowed in which status, and who may take it.

`TRANSITIONS` is the one table that decides whether a move is legal; the services in
`mediation.services` consult it and nothing else.
"""

from collections.abc import Callable

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import ActionNotAllowed
from grids.scope import Scope
from mediation.models import MEDIATION_LEVEL_ORDER, Agreement, MediationCase, MediationLevel
from mediation.models import MediationStatus as S

# status → {action: status the action leads to}. Escalation registers the case again one
# level up; a failed mediation stays open for escalation or referral elsewhere.
TRANSITIONS: dict[str, dict[str, str]] = {
    S.REGISTERED: {"start": S.MEDIATING, "withdraw": S.WITHDRAWN, "escalate": S.REGISTERED},
    S.MEDIATING: {
        "session": S.MEDIATING,
        "agree": S.AGREED,
        "fail": S.FAILED,
        "withdraw": S.WITHDRAWN,
        "escalate": S.REGISTERED,
    },
    S.FAILED: {"escalate": S.REGISTERED, "refer": S.FAILED},
    S.AGREED: {"confirm": S.AGREED, "follow-up": S.AGREED},
    S.WITHDRAWN: {},
}


# While a mediation holds its dispute case, the case moves only with the mediation's actions
# (cases.workflow refuses the centre's assign, start, resolve and escalate): registered,
# mediating, and failed until it is referred elsewhere (or escalated, which registers it again).
HOLDS_CASE = Q(status__in=[S.REGISTERED, S.MEDIATING]) | Q(status=S.FAILED, referral="")


def _has_written_agreement(mediation: MediationCase) -> bool:
    # Only a written agreement (调解协议书) can be judicially confirmed: the parties submit the
    # agreement itself with their joint application (SPC, Provisions on the Judicial
    # Confirmation Procedure of People's Mediation Agreements, 法释〔2011〕5号, art. 3). An oral
    # agreement is valid, with the mediator recording its content (People's Mediation Law
    # art. 28, in force from the day it is reached, art. 30), but gives the court no document.
    agreement = getattr(mediation, "agreement", None)
    return agreement is not None and agreement.form == Agreement.Form.WRITTEN


def _not_confirmed(mediation: MediationCase) -> bool:
    return not hasattr(mediation.agreement, "confirmation")


GUARDS: dict[str, list[tuple[Callable[[MediationCase], bool], str]]] = {
    "escalate": [
        (
            lambda m: m.level != MediationLevel.STREET,
            gettext_lazy("The mediation is already at street level."),
        ),
        (lambda m: not m.referral, gettext_lazy("The dispute has been referred elsewhere.")),
    ],
    "refer": [(lambda m: not m.referral, gettext_lazy("The dispute has already been referred."))],
    "confirm": [
        (_has_written_agreement, gettext_lazy("Only a written agreement can be judicially confirmed.")),
        (_not_confirmed, gettext_lazy("The judicial confirmation has already been recorded.")),
    ],
}

# The centre's roles, and two pseudo roles: "case_mediator" is any mediator of this case
# (lead or assisting), "lead_mediator" only its lead. A mediator's own role grants nothing.
DISPATCHERS = frozenset({"superuser", "street_admin", "community_staff"})
ROLES: dict[str, frozenset[str]] = {
    "register": DISPATCHERS,
    "start": DISPATCHERS | {"case_mediator"},
    "session": DISPATCHERS | {"case_mediator"},
    "agree": DISPATCHERS | {"case_mediator"},
    "fail": DISPATCHERS | {"case_mediator"},
    "withdraw": DISPATCHERS | {"case_mediator"},
    "escalate": DISPATCHERS | {"lead_mediator"},
    "refer": DISPATCHERS | {"lead_mediator"},
    "confirm": DISPATCHERS | {"case_mediator"},
    "follow-up": DISPATCHERS | {"case_mediator"},
}
# Community staff act on grid- and community-level mediations; the street's centre on the rest.
COMMUNITY_LEVELS = frozenset({MediationLevel.GRID, MediationLevel.COMMUNITY})
# The street's centre (综治中心): superusers and street admins. Only they read mediators' phones.
CENTRE = frozenset({"superuser", "street_admin"})
# Who may reveal a party's personal data: whoever may act on the mediation (the centre, community
# staff on grid- and community-level mediations, the case's own mediators), not those who only
# see it (district viewers, grid workers, a mediator who sees it through their home room).
REVEAL = DISPATCHERS | {"case_mediator"}

ACTIONS = tuple(ROLES)


def mediator_ids(mediation: MediationCase) -> set[int]:
    return {mediation.lead_mediator_id, *(m.pk for m in mediation.assisting_mediators.all())}


def may(scope: Scope, action: str, mediation: MediationCase) -> bool:
    """Whether the caller's role allows `action` on `mediation` (whatever its status)."""
    return _role_allows(scope, ROLES.get(action, frozenset()), mediation)


def may_reveal(scope: Scope, mediation: MediationCase) -> bool:
    """Whether the caller may reveal the personal data of `mediation`'s parties."""
    return _role_allows(scope, REVEAL, mediation)


def _role_allows(scope: Scope, allowed: frozenset[str], mediation: MediationCase) -> bool:
    if scope.role in allowed:
        return scope.role != "community_staff" or mediation.level in COMMUNITY_LEVELS
    if scope.role != "mediator" or scope.mediator_id is None:
        return False
    if "lead_mediator" in allowed:
        return mediation.lead_mediator_id == scope.mediator_id
    return "case_mediator" in allowed and scope.mediator_id in mediator_ids(mediation)


def _failed_guard(mediation: MediationCase, action: str) -> str | None:
    for test, message in GUARDS.get(action, []):
        if not test(mediation):
            return str(message)
    return None


def allowed_actions(mediation: MediationCase, scope: Scope | None = None) -> list[str]:
    actions = [a for a in TRANSITIONS.get(mediation.status, {}) if _failed_guard(mediation, a) is None]
    if scope is not None:
        actions = [a for a in actions if may(scope, a, mediation)]
    return sorted(actions)


def check_move(mediation: MediationCase, action: str, scope: Scope | None = None) -> None:
    """Raise `ActionNotAllowed` (409) unless `action` is allowed in the status now."""
    if action not in TRANSITIONS.get(mediation.status, {}):
        raise ActionNotAllowed(
            _("“%(action)s” is not allowed while the mediation is %(status)s.")
            % {"action": action, "status": mediation.get_status_display()},
            allowed_actions=allowed_actions(mediation, scope),
        )
    refused = _failed_guard(mediation, action)
    if refused:
        raise ActionNotAllowed(refused, allowed_actions=allowed_actions(mediation, scope))


def level_above(level: str) -> str:
    return MEDIATION_LEVEL_ORDER[MEDIATION_LEVEL_ORDER.index(level) + 1]
