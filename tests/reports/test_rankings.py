"""Rankings of grids and workers by month, quarter and year (月评议——季评比——年表彰)."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from grids.models import GridWorker
from reports.rankings import period_of
from tests.factories import CaseFactory, GridWorkerFactory

pytestmark = pytest.mark.django_db

RANKINGS = "/api/v1/reports/rankings/"
RESOLUTION = "/api/v1/reports/resolution/"


@pytest.mark.parametrize(
    ("kind", "day", "start", "end"),
    [
        ("month", date(2024, 2, 10), date(2024, 2, 1), date(2024, 2, 29)),
        ("month", date(2025, 12, 31), date(2025, 12, 1), date(2025, 12, 31)),
        ("quarter", date(2025, 5, 20), date(2025, 4, 1), date(2025, 6, 30)),
        ("quarter", date(2025, 11, 1), date(2025, 10, 1), date(2025, 12, 31)),
        ("year", date(2022, 7, 1), date(2022, 1, 1), date(2022, 12, 31)),
    ],
)
def test_the_period_a_day_falls_in(kind, day, start, end):
    period = period_of(kind, day)
    assert (period.start, period.end) == (start, end)


def test_grids_are_ranked_by_the_reports_own_figures(api, world, data):
    client = api(world.admin_a)
    answer = client.get(RANKINGS, {"of": "grid", "period": "quarter", "date": "2025-05-15"}).json()
    report = client.get(RESOLUTION, {"group_by": "grid", "from": "2025-04-01", "to": "2025-06-30"}).json()

    assert answer["period"] == {
        "kind": "quarter",
        "from": "2025-04-01",
        "to": "2025-06-30",
        "name": "2025年第2季度",
    }
    by_id = {row["key"]["id"]: row for row in report["rows"]}
    assert {row["key"]["id"] for row in answer["rows"]} == set(by_id)
    for row in answer["rows"]:
        assert row["closure_rate"] == by_id[row["key"]["id"]]["closure_rate"]
        assert row["total"] == by_id[row["key"]["id"]]["total"]
    rates = [row["closure_rate"]["value"] for row in answer["rows"] if row["rank"] is not None]
    assert rates == sorted(rates, reverse=True)
    assert answer["rows"][0]["rank"] == 1


def test_equal_figures_share_a_rank_and_nothing_to_rank_comes_last(api, world):
    worker = GridWorker.objects.get(user=world.worker_a)
    at = timezone.make_aware(datetime(2025, 3, 10, 9))
    for grid, closed in ((world.grid_a1, 2), (world.grid_a2, 2), (world.grid_a3, 1)):
        for n in range(2):
            CaseFactory(
                grid=grid,
                reported_at=at,
                accepted_at=at,
                status="closed" if n < closed else "assigned",
                closed_at=at + timedelta(hours=2) if n < closed else None,
                assignee_worker=worker,
            )
    CaseFactory(grid=world.grid_a3, reported_at=at, status="reported")  # never accepted
    answer = api(world.admin_a).get(RANKINGS, {"period": "month", "date": "2025-03-01"}).json()

    ranks = [(row["key"]["name"], row["rank"]) for row in answer["rows"]]
    assert ranks == [("浒溪一网格", 1), ("浒溪二网格", 1), ("三河一组", 3)]
    assert answer["period"]["name"] == "2025年03月"


def test_workers_are_ranked_by_the_cases_assigned_to_them(api, world):
    at = timezone.make_aware(datetime(2025, 8, 5, 9))
    zhao = GridWorker.objects.get(user=world.worker_a)
    zhao.name = "赵红红"
    zhao.save()
    qian = GridWorkerFactory(name="钱二", street=world.street_a, grids=[world.grid_a2])
    for worker, count in ((zhao, 1), (qian, 3)):
        for _n in range(count):
            CaseFactory(
                grid=world.grid_a1, reported_at=at, accepted_at=at, status="assigned", assignee_worker=worker
            )
    answer = api(world.admin_a).get(
        RANKINGS, {"of": "worker", "by": "total", "period": "year", "date": "2025-01-01"}
    )

    assert answer.status_code == 200
    rows = answer.json()["rows"]
    assert [(row["key"]["name"], row["rank"], row["total"]) for row in rows] == [
        ("钱二", 1, 3),
        ("赵红红", 2, 1),
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"of": "street"}, "of"),
        ({"period": "week"}, "period"),
        ({"by": "rework_rate"}, "by"),
        ({"date": "2025-13-01"}, "date"),
        ({"from": "2025-01-01"}, "from"),
    ],
)
def test_a_bad_parameter_is_a_400_on_it(api, world, params, field):
    response = api(world.admin_a).get(RANKINGS, params)
    assert response.status_code == 400 and field in response.json()


def test_roles_and_territory(api, world):
    assert api(world.worker_a).get(RANKINGS).status_code == 403
    assert api().get(RANKINGS).status_code == 401
    assert api(world.admin_a).get(RANKINGS, {"street": world.street_b.pk}).status_code == 404
    assert api(world.viewer).get(RANKINGS).status_code == 200
