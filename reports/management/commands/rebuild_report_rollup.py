"""Count the reports' summary tables again from the cases and mediations: `rebuild_report_rollup`.

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
from reports import mediation_rollup, rollup
from reports.selectors import ReportFilters, mediation_report, resolution_report

SHOWN = 5  # differences printed per table


class Command(BaseCommand):
    help = "Rebuild the reports' summary tables from the cases and mediations (--verify: compare first)."

    def add_arguments(self, parser):
        parser.add_argument("--verify", action="store_true", help="Compare before and after rebuilding.")

    def handle(self, *args, verify: bool = False, **options):
        failed = []
        if verify:
            for grain in rollup.GRAINS:
                failed += self._differences(grain.model._meta.db_table, rollup.differences(grain))
            failed += self._differences(mediation_rollup.TABLES[-1], mediation_rollup.differences())
        started = time.perf_counter()
        written = rollup.rebuild()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in written:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        rows = ", ".join(f"{table} {n:,} rows" for table, n in written.items())
        self.stdout.write(f"Rebuilt in {time.perf_counter() - started:.1f} s: {rows}")
        if verify:
            failed += self._compare_reports()
        if failed:
            raise CommandError(f"The summary tables differed from the cases: {', '.join(failed)}.")

    def _differences(self, table: str, found: list[tuple]) -> list[str]:
        self.stdout.write(f"{table}: {len(found)} rows differ" if found else f"{table}: no differences")
        for key, stored, computed in found[:SHOWN]:
            self.stdout.write(f"  {key}: stored {stored}, counted {computed}")
        return [table] if found else []

    def _compare_reports(self) -> list[str]:
        """The reports from the tables against the reports from the cases and mediations, all
        time, as superuser, for every grouping the tables serve."""
        scope, filters = Scope(role=SUPERUSER), ReportFilters()
        compared = [
            ("resolution", resolution_report, group_by, rollup.reports_agree)
            for group_by in rollup.GROUP_COLUMNS
            if rollup.grain_for(scope, group_by, filters) is not None
        ]
        compared += [
            ("mediation", mediation_report, group_by, lambda a, b: a == b)
            for group_by in mediation_rollup.GROUP_COLUMNS
            if mediation_rollup.serves(scope, group_by, filters)
        ]
        failed = []
        for name, report, group_by, agree in compared:
            from_rollup = report(scope=scope, group_by=group_by, filters=filters)
            with override_settings(REPORTS_FROM_ROLLUP=False):
                raw = report(scope=scope, group_by=group_by, filters=filters)
            if agree(from_rollup, raw):
                self.stdout.write(f"{name} report by {group_by}: equal to the raw report")
            else:
                failed.append(f"{name} report by {group_by}")
                self.stdout.write(f"{name} report by {group_by}: differs from the raw report")
        return failed
