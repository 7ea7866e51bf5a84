from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load every static catalogue in fixtures/ (safe to run again: rows are updated in place)."

    def handle(self, *args, **options):
        names = sorted(p.name for p in Path(settings.FIXTURE_DIRS[0]).glob("*.json"))
        if not names:
            self.stdout.write("No fixtures to load.")
            return
        call_command("loaddata", *names, verbosity=options["verbosity"])
