"""Count the resolution report's summary tables again from the cases: `rebuild_report_rollup`.

Needed after rows were written around the case steps (a bulk import, a repair by SQL); the
seed runs it. `--verify` first compares what is stored with what the cases give, prints the
differences, rebuilds, and then compares the report from the tables with the report from the
cases for every grouping the tables serve; it fails when anything differed.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from grids.scope import SUPERUSER, Scope
from reports import rollup
from reports.selectors import ReportFilters, resolution_report

SHOWN = 5  # differences printed per table


class Command(BaseCommand):
    help = "Rebuild the resolution report's summary tables from the cases (--verify: compare first)."

    def add_arguments(self, parser):
        parser.add_argument("--verify", action="store_true", help="Compare before and after rebuilding.")

    def handle(self, *args, verify: bool = False, **options):
        failed = []
        if verify:
            for grain in rollup.GRAINS:
                found = rollup.differences(grain)
                table = grain.model._meta.db_table
                self.stdout.write(
                    f"{table}: {len(found)} rows differ from the cases"
                    if found
                    else f"{table}: no differences"
                )
                for key, stored, computed in found[:SHOWN]:
                    self.stdout.write(f"  {key}: stored {stored}, counted {computed}")
                if found:
                    failed.append(table)
        started = time.perf_counter()
        written = rollup.rebuild()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for grain in rollup.GRAINS:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(grain.model._meta.db_table)}")
        rows = ", ".join(f"{table} {n:,} rows" for table, n in written.items())
        self.stdout.write(f"Rebuilt in {time.perf_counter() - started:.1f} s: {rows}")
        if verify:
            failed += self._compare_reports()
        if failed:
            raise CommandError(f"The summary tables differed from the cases: {', '.join(failed)}.")

    def _compare_reports(self) -> list[str]:
        """The report from the tables against the report from the cases, all time, as superuser."""
        scope = Scope(role=SUPERUSER)
        failed = []
        for group_by in rollup.GROUP_COLUMNS:
            if rollup.grain_for(scope, group_by, ReportFilters()) is None:
                continue
            from_rollup = resolution_report(scope=scope, group_by=group_by, filters=ReportFilters())
            with override_settings(REPORTS_FROM_ROLLUP=False):
                raw = resolution_report(scope=scope, group_by=group_by, filters=ReportFilters())
            if not rollup.reports_agree(from_rollup, raw):
                failed.append(f"report by {group_by}")
                self.stdout.write(f"report by {group_by}: differs from the raw report")
            else:
                self.stdout.write(f"report by {group_by}: equal to the raw report")
        return failed
