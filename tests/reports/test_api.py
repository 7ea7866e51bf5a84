"""The report endpoints: the figures, who may read them, bad parameters and the query budget."""

import pytest
from django.utils import timezone

from tests.reports.conftest import expected_mediation, expected_resolution, in_year

pytestmark = pytest.mark.django_db

RESOLUTION = "/api/v1/reports/resolution/"
MEDIATION = "/api/v1/reports/mediation/"
YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


def _close(figures: dict, expected: dict):
    for name, value in expected.items():
        if name.endswith("hours_to_close") and value is not None:
            assert figures[name] == pytest.approx(value, abs=0.01), name
        else:
            assert figures[name] == value, name


def test_a_street_admin_reads_their_streets_figures_by_community(api, world, data):
    response = api(world.admin_a).get(RESOLUTION, {"group_by": "community", **YEAR})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["group_by"] == "community"
    assert body["filters"] == YEAR
    cases = [c for c in data.cases if in_year(c.reported_at) and c.street_id == world.street_a.pk]
    now = timezone.now()
    assert [row["key"] for row in body["rows"]] == [
        {"id": world.community_a.pk, "name": "浒溪社区"},
        {"id": world.community_a2.pk, "name": "三河村"},
    ]
    for row, community in zip(body["rows"], [world.community_a, world.community_a2], strict=True):
        _close(row, expected_resolution([c for c in cases if c.community_id == community.pk], now))
    _close(body["totals"], expected_resolution(cases, now))
    assert set(body["totals"]["closure_rate"]) == {"value", "numerator", "denominator"}


def test_the_mediation_report_answers_the_same_way(api, world, data):
    response = api(world.viewer).get(MEDIATION, {"group_by": "dispute_type", **YEAR})

    assert response.status_code == 200, response.json()
    mediations = [x for x in data.mediations if in_year(x.registered_at) and x.street_id == world.street_a.pk]
    _close(response.json()["totals"], expected_mediation(mediations))


def test_group_by_defaults_to_street(api, world, data):
    body = api(world.superuser).get(RESOLUTION).json()
    assert body["group_by"] == "street" and len(body["rows"]) == 2
    assert body["totals"]["total"] == len(data.cases)


# --- who may read ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "resolution", "mediation"),
    [
        ("superuser", 200, 200),
        ("admin_a", 200, 200),
        ("staff_a", 200, 200),
        ("viewer", 200, 200),
        ("worker_a", 403, 403),
        ("nobody", 403, 403),
    ],
)
def test_roles(api, world, user, resolution, mediation):
    client = api(getattr(world, user))
    assert client.get(RESOLUTION).status_code == resolution
    assert client.get(MEDIATION).status_code == mediation


def test_a_mediator_reads_only_the_mediation_report(api, world, data):
    client = api(data.mediator_user)
    assert client.get(RESOLUTION).status_code == 403
    response = client.get(MEDIATION, {"group_by": "mediator"})
    assert response.status_code == 200
    mine = [
        x
        for x in data.mediations
        if x.lead_mediator_id == data.mediators[0].pk or x.room_id == data.mediators[0].home_room_id
    ]
    assert response.json()["totals"]["registered"] == len(mine)


def test_anonymous_callers_must_authenticate(api):
    assert api().get(RESOLUTION).status_code == 401


# --- bad parameters: 400 naming the parameter ----------------------------------------------------


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"group_by": "year"}, "group_by"),
        ({"group_by": "room"}, "group_by"),
        ({"format": "pdf"}, "format"),
        ({"from": "2025-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2025-02-01", "to": "2025-01-31"}, "to"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "0001-01-01"}, "from"),
        ({"from": "1999-12-31"}, "from"),
        ({"to": "2100-01-01"}, "to"),
        ({"street": "abc"}, "street"),
        ({"community": "-3"}, "community"),
        ({"grid": "1.5"}, "grid"),
        ({"category": "x"}, "category"),
        ({"category": 999999}, "category"),
        ({"kind": "fire"}, "kind"),
        ({"catgory": 5}, "catgory"),
        ({"page": 2}, "page"),
    ],
)
def test_bad_resolution_parameters_are_named(api, world, params, name):
    response = api(world.admin_a).get(RESOLUTION, params)
    assert response.status_code == 400
    assert list(response.json()) == [name]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"group_by": "category"}, "group_by"),
        ({"format": "xls"}, "format"),
        ({"from": "1 May"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "0001-01-01"}, "from"),
        # The resolution report's filters are not the mediation report's.
        ({"kind": "incident"}, "kind"),
        ({"category": 1}, "category"),
    ],
)
def test_bad_mediation_parameters_are_named(api, world, params, name):
    response = api(world.admin_a).get(MEDIATION, params)
    assert response.status_code == 400 and list(response.json()) == [name]


