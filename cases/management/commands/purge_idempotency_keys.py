from django.conf import settings
from django.core.management.base import BaseCommand

from core.idempotency import idempotency_keys_purge


class Command(BaseCommand):
    help = "Delete idempotency keys older than IDEMPOTENCY_KEY_TTL_HOURS (never younger than 24 hours)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=settings.IDEMPOTENCY_KEY_TTL_HOURS)

    def handle(self, *args, **options):
        deleted = idempotency_keys_purge(older_than_hours=options["hours"])
        self.stdout.write(f"idempotency keys deleted: {deleted}")
