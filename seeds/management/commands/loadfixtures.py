"""Load the static catalogues of fixtures/, without undoing what users changed since.

`loaddata` writes every row of a fixture over the stored one, so running it at each start
(`make run`) would silently put back a time limit a superuser had changed in the admin. This
command adds only the rows that are missing (by primary key); `--replace` writes them all, as
`loaddata` does, to go back to the shipped catalogue on purpose.
"""

from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _


def fixture_paths() -> list[Path]:
    return sorted(Path(settings.FIXTURE_DIRS[0]).glob("*.json"))


class Command(BaseCommand):
    help = _("Load the rows of the static catalogues in fixtures/ that the database lacks.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--replace",
            action="store_true",
            help=_("Write every row of the fixtures, replacing the stored ones (users' changes too)."),
        )

    def handle(self, *args, replace=False, **options):
        paths = fixture_paths()
        if not paths:
            self.stdout.write(_("No fixtures to load."))
            return
        if replace:
            call_command("loaddata", *(p.name for p in paths), verbosity=options["verbosity"])
            return
        added = self._add_missing(paths)
        if options["verbosity"]:
            self.stdout.write(_("Catalogue rows added: %(added)d; rows kept as stored.") % {"added": added})

    @transaction.atomic
    def _add_missing(self, paths: list[Path]) -> int:
        added = 0
        for path in paths:
            with path.open(encoding="utf-8") as stream:
                # In file order: a major class comes before its minor classes.
                for deserialized in serializers.deserialize("json", stream):
                    model = type(deserialized.object)
                    if not model._default_manager.filter(pk=deserialized.object.pk).exists():
                        deserialized.save()
                        added += 1
        return added
