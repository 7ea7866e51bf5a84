"""Whether the database holds data already, and wiping it for `seed --reset`."""

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import DeviceToken
from cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNumberCounter,
    DispatchUnit,
    IdempotencyKey,
    Supervision,
)
from core.models import OutboxEvent
from grids.models import (
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

# Children before parents: every foreign key is PROTECT, so this order is the only one that works.
WIPE_ORDER = [
    JudicialConfirmation, Agreement, FollowUp, Session, Party, MediationEvent,
    MediationCase.assisting_mediators.through, MediationCase, Mediator, MediationRoom,
    CaseAttachment, Supervision, CaseEvent, IdempotencyKey, CaseNumberCounter, Case, DispatchUnit,
    PersonalDataReveal, CoGovernanceMember, GridWorker.grids.through, GridWorker, UserScope,
    MicroGrid, Grid, Community, Street, DeviceToken, LogEntry, OutboxEvent,
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
