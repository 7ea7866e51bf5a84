"""The benchmark command runs on the configured database and leaves nothing behind."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from cases.models import Case
from grids.models import Street
from mediation.models import MediationCase
from reports.management.commands.bench_reports import BENCH_VIEWER, DISTRICT

pytestmark = pytest.mark.django_db(transaction=True)


def test_bench_reports_times_every_report_and_removes_its_data(world):
    before = Case.objects.count()
    out = io.StringIO()
    call_command("bench_reports", cases=300, repeat=1, creates=10, rounds=1, stdout=out)
    printed = out.getvalue()

    assert "Bench district holds 300 cases" in printed
    for line in [
        "resolution by street, one year",
        "resolution by community, one year, street admin",
        "mediation by month, one year",
        "GET resolution by street, one year",
        "GET resolution by community, one year, xlsx",
        "the dashboard's first load, whole history",
        "resolution by grid (the map)",
        "all of them, one after another",
    ]:
        assert line in printed, line
    # Every report is a fixed handful of queries, and answered some rows.
    street_line = next(
        line for line in printed.splitlines() if line.startswith("resolution by street, one year ")
    )
    *_, queries, rows = street_line.split()
    assert (int(queries), int(rows)) == (3, 5)
    assert "Summary tables rebuilt" in printed and "candidate grain" in printed
    assert "Maintenance: " in printed and "% of create throughput" in printed
    last = "Database analysed." if connection.vendor == "postgresql" else "Bench data removed."
    assert "Bench data removed." in printed and printed.rstrip().endswith(last)
    assert not Street.objects.filter(district_code=DISTRICT).exists()
    assert Case.objects.count() == before and not MediationCase.objects.filter(street__district_code=DISTRICT)
    assert not get_user_model().objects.filter(username=BENCH_VIEWER).exists()
