"""The case workflow: which action is allowed in which status, and who may take it.

`TRANSITIONS` is the one table that decides whether a move is legal; the services in
`cases.services` consult it and nothing else. `ROLES` says which roles may take each
action; `GUARDS` adds the few conditions that depend on more than the status, and
`MEDIATION_MOVES` the moves a dispute makes only with its mediation.
"""

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import LEVEL_ORDER, Case, Kind, Level, Status
from config.errors import ActionNotAllowed
from grids.scope import Scope

# status → {action: statuses the action may lead to}. "verify" has two outcomes: passed
# closes the case, failed sends it back to the assignee as rework. "extend" is open in every
# status in which a case can be overdue (`querysets.OPEN_STATUSES`), waiting for acceptance
# or for verification included: the clock runs from the report to the close.
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Status.REPORTED: {
        "accept": (Status.ACCEPTED,),
        "reject": (Status.REJECTED,),
        "extend": (Status.REPORTED,),
        "update": (Status.REPORTED,),
        "comment": (Status.REPORTED,),
        "attach": (Status.REPORTED,),
    },
    Status.ACCEPTED: {
        "assign": (Status.ASSIGNED,),
        "escalate": (Status.ACCEPTED,),
        "extend": (Status.ACCEPTED,),
        "update": (Status.ACCEPTED,),
        "comment": (Status.ACCEPTED,),
        "attach": (Status.ACCEPTED,),
    },
    Status.ASSIGNED: {
        "assign": (Status.ASSIGNED,),
        "start": (Status.IN_PROGRESS,),
        "escalate": (Status.ACCEPTED,),
        "extend": (Status.ASSIGNED,),
        "update": (Status.ASSIGNED,),
        "comment": (Status.ASSIGNED,),
        "attach": (Status.ASSIGNED,),
    },
    Status.IN_PROGRESS: {
        "resolve": (Status.RESOLVED,),
        "escalate": (Status.ACCEPTED,),
        "extend": (Status.IN_PROGRESS,),
        "update": (Status.IN_PROGRESS,),
        "comment": (Status.IN_PROGRESS,),
        "attach": (Status.IN_PROGRESS,),
    },
    Status.RESOLVED: {
        "verify": (Status.CLOSED, Status.ASSIGNED),
        "extend": (Status.RESOLVED,),
        "comment": (Status.RESOLVED,),
        "attach": (Status.RESOLVED,),
    },
    Status.CLOSED: {
        "feedback": (Status.CLOSED,),
        "comment": (Status.CLOSED,),
    },
    Status.REJECTED: {
        "comment": (Status.REJECTED,),
    },
}

# Conditions beyond the status: (test on the case, why the action is refused otherwise).
GUARDS: dict[str, tuple[Callable[[Case], bool], str]] = {
    "escalate": (
        lambda case: case.level != Level.DISTRICT,
        gettext_lazy("The case is already at district level."),
    ),
    "feedback": (
        lambda case: not case.satisfaction,
        gettext_lazy("The resident's feedback has already been recorded."),
    ),
}

# The centre's roles: they triage, dispatch, verify and close.
DISPATCHERS = frozenset({"superuser", "street_admin", "community_staff"})
# "assignee" is the grid worker the case is assigned to; "reporter" the user who logged it.
ROLES: dict[str, frozenset[str]] = {
    "report": DISPATCHERS | {"grid_worker"},
    "accept": DISPATCHERS,
    "reject": DISPATCHERS,
    "assign": DISPATCHERS,
    "escalate": DISPATCHERS,
    "extend": DISPATCHERS,
    "verify": DISPATCHERS,
    "update": DISPATCHERS | {"reporter"},
    "start": DISPATCHERS | {"assignee"},
    "resolve": DISPATCHERS | {"assignee"},
    "comment": DISPATCHERS | {"grid_worker"},
    "attach": DISPATCHERS | {"grid_worker"},
    "feedback": DISPATCHERS | {"grid_worker"},
}

# Community staff dispatch what stays in the community; street-level and higher cases belong
# to the street's centre. They may still comment on any case they see.
COMMUNITY_LEVELS = frozenset({Level.GRID, Level.COMMUNITY})
COMMUNITY_ANY_LEVEL_ACTIONS = frozenset({"comment", "attach", "feedback", "report"})

ACTIONS = frozenset(action for moves in TRANSITIONS.values() for action in moves)


# A dispute in mediation moves with its mediation. While a mediation holds the case
# (`mediation.workflow.HOLDS_CASE`: registered, mediating, or failed and not yet referred),
# these moves come only from the mediation's own actions, which pass `by_mediation=True`;
# anyone else gets a 409 naming the mediation, so the two workflows cannot diverge.
MEDIATION_MOVES = frozenset({"assign", "start", "resolve", "escalate"})


