"""Import base data from a CSV or XLSX file with Chinese headers, as a user of the service."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from config.errors import DomainError
from grids.scope import scope_for
from registry.imports import KINDS, base_data_import


class Command(BaseCommand):
    help = "Import buildings, houses, residents, organisations or facilities from a spreadsheet."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as", dest="username", required=True, help="The user whose territory and role apply."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check every row; write nothing.")
        parser.add_argument(
            "--keep-good", action="store_true", help="Write the good rows and report the others."
        )

    def handle(self, *args, kind, file, username, dry_run=False, keep_good=False, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("No active user %(username)s.") % {"username": username})
        try:
            report = base_data_import(
                scope=scope_for(user),
                actor=user,
                kind=kind,
                content=file.read_bytes(),
                filename=file.name,
                dry_run=dry_run,
                keep_good=keep_good,
            )
        except (DomainError, OSError) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from None
        lines = [_("line %(line)s · %(column)s · %(message)s") % error for error in report.errors]
        summary = _("%(rows)s rows read, %(created)s written, %(refused)s refused.") % {
            "rows": report.rows,
            "created": report.created,
            "refused": len(report.errors),
        }
        if report.errors and not dry_run and not keep_good:
            raise CommandError("\n".join([*lines, summary, _("Nothing was written.")]))
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(summary))
