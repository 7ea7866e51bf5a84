"""The key-person workflow and who may write base data, declared into the engine (`core.workflow`).

A key person is under supervision (`active`) until the centre ends it (`ended`); while active,
the responsible worker and the centre record visits (走访), and the centre changes the risk
level (which sets the visit frequency) or hands the person to another worker. Every step is a
move of the one table, checked role (403) → version (412) → move (409), recorded in
`KeyPersonEvent` and published to the outbox as `key_persons.<action>`. The events name the
grid and the street, never the person, the category or the findings.

Base data itself (buildings, houses, residents, organisations, facilities) is written by the
centre, community staff in their community and grid workers in their grids: they collect it
(信息采集). Exports of residents are the street's centre's only.
"""

from django.utils.translation import gettext_lazy as _

from core.access import ACCESS, CENTRE, DISPATCHERS, Relation, Role
from core.history import History
from core.workflow import Messages, Workflow
from registry.models import KeyPerson, KeyPersonEvent, KeyPersonStatus

ACTIVE, ENDED = KeyPersonStatus.ACTIVE, KeyPersonStatus.ENDED

TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    ACTIVE: {
        "visit": (ACTIVE,),
        "change_risk": (ACTIVE,),
        "reassign": (ACTIVE,),
        "end": (ENDED,),
    },
    ENDED: {
        "resume": (ACTIVE,),
    },
}


def _is_responsible_worker(scope, key_person: KeyPerson) -> bool:
    return scope.role == Role.GRID_WORKER and key_person.responsible_worker.user_id == scope.user_id


RESPONSIBLE = Relation(
    "responsible_worker", _("the grid worker responsible for the key person"), _is_responsible_worker
)

KEY_PERSON_GRANTS = {
    "visit": CENTRE | {RESPONSIBLE},
    "change_risk": CENTRE,
    "reassign": CENTRE,
    "end": CENTRE,
    "resume": CENTRE,
}

KEY_PERSON_WORKFLOW = Workflow(
    "key_persons",
    table=TRANSITIONS,
    grants=KEY_PERSON_GRANTS,
    messages=Messages(
        role=_("Your role may not %(action)s this key person."),
        move=_("“%(action)s” is not allowed while the key person is %(status)s."),
        stale=_("The key person has changed since you read it (version %(version)d)."),
    ),
)


def _event_context(key_person: KeyPerson) -> dict:
    """Where the step happened, for a subscriber's routing; nothing that says who or why."""
    return {
        "grid": key_person.grid_id,
        "street": key_person.grid.community.street_id,
        "responsible_worker": key_person.responsible_worker_id,
    }


KEY_PERSON_HISTORY = History(
    "key_persons", model=KeyPersonEvent, parent_field="key_person", context=_event_context
)

ACCESS.register(
    "registry",
    {
        # Collecting base data: the centre, community staff and grid workers, each in their territory.
        "collect": DISPATCHERS | {Role.GRID_WORKER},
        # Registering a key person: the centre only.
        "register_key_person": CENTRE,
        # Residents' ID numbers and phones, and the other phones of base data, in full (audited).
        "reveal": DISPATCHERS,
        # Residents' list as a file, always masked and audited.
        "export_residents": frozenset({Role.STREET_ADMIN}),
        # The bulk import of base data from a spreadsheet.
        "import": CENTRE,
    },
)