def _guard_passes(case: Case, action: str) -> bool:
    guard = GUARDS.get(action)
    return guard is None or guard[0](case)


def holding_mediation(case: Case):
    """The mediation that holds this dispute case now, or None; read once per case object."""
    if case.kind != Kind.DISPUTE:
        return None
    if "_holding_mediation" not in case.__dict__:
        from mediation.selectors import mediation_holding_case  # mediation builds on cases

        case.__dict__["_holding_mediation"] = mediation_holding_case(case_id=case.pk)
    return case.__dict__["_holding_mediation"]


def _held(case: Case, action: str) -> bool:
    return action in MEDIATION_MOVES and holding_mediation(case) is not None


def may_handle_level(scope: Scope, level: str) -> bool:
    """Whether the caller's role dispatches cases at `level` (community staff: their community's)."""
    return scope.role != "community_staff" or level in COMMUNITY_LEVELS


def may(scope: Scope, action: str, case: Case) -> bool:
    """Whether the caller's role allows `action` on `case` (whatever its status)."""
    allowed = ROLES.get(action, frozenset())
    if scope.role in allowed:
        if action not in COMMUNITY_ANY_LEVEL_ACTIONS:
            return may_handle_level(scope, case.level)
        return True
    worker_user = case.assignee_worker.user_id if case.assignee_worker_id else None
    if "assignee" in allowed and scope.role == "grid_worker" and worker_user == scope.user_id:
        return True
    reporter_may_update = action == "update" and case.status == Status.REPORTED
    return "reporter" in allowed and reporter_may_update and case.reporter_id == scope.user_id


def allowed_actions(case: Case, scope: Scope | None = None) -> list[str]:
    """Actions the case's status allows now, limited to the caller's role when given."""
    actions = [a for a in TRANSITIONS.get(case.status, {}) if _guard_passes(case, a) and not _held(case, a)]
    if scope is not None:
        actions = [a for a in actions if may(scope, a, case)]
    return sorted(actions)


def check_move(case: Case, action: str, scope: Scope | None = None, *, by_mediation: bool = False) -> None:
    """Raise `ActionNotAllowed` (409) unless `action` is allowed in the case's status now.

    `by_mediation` is for the mediation services alone: they move the dispute case they hold.
    """
    moves = TRANSITIONS.get(case.status, {})
    if action not in moves:
        raise ActionNotAllowed(
            _("“%(action)s” is not allowed while the case is %(status)s.")
            % {"action": action, "status": case.get_status_display()},
            allowed_actions=allowed_actions(case, scope),
        )
    if not _guard_passes(case, action):
        raise ActionNotAllowed(str(GUARDS[action][1]), allowed_actions=allowed_actions(case, scope))
    if not by_mediation and _held(case, action):
        mediation = holding_mediation(case)
        raise ActionNotAllowed(
            _(
                "The dispute is in mediation (mediation case %(id)d, %(status)s): it moves only "
                "with the mediation's actions."
            )
            % {"id": mediation.pk, "status": mediation.get_status_display()},
            allowed_actions=allowed_actions(case, scope),
        )


def check_rework(case: Case, scope: Scope | None = None) -> None:
    """Raise `ActionNotAllowed` (409) if verify(failed) may not send this case back for rework.

    A dispute settled by a mediation agreement is not reworked: the agreement binds the
    parties, and the mediation committee follows up on its performance (People's Mediation
    Law art. 31); a party who does not perform is taken to court (art. 32) or, after judicial
    confirmation, to enforcement (art. 33). Rework would reopen the case under an `agreed`
    mediation. The centre closes it (verify passed) and records the performance as follow-ups.
    """
    if case.kind != Kind.DISPUTE:
        return
    from mediation.selectors import mediation_agreed_for_case  # mediation builds on cases

    mediation = mediation_agreed_for_case(case_id=case.pk)
    if mediation is not None:
        raise ActionNotAllowed(
            _(
                "The dispute was settled by the agreement of mediation case %(id)d: it is not sent "
                "back for rework. Record whether the parties perform it as the mediation's "
                "follow-up visits."
            )
            % {"id": mediation.pk},
            allowed_actions=allowed_actions(case, scope),
        )


def next_status(case: Case, action: str, *, passed: bool = True) -> str:
    targets = TRANSITIONS[case.status][action]
    return targets[0] if passed or len(targets) == 1 else targets[1]


def level_above(level: str) -> str:
    return LEVEL_ORDER[LEVEL_ORDER.index(level) + 1]
