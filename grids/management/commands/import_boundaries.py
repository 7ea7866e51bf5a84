import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from config.errors import InvalidInput
from grids.scope import SUPERUSER, Scope
from grids.services import boundaries_import


class Command(BaseCommand):
    help = _(
        "Import boundaries from a GeoJSON FeatureCollection whose features name streets, communities, "
        "grids or micro-grids by properties.code. The whole file is checked first; any bad feature "
        "means nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("a .geojson file"))
        parser.add_argument("--dry-run", action="store_true", help=_("Check the file, write nothing."))

    def handle(self, *args, file, dry_run=False, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                collection = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error}
            ) from None
        # The command is run by whoever runs the server: it acts on the whole territory.
        try:
            result = boundaries_import(scope=Scope(role=SUPERUSER), collection=collection, dry_run=dry_run)
        except InvalidInput as error:
            raise CommandError(error.message) from None
        for code, message in result.errors:
            self.stderr.write(f"{code}: {message}")
        if result.errors:
            raise CommandError(
                _("%(bad)d of %(count)d features are bad; nothing was written.")
                % {"bad": len({code for code, _message in result.errors}), "count": result.checked}
            )
        if dry_run:
            self.stdout.write(
                _("%(count)d features checked, all good; nothing written (dry run).")
                % {"count": result.checked}
            )
            return
        self.stdout.write(
            self.style.SUCCESS(_("%(count)d boundaries written.") % {"count": len(result.written)})
        )
