"""Base-data counts per territory and the key-person visit completion rate (走访完成率)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import client_for
from tests.factories import (
    BuildingFactory,
    FacilityFactory,
    HouseFactory,
    KeyPersonFactory,
    OrganisationFactory,
    ResidentFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def base_data(world):
    b1 = BuildingFactory(grid=world.grid_a1)
    b2 = BuildingFactory(grid=world.grid_a3)
    bb = BuildingFactory(grid=world.grid_b1)
    houses = [
        HouseFactory(building=b1),
        HouseFactory(building=b1),
        HouseFactory(building=b2),
        HouseFactory(building=bb),
    ]
    ResidentFactory(house=houses[0])
    ResidentFactory(house=houses[1])
    moved = ResidentFactory(house=houses[2])
    moved.house, moved.moved_out = None, True
    moved.save()
    ResidentFactory(house=houses[3])
    OrganisationFactory(grid=world.grid_a1)
    FacilityFactory(grid=world.grid_a3)
    return houses


def test_base_data_is_counted_per_community(world, base_data):
    response = client_for(world.admin_a).get("/api/v1/reports/base-data/?group_by=community")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(r["key"]["name"], r["buildings"], r["houses"], r["residents"]) for r in body["rows"]] == [
        ("浒溪社区", 1, 2, 2),
        ("三河村", 1, 1, 0),  # the one who moved out is not counted as living there
    ]
    assert body["totals"] == {
        "buildings": 2,
        "houses": 3,
        "residents": 2,
        "organisations": 1,
        "facilities": 1,
        "key_persons": 0,
    }


def test_a_superuser_counts_per_street_and_a_district_viewer_only_theirs(world, base_data):
    rows = client_for(world.superuser).get("/api/v1/reports/base-data/?group_by=street").json()["rows"]
    assert [(r["key"]["name"], r["buildings"]) for r in rows] == [("圣泉街道", 2), ("东城街道", 1)]
    viewer = client_for(world.viewer).get("/api/v1/reports/base-data/?group_by=grid").json()
    assert viewer["totals"]["buildings"] == 2


def test_key_persons_are_counted_for_those_who_count_them(world, base_data, place):
    KeyPersonFactory(resident=place.resident, grid=world.grid_a1, responsible_worker=_worker(world))
    for who in ("admin_a", "staff_a", "viewer"):
        totals = client_for(getattr(world, who)).get("/api/v1/reports/base-data/").json()["totals"]
        assert totals["key_persons"] == 1, who


@pytest.mark.parametrize(
    ("who", "query", "status"),
    [
        ("worker_a", "", 403),
        ("nobody", "", 403),
        ("admin_a", "?group_by=planet", 400),
        ("admin_a", "?grid=abc", 400),
        ("admin_a", "?colour=red", 400),
        ("admin_a", "?street=999999", 404),
    ],
)
def test_bad_requests_of_the_base_data_report(world, who, query, status):
    assert client_for(getattr(world, who)).get(f"/api/v1/reports/base-data/{query}").status_code == status


def test_another_streets_grid_is_a_404(world):
    response = client_for(world.admin_a).get(f"/api/v1/reports/base-data/?grid={world.grid_b1.pk}")
    assert response.status_code == 404


# --- visits -------------------------------------------------------------------------------------


def _worker(world):
    from grids.models import GridWorker

    return GridWorker.objects.get(user=world.worker_a)


def test_the_visit_completion_rate_counts_visits_due_done_by_their_day(world, place):
    today = timezone.localdate()
    worker = _worker(world)
    first = KeyPersonFactory(
        resident=place.resident,
        grid=world.grid_a1,
        responsible_worker=worker,
        next_visit_due=today + timedelta(days=5),
    )
    day = today - timedelta(days=20)
    VisitFactory(key_person=first, visited_on=day, due_on=day, next_due=day + timedelta(days=7))  # on time
    late = day + timedelta(days=10)
    VisitFactory(
        key_person=first, visited_on=late, due_on=late - timedelta(days=3), next_due=late + timedelta(days=7)
    )
    overdue = KeyPersonFactory(
        resident=ResidentFactory(house=place.house),
        grid=world.grid_a1,
        responsible_worker=worker,
        next_visit_due=today - timedelta(days=2),
    )
    assert overdue.next_visit_due < today
    response = client_for(world.admin_a).get("/api/v1/reports/visits/?group_by=grid")
    assert response.status_code == 200, response.content
    (row,) = response.json()["rows"]
    assert row["key"] == {"id": world.grid_a1.pk, "name": "浒溪一网格"}
    assert row["visits_due"] == 3 and row["done_late"] == 1 and row["overdue"] == 1
    assert row["completion_rate"] == {"value": 0.3333, "numerator": 1, "denominator": 3}
    by_worker = client_for(world.admin_a).get("/api/v1/reports/visits/?group_by=worker").json()
    assert by_worker["rows"][0]["key"]["id"] == worker.pk
    assert by_worker["totals"]["completion_rate"]["denominator"] == 3
    # A period holding only the on-time visit's due day.
    period = (
        client_for(world.staff_a)
        .get(f"/api/v1/reports/visits/?from={day}&to={day + timedelta(days=1)}")
        .json()
    )
    assert period["totals"]["completion_rate"] == {"value": 1.0, "numerator": 1, "denominator": 1}
    assert client_for(world.admin_b).get("/api/v1/reports/visits/").json()["rows"] == []
    assert client_for(world.worker_a).get("/api/v1/reports/visits/").status_code == 403


def test_no_visit_due_gives_a_null_rate(world):
    body = client_for(world.admin_a).get("/api/v1/reports/visits/").json()
    assert body["rows"] == [] and body["totals"]["completion_rate"] == {
        "value": None,
        "numerator": 0,
        "denominator": 0,
    }
    bad = client_for(world.admin_a).get("/api/v1/reports/visits/?from=2022-02-01&to=2022-01-01")
    assert bad.status_code == 400 and "to" in bad.json()
