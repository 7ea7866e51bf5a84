"""The geography benchmark runs on the configured database, prints its figures, leaves nothing."""

import io

import pytest
from django.core.management import call_command

from cases.management.commands.bench_geo import DISTRICT
from cases.models import Case
from grids.models import Grid, Street

pytestmark = pytest.mark.django_db(transaction=True)


def test_bench_geo_prints_the_three_figures_and_removes_its_data(world):
    before = Case.objects.count()
    out = io.StringIO()
    call_command("bench_geo", grids=200, points=100, creates=5, cases=2000, queries=20, stdout=out)
    printed = out.getvalue()
    for line in [
        "Bench territory: 200 grids",
        "locate, spatial index alone, per point:",
        "locate, whole selector",
        "case create (service) naming its grid:",
        "case create (service) giving its point:",
        "case create (API request) naming its grid:",
        "case create (API request) giving its point:",
        "Bench district holds 2,000 cases",
        "nearby (50 m, 72 h), per query:",
        "plan:",
    ]:
        assert line in printed, line
    assert printed.rstrip().endswith("Bench data removed.")
    assert not Street.objects.filter(district_code=DISTRICT).exists()
    assert not Grid.objects.filter(code__startswith=DISTRICT).exists()
    assert Case.objects.count() == before
