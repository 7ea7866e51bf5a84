"""The case workflow: which action is allowed in which status, and who may take it.

`TRANSITIONS` is the one table that decides whether a move is legal; `GRANTS` says which roles
(and which relations to a case) may take each action; the guards add the few conditions that
depend on more than the status. The engine (`core.workflow`) checks them in one order for the
API, the admin and the services alike. Higher apps add their own guards from their
`AppConfig.ready()` (`CASE_WORKFLOW.add_guard`): mediation refuses the rework of a dispute its
agreement settled.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import holds
from cases.models import LEVEL_ORDER, Case, CaseEvent, Level, Status
from core.access import ACCESS, CENTRE, DISPATCHERS, Relation, Role
from core.history import History
from core.workflow import ANY_ACTION, Messages, Move, Workflow, role_limited_to
from grids.privacy import mask_name, mask_phone

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
        "merge": (Status.MERGED, Status.REPORTED),
    },
    Status.ACCEPTED: {
        "assign": (Status.ASSIGNED,),
        "escalate": (Status.ACCEPTED,),
        "extend": (Status.ACCEPTED,),
        "update": (Status.ACCEPTED,),
        "comment": (Status.ACCEPTED,),
        "attach": (Status.ACCEPTED,),
        "merge": (Status.MERGED, Status.ACCEPTED),
    },
    Status.ASSIGNED: {
        "assign": (Status.ASSIGNED,),
        "start": (Status.IN_PROGRESS,),
        "escalate": (Status.ACCEPTED,),
        "extend": (Status.ASSIGNED,),
        "update": (Status.ASSIGNED,),
        "comment": (Status.ASSIGNED,),
        "attach": (Status.ASSIGNED,),
        "merge": (Status.MERGED, Status.ASSIGNED),
    },
    Status.IN_PROGRESS: {
        "resolve": (Status.RESOLVED,),
        "escalate": (Status.ACCEPTED,),
        "extend": (Status.IN_PROGRESS,),
        "update": (Status.IN_PROGRESS,),
        "comment": (Status.IN_PROGRESS,),
        "attach": (Status.IN_PROGRESS,),
        "merge": (Status.MERGED, Status.IN_PROGRESS),
    },
    Status.RESOLVED: {
        "verify": (Status.CLOSED, Status.ASSIGNED),
        "extend": (Status.RESOLVED,),
        "comment": (Status.RESOLVED,),
        "attach": (Status.RESOLVED,),
        "merge": (Status.MERGED, Status.RESOLVED),
    },
    Status.CLOSED: {
        "feedback": (Status.CLOSED,),
        "comment": (Status.CLOSED,),
    },
    Status.REJECTED: {
        "comment": (Status.REJECTED,),
    },
    Status.MERGED: {
        "comment": (Status.MERGED,),
    },
}

# The outcomes of verify, by their place among its targets.
PASSED, FAILED = 0, 1
# "merge" has two sides, both open cases of one street: the duplicate is closed as merged
# (`merged_into` set, the reason recorded), the case it is merged into keeps its status and
# records that it absorbed the duplicate. Both rows are the one move's.
DUPLICATE, KEPT = 0, 1


def _is_assignee(scope, case: Case) -> bool:
    worker_user = case.assignee_worker.user_id if case.assignee_worker_id else None
    return scope.role == Role.GRID_WORKER and worker_user is not None and worker_user == scope.user_id


def _is_reporter_of_reported_case(scope, case: Case) -> bool:
    return case.status == Status.REPORTED and case.reporter_id == scope.user_id


ASSIGNEE = Relation("assignee", _("the grid worker the case is assigned to"), _is_assignee)
REPORTER = Relation(
    "reporter", _("the user who reported it, while it waits for acceptance"), _is_reporter_of_reported_case
)

CASE_GRANTS = {
    "report": DISPATCHERS | {Role.GRID_WORKER},
    "accept": DISPATCHERS,
    "reject": DISPATCHERS,
    "assign": DISPATCHERS,
    "escalate": DISPATCHERS,
    "extend": DISPATCHERS,
    "verify": DISPATCHERS,
    "update": DISPATCHERS | {REPORTER},
    "start": DISPATCHERS | {ASSIGNEE},
    "resolve": DISPATCHERS | {ASSIGNEE},
    "comment": DISPATCHERS | {Role.GRID_WORKER},
    "attach": DISPATCHERS | {Role.GRID_WORKER},
    "feedback": DISPATCHERS | {Role.GRID_WORKER},
    # Merging spans the street (a duplicate may come from another community): the centre's.
    "merge": CENTRE,
}

# Community staff dispatch what stays in the community; street-level and higher cases belong
# to the street's centre. They may still comment on any case they see.
COMMUNITY_LEVELS = frozenset({Level.GRID, Level.COMMUNITY})
COMMUNITY_ANY_LEVEL_ACTIONS = frozenset({"comment", "attach", "feedback", "report"})


# The one table of what users read for each action: API refusals, the admin's buttons and
# messages, the history's timeline. The codes stay the API's and the history's names.
ACTION_LABELS = {
    "report": pgettext_lazy("case action", "Report"),
    "accept": pgettext_lazy("case action", "Accept"),
    "reject": pgettext_lazy("case action", "Do not accept"),
    "assign": pgettext_lazy("case action", "Dispatch"),
    "start": pgettext_lazy("case action", "Start handling"),
    "resolve": pgettext_lazy("case action", "Report the result"),
    "verify": pgettext_lazy("case action", "Verify"),
    "escalate": pgettext_lazy("case action", "Escalate"),
    "extend": pgettext_lazy("case action", "Extend the due time"),
    "comment": pgettext_lazy("case action", "Comment"),
    "attach": pgettext_lazy("case action", "Attach a file"),
    "feedback": pgettext_lazy("case action", "Record feedback"),
    "update": pgettext_lazy("case action", "Edit the description"),
    "merge": pgettext_lazy("case action", "Merge a duplicate"),
    # Not taken by anyone: the hourly sweep's step (`cases.overdue`).
    "mark_overdue": pgettext_lazy("case action", "Mark overdue"),
}


def _not_at_district(case: Case, move: Move):
    return _("The case is already at district level.") if case.level == Level.DISTRICT else None


def _no_feedback_yet(case: Case, move: Move):
    return _("The resident's feedback has already been recorded.") if case.satisfaction else None


def _not_held_when_merged(case: Case, move: Move):
    """A case another workflow holds (a dispute in mediation) is not closed as a duplicate;
    another case may still be merged into it."""
    if move.outcome != "kept" and holds.holder_of(case) is not None:
        return holds.describe(holds.holder_of(case))
    return None


CASE_WORKFLOW = Workflow(
    "cases",
    table=TRANSITIONS,
    grants=CASE_GRANTS,
    messages=Messages(
        role=_("Your role may not take the action “%(action)s” on this case."),
        move=_("“%(action)s” is not allowed while the case is %(status)s."),
        stale=_("The case has changed since you read it (version %(version)d)."),
    ),
    guards={
        ANY_ACTION: [holds.hold_guard],
        "escalate": [_not_at_district],
        "feedback": [_no_feedback_yet],
        "merge": [_not_held_when_merged],
    },
    role_limits={
        Role.COMMUNITY_STAFF: role_limited_to(COMMUNITY_LEVELS, except_actions=COMMUNITY_ANY_LEVEL_ACTIONS)
    },
    action_labels=ACTION_LABELS,
)

# Who may read a case's resident (contact name and phone) in full: the centre, community staff
# of the case's community (they see no other), and the worker the case is assigned to, who
# must call the resident.
ACCESS.register("cases", {"reveal": DISPATCHERS | {ASSIGNEE}})
# Who edits the case's description in the admin's form (within what the workflow allows).
ACCESS.register("cases", {"admin_edit": DISPATCHERS})


def _event_context(case: Case) -> dict:
    """What an outbox event tells of the case besides the step: where it is and who has it."""
    return {
        "number": case.number,
        "kind": case.kind,
        "category": case.category_id,
        "street": case.street_id,
        "community": case.community_id,
        "grid": case.grid_id,
        "level": case.level,
        "assignee_worker": case.assignee_worker_id,
        "reporter": case.reporter_id,
    }


# A resident's name and phone are recorded masked in the history's changed fields.
PERSONAL_FIELDS = {"contact_name": mask_name, "contact_phone": mask_phone}
CASE_HISTORY = History(
    "cases", model=CaseEvent, parent_field="case", masks=PERSONAL_FIELDS, context=_event_context
)

ACTIONS = CASE_WORKFLOW.actions
ROLES = {action: ACCESS.roles("cases", action) for action in CASE_GRANTS}


def action_label(action: str) -> str:
    """The action's label in the active language (`ACTION_LABELS`)."""
    return CASE_WORKFLOW.label(action)


