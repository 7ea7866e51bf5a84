"""Overdue cases (超期) and the daily supervision entry (督办) each of them gets."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent, Supervision

BATCH = 5000


@dataclass(frozen=True)
class SweepResult:
    marked: int
    supervisions: int


@transaction.atomic
def cases_sweep_overdue(*, now: datetime | None = None) -> SweepResult:
    """Mark cases past their due time and not closed; record one supervision per case per day.

    Running it again the same day changes nothing: cases already marked are skipped and the
    (case, day) constraint keeps a second supervision row out.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    overdue = Case.objects.overdue(now)

    # Locked, so that an action cannot close a case between this read and the update below.
    newly = list(
        overdue.filter(is_overdue=False)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "status")
    )
    for start in range(0, len(newly), BATCH):
        chunk = newly[start : start + BATCH]
        Case.objects.filter(pk__in=[pk for pk, _status in chunk]).update(
            is_overdue=True, version=F("version") + 1
        )
        CaseEvent.objects.bulk_create(
            CaseEvent(
                case_id=pk,
                action="mark_overdue",
                actor=None,
                at=now,
                from_status=status,
                to_status=status,
                note=_("Past its due time and not closed."),
                changes={"is_overdue": [False, True]},
            )
            for pk, status in chunk
        )

    pending = overdue.exclude(supervisions__day=today).values_list("pk", "due_at")
    rows = [
        Supervision(case_id=pk, day=today, overdue_hours=int((now - due_at).total_seconds() // 3600))
        for pk, due_at in pending.iterator(chunk_size=BATCH)
    ]
    Supervision.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return SweepResult(marked=len(newly), supervisions=len(rows))
