"""Overdue cases (超期) and the daily supervision entry (督办) each of them gets.

The sweep runs every hour (`sweep_overdue`, from cron or the task scheduler). What it writes
about a case is defined here once: the step that marks it overdue (`mark_overdue_step`), and
one supervision entry per day it stays open with the hours it is overdue by then
(`overdue_hours`). The seed asks `hourly_sweep_record` what the hourly sweep would have written
up to a moment, and records exactly that.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Supervision
from cases.workflow import CASE_HISTORY
from core import outbox
from core.history import Step
from core.locking import lock_all

BATCH = 5000
SWEEP_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class SweepResult:
    marked: int
    supervisions: int


def mark_overdue_step(status: str, at: datetime) -> Step:
    """The sweep's history step on a case it finds overdue: no actor, the status unchanged."""
    return Step(
        "mark_overdue",
        at,
        None,
        status,
        status,
        _("Past its due time and not closed."),
        {"is_overdue": [False, True]},
    )


def overdue_hours(due_at: datetime, at: datetime) -> int:
    """Whole hours a case is past its due time at `at`: the supervision entry's figure."""
    return int((at - due_at).total_seconds() // 3600)


@transaction.atomic
def cases_sweep_overdue(*, now: datetime | None = None) -> SweepResult:
    """Mark cases past their due time and not closed; record one supervision per case per day.

    Running it again the same day changes nothing: cases already marked are skipped and the
    (case, day) constraint keeps a second supervision row out. Each mark and each supervision
    is published to the outbox (`cases.mark_overdue`, `cases.supervise`).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    overdue = Case.objects.overdue(now)

    # Locked, so that an action cannot close a case between this read and the update below.
    newly = list(lock_all(overdue.filter(is_overdue=False)).values_list("pk", "status"))
    for start in range(0, len(newly), BATCH):
        chunk = newly[start : start + BATCH]
        Case.objects.filter(pk__in=[pk for pk, _status in chunk]).update(
            is_overdue=True, version=F("version") + 1
        )
        steps = [(pk, mark_overdue_step(status, now)) for pk, status in chunk]
        CASE_HISTORY.model.objects.bulk_create(CASE_HISTORY.row(pk, step) for pk, step in steps)
        outbox.publish_many(CASE_HISTORY.event(pk, step) for pk, step in steps)

    pending = overdue.exclude(supervisions__day=today).values_list("pk", "due_at")
    rows = [
        Supervision(case_id=pk, day=today, overdue_hours=overdue_hours(due_at, now), created_at=now)
        for pk, due_at in pending.iterator(chunk_size=BATCH)
    ]
    created = Supervision.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    outbox.publish_many(_supervision_event(row, now) for row in created)
    return SweepResult(marked=len(newly), supervisions=len(rows))


def _supervision_event(row: Supervision, now: datetime) -> outbox.OutboxEvent:
    return outbox.OutboxEvent(
        name="cases.supervise",
        aggregate="cases",
        aggregate_id=row.case_id,
        occurred_at=now,
        payload={"day": row.day.isoformat(), "overdue_hours": row.overdue_hours},
    )


@dataclass
class SweepRecord:
    """What the hourly sweep wrote about one case up to a moment."""

    marked_at: datetime | None = None
    # (day, hours overdue, the time of the sweep that wrote it)
    supervisions: list[tuple[date, int, datetime]] = field(default_factory=list)


def hourly_sweep_record(due_at: datetime, closed_at: datetime | None, as_of: datetime, tz) -> SweepRecord:
    """What an hourly sweep on the hour wrote about a case due at `due_at`, up to `as_of`.

    The first sweep after the due time while the case is open (not closed) marks it; the
    first sweep of each local day (`tz`) it stays open writes that day's supervision with the
    hours overdue at that sweep. A sweep at the very minute of the closing comes too late.
    """
    end = closed_at or as_of
    marked = due_at.replace(minute=0, second=0, microsecond=0) + SWEEP_INTERVAL
    last = end.replace(minute=0, second=0, microsecond=0)
    if closed_at is not None and last == closed_at:
        last -= SWEEP_INTERVAL
    if marked > last:
        return SweepRecord()
    record = SweepRecord(marked_at=marked)
    day, last_day = marked.astimezone(tz).date(), last.astimezone(tz).date()
    while day <= last_day:
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
        written = max(marked, midnight)
        record.supervisions.append((day, overdue_hours(due_at, written), written))
        day += timedelta(days=1)
    return record