def may_handle_level(scope, level: str) -> bool:
    """Whether the caller's role dispatches cases at `level` (community staff: their community's)."""
    return scope.role != Role.COMMUNITY_STAFF or level in COMMUNITY_LEVELS


def may(scope, action: str, case: Case) -> bool:
    """Whether the caller's role allows `action` on `case` (whatever its status)."""
    return CASE_WORKFLOW.may(scope, action, case)


def allowed_actions(case: Case, scope=None) -> list[str]:
    """Actions the case's status allows now, limited to the caller's role when given."""
    return CASE_WORKFLOW.allowed_actions(case, scope)


def check_move(case: Case, move: Move | str, scope=None) -> None:
    CASE_WORKFLOW.check_move(case, move, scope)


def next_status(case: Case, action: str, *, passed: bool = True) -> str:
    return CASE_WORKFLOW.next_status(case, action, outcome=PASSED if passed else FAILED)


def merge_status(case: Case, *, kept: bool) -> str:
    """Where `merge` takes the duplicate (merged) or the case it is merged into (its own status)."""
    return CASE_WORKFLOW.next_status(case, "merge", outcome=KEPT if kept else DUPLICATE)


def level_above(level: str) -> str:
    return LEVEL_ORDER[LEVEL_ORDER.index(level) + 1]


def escalation_changes(case: Case) -> dict:
    """What an escalation changes: one level up, back to the centre with nobody assigned.

    `accepted_at` and `due_at` stay: the clock runs from the report, whatever the level.
    """
    return {
        "level": level_above(case.level),
        "assignee_worker": None,
        "assignee_unit": "",
        "assigned_at": None,
        "started_at": None,
        "escalation_count": case.escalation_count + 1,
    }
