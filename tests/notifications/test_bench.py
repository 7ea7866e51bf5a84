"""The pieces of `bench_notifications`, at a tiny size: a change elsewhere (the token model,
the create's answer) must not leave the bench unable to run."""

import pytest

from cases.models import Case
from notifications.bench import CountingSink, action_overhead, api_reporter, bench_territory, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench_sink():
    sink = CountingSink()
    yield sink
    sink.close()


def test_the_bench_reports_cases_through_the_service_and_the_api(bench_sink):
    admin, grids, category = bench_territory(bench_sink, 2)
    report(admin, grids[0], category)
    api_reporter(admin, grids, category)(1)
    assert Case.objects.filter(category=category, grid__in=grids).count() == 2


def test_the_overhead_is_measured_in_pairs_of_rounds(bench_sink):
    admin, grids, category = bench_territory(bench_sink, 1)
    figures = action_overhead(lambda n: report(admin, grids[0], category), actions=2, rounds=2)
    assert Case.objects.filter(category=category).count() == 8  # 2 rounds × 2 sides × 2 reports
    (wall_off, wall_on), (cpu_off, cpu_on) = figures["wall"], figures["cpu"]
    assert min(wall_off, wall_on, cpu_off, cpu_on) > 0
