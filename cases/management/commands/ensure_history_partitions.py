"""Create the coming months' partitions of the history tables (PostgreSQL), for cron users;
Celery beat runs `cases.tasks.ensure_history_partitions` daily."""

from django.conf import settings
from django.core.management.base import BaseCommand

from core.partitions import partitions_ensure


class Command(BaseCommand):
    help = "Create this month's and the coming months' partitions of the history tables (PostgreSQL)."

    def handle(self, *args, **options):
        created = partitions_ensure(months_ahead=settings.HISTORY_PARTITIONS_AHEAD)
        self.stdout.write(
            f"{len(created)} partitions created" + (f": {', '.join(created)}" if created else ".")
        )
