from django.core.management.base import BaseCommand

from notifications.services import notifications_redrive


class Command(BaseCommand):
    help = (
        "Queue again what the broker may have lost: recent events never routed, deliveries due "
        "and not sent, and claims left by a worker that died. In single-machine mode (no broker) "
        "this sends the retries that are due; run it every minute from cron. Safe to run at any time."
    )

    def handle(self, *args, **options):
        result = notifications_redrive()
        self.stdout.write(
            f"events routed again: {result.events}; deliveries queued: {result.deliveries}; "
            f"claims freed: {result.reclaimed}"
        )
