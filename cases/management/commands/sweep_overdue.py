from django.core.management.base import BaseCommand

from cases.overdue import cases_sweep_overdue


class Command(BaseCommand):
    help = (
        "Mark cases past their due time and not closed as overdue, and record one supervision "
        "(督办) entry per overdue case per day. Safe to run as often as wanted, e.g. hourly from cron."
    )

    def handle(self, *args, **options):
        result = cases_sweep_overdue()
        self.stdout.write(
            f"marked overdue: {result.marked}; supervision entries written: {result.supervisions}"
        )
