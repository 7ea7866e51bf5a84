"""The base data's scheduled work as Celery tasks (beat: `CELERY_BEAT_SCHEDULE`). The command
`visits_coming_due` does the same for cron users."""

from celery import shared_task


@shared_task(name="registry.tasks.visits_coming_due")
def visits_coming_due() -> int:
    from registry.keypersons import visits_coming_due_publish

    return visits_coming_due_publish()
