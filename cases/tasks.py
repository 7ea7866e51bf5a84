"""The cases' scheduled work as Celery tasks (beat: `CELERY_BEAT_SCHEDULE`). The management
commands `sweep_overdue` and `purge_idempotency_keys` do the same for cron users."""

from celery import shared_task
from django.conf import settings


@shared_task(name="cases.tasks.sweep_overdue")
def sweep_overdue() -> dict:
    from cases.overdue import cases_sweep_overdue

    result = cases_sweep_overdue()
    return {"marked": result.marked, "supervisions": result.supervisions}


@shared_task(name="cases.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    from cases.idempotency import idempotency_keys_purge

    return idempotency_keys_purge(older_than_hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


@shared_task(name="cases.tasks.ensure_history_partitions")
def ensure_history_partitions() -> list[str]:
    """The coming months' partitions of the history tables (PostgreSQL; nothing elsewhere)."""
    from core.partitions import partitions_ensure

    return partitions_ensure(months_ahead=settings.HISTORY_PARTITIONS_AHEAD)