# --- territory outside the caller's scope --------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "param", "target"),
    [
        ("admin_a", "street", "street_b"),
        ("admin_a", "community", "community_b"),
        ("admin_a", "grid", "grid_b1"),
        ("staff_a", "community", "community_a2"),
        ("staff_a", "grid", "grid_a3"),
        ("viewer", "street", "street_b"),
    ],
)
def test_a_territory_outside_the_scope_is_not_found(api, world, data, user, param, target):
    for url in (RESOLUTION, MEDIATION):
        response = api(getattr(world, user)).get(url, {param: getattr(world, target).pk})
        assert response.status_code == 404, (url, response.json())


def test_a_mediator_filters_only_within_their_street(api, world, data):
    client = api(data.mediator_user)
    assert client.get(MEDIATION, {"street": world.street_b.pk}).status_code == 404
    assert client.get(MEDIATION, {"street": world.street_a.pk}).status_code == 200


def test_a_territory_filter_inside_the_scope_narrows_the_count(api, world, data):
    body = api(world.admin_a).get(RESOLUTION, {"grid": world.grid_a3.pk, "group_by": "grid"}).json()
    assert [row["key"]["id"] for row in body["rows"]] == [world.grid_a3.pk]
    assert body["totals"]["total"] == sum(1 for c in data.cases if c.grid_id == world.grid_a3.pk)


@pytest.mark.parametrize("param", ["grid", "community"])
def test_a_territory_filter_narrows_the_mediation_report(api, world, data, param):
    target = {"grid": world.grid_a3, "community": world.community_a}[param]
    mine = [
        m
        for m in data.mediations
        if (m.case.grid_id if param == "grid" else m.community_id) == target.pk and in_year(m.registered_at)
    ]
    assert mine, "the data has mediations there"
    body = api(world.admin_a).get(MEDIATION, {param: target.pk, "group_by": "level", **YEAR}).json()
    _close(body["totals"], expected_mediation(mine))


# --- a fixed number of queries, whatever the data --------------------------------------------------


NAMED = {"street", "community", "grid", "category", "room", "mediator"}


@pytest.mark.parametrize("group_by", ["street", "community", "grid", "category", "month", "level", "kind"])
def test_resolution_query_count_is_fixed(api, world, data, group_by, django_assert_num_queries):
    client = api(world.admin_a)
    # Token, user and the caller's scope, the grouped rows, the overall median, and the
    # names of the groups when they are territories or categories.
    queries = 4 if group_by in NAMED else 3
    with django_assert_num_queries(queries):
        assert client.get(RESOLUTION, {"group_by": group_by, **YEAR}).status_code == 200
    # Each territory or category filter adds one query that checks it is in scope.
    with django_assert_num_queries(queries + 3):
        response = client.get(
            RESOLUTION,
            {
                "group_by": group_by,
                "street": world.street_a.pk,
                "community": world.community_a.pk,
                "category": data.categories[0].pk,
            },
        )
        assert response.status_code == 200


@pytest.mark.parametrize("group_by", ["street", "room", "mediator", "month", "dispute_type"])
def test_mediation_query_count_is_fixed(api, world, data, group_by, django_assert_num_queries):
    client = api(world.viewer)
    # Token, user and the caller's scope, the grouped rows, and the groups' names.
    with django_assert_num_queries(3 if group_by in NAMED else 2):
        assert client.get(MEDIATION, {"group_by": group_by}).status_code == 200


@pytest.mark.parametrize("report", [RESOLUTION, MEDIATION])
def test_a_day_outside_the_calendar_the_service_keeps_is_400_in_words(api, world, report):
    response = api(world.admin_a).get(report, {"to": "9999-12-31"})
    assert response.status_code == 400
    assert response.json() == {"to": ["请选择 2000-01-01 至 2099-12-31 之间的日期。"]}


def test_the_first_and_last_days_of_the_calendar_are_accepted(api, world):
    response = api(world.admin_a).get(RESOLUTION, {"from": "2000-01-01", "to": "2099-12-31"})
    assert response.status_code == 200
    assert response.json()["filters"] == {"from": "2000-01-01", "to": "2099-12-31"}
