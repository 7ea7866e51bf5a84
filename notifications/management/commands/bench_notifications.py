import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Measure what notifications add to an action's time (side by side, with and without the "
        "hook) and one worker's delivery throughput to a local webhook sink. Needs a broker "
        "(CELERY_BROKER_URL or --broker); works on a throwaway database and a queue of its own."
    )

    def add_arguments(self, parser):
        parser.add_argument("--broker", default="", help="broker URL (default: CELERY_BROKER_URL)")
        parser.add_argument("--actions", type=int, default=200, help="case reports per round")
        parser.add_argument("--rounds", type=int, default=5, help="rounds with and without the hook")
        parser.add_argument("--events", type=int, default=1000, help="events for the worker to deliver")
        parser.add_argument(
            "--concurrency",
            type=int,
            default=os.cpu_count() or 1,
            help="the worker's processes (default: cores)",
        )

    def handle(self, *args, **options):
        from notifications.bench import bench

        broker = options["broker"] or ("" if settings.SINGLE_MACHINE else settings.CELERY_BROKER_URL)
        if not broker:
            raise CommandError("No broker: set CELERY_BROKER_URL or pass --broker amqp://…")
        bench(
            broker_url=broker,
            actions=options["actions"],
            rounds=options["rounds"],
            events=options["events"],
            concurrency=options["concurrency"],
            out=self.stdout.write,
        )
