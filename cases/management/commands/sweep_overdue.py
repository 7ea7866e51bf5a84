from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.overdue import cases_sweep_overdue


class Command(BaseCommand):
    help = gettext_lazy(
        "Mark cases past their due time and not closed as overdue, and record one supervision "
        "entry per overdue case per day. Safe to run as often as wanted, e.g. hourly from cron."
    )

    def handle(self, *args, **options):
        result = cases_sweep_overdue()
        self.stdout.write(
            _("Marked overdue: %(marked)d; supervision entries written: %(supervisions)d.")
            % {"marked": result.marked, "supervisions": result.supervisions}
        )
