"""Whether the database holds data already, and wiping it for `seed --reset`."""

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import DeviceToken
from cases.models import Case, CaseAttachment, CaseEvent, CaseNumberCounter, DispatchUnit, Supervision
from core.models import IdempotencyKey, OutboxEvent
from grids.models import (
    BoundaryVersion,
    CoGovernanceMember,
    Community,
    Grid,
    GridWorker,
    MicroGrid,
    PersonalDataReveal,
    Street,
    UserScope,
)
from mediation.models import (
    Agreement,
    FollowUp,
    JudicialConfirmation,
    MediationCase,
    MediationEvent,
    MediationRoom,
    Mediator,
    Party,
    Session,
)
from registry.models import (
    Building,
    Facility,
    House,
    KeyPerson,
    KeyPersonEvent,
    Organisation,
    Residence,
    Resident,
    ResidentExport,
    Visit,
)
from reports.models import (
    CategoryRollup,
    CommunityRollup,
    GridRollup,
    MediationRollup,
    MediationTally,
    StreetRollup,
)

# Children before parents: every foreign key is PROTECT, so this order is the only one that works.
WIPE_ORDER = [
    KeyPersonEvent, Visit, KeyPerson, ResidentExport, Residence, Resident.tags.through,
    Organisation.safety_tags.through,
    MediationTally, MediationRollup,
    JudicialConfirmation, Agreement, FollowUp, Session, Party, MediationEvent,
    MediationCase.assisting_mediators.through, MediationCase, Mediator, MediationRoom,
    StreetRollup, CommunityRollup, CategoryRollup, GridRollup,
    CaseAttachment, Supervision, CaseEvent, IdempotencyKey, CaseNumberCounter, Case, DispatchUnit,
    PersonalDataReveal, Resident, House, Organisation, Facility, Building,
    CoGovernanceMember, GridWorker.grids.through, GridWorker, UserScope,
    MicroGrid, Grid, Community, Street, BoundaryVersion, DeviceToken, LogEntry, OutboxEvent,
]  # fmt: skip


def is_seeded() -> bool:
    """The service has data once it has a street: the seed never writes over one."""
    return Street.objects.exists()


@transaction.atomic
def wipe() -> None:
    """Delete the territory, people, cases, mediation and accounts. The catalogue stays."""
    for model in WIPE_ORDER:
        # A raw DELETE: the history models refuse per-row deletes, and there is nothing to cascade.
        model.objects.all()._raw_delete(model.objects.db)
    User = get_user_model()
    User.groups.through.objects.all()._raw_delete(User.objects.db)
    User.user_permissions.through.objects.all()._raw_delete(User.objects.db)
    User.objects.all()._raw_delete(User.objects.db)
