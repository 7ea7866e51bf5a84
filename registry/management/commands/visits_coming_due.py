from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from registry.keypersons import visits_coming_due_publish


class Command(BaseCommand):
    help = _("Tell the responsible workers of key-person visits coming due (once per due day).")

    def add_arguments(self, parser):
        parser.add_argument("--days-ahead", type=int, default=None, help=_("How many days ahead to look."))

    def handle(self, *args, days_ahead=None, **options):
        count = visits_coming_due_publish(days_ahead=days_ahead)
        self.stdout.write(_("Visits coming due: %(count)d told.") % {"count": count})
