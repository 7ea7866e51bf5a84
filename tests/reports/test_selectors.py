"""Every report figure equals the same figure counted by hand, for every grouping, in two queries."""

import re
from collections import defaultdict
from datetime import date

import pytest

from cases import services as case_services
from cases.models import Category, Kind, Level, Source, Triage
from grids.scope import scope_for
from mediation.models import DisputeType, MediationLevel
from reports.selectors import ReportFilters, mediation_report, resolution_report
from tests.reports.conftest import NOW, expected_mediation, expected_resolution, in_year, local_month

pytestmark = pytest.mark.django_db

# The cases of `data` are assigned to nobody: grouped by worker they are one group without a
# name to look up (the rankings test workers with cases of their own).
NAMED = {"street", "community", "grid", "category", "room", "mediator"}
YEAR = ReportFilters(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))

CASE_GROUPS = {
    "street": lambda c: c.street_id,
    "community": lambda c: c.community_id,
    "grid": lambda c: c.grid_id,
    "category": lambda c: c.category_id,
    "worker": lambda c: c.assignee_worker_id,
    "month": lambda c: local_month(c.reported_at),
    "level": lambda c: c.level,
    "source": lambda c: c.source,
    "triage": lambda c: c.triage,
    "kind": lambda c: c.kind,
}
MEDIATION_GROUPS = {
    "street": lambda x: x.street_id,
    "community": lambda x: x.community_id,
    "room": lambda x: x.room_id,
    "mediator": lambda x: x.lead_mediator_id,
    "level": lambda x: x.level,
    "dispute_type": lambda x: x.dispute_type,
    "month": lambda x: local_month(x.registered_at),
}


def _by(items, key) -> dict:
    groups = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return groups


def _assert_same(figures: dict, expected: dict):
    for name, value in expected.items():
        if name.endswith("hours_to_close") and value is not None:
            assert figures[name] == pytest.approx(value, abs=0.01), name
        else:
            assert figures[name] == value, name


@pytest.mark.parametrize("group_by", list(CASE_GROUPS))
def test_resolution_figures_match_a_count_by_hand(world, data, group_by, django_assert_num_queries):
    cases = [c for c in data.cases if in_year(c.reported_at)]
    # The grouped rows and the overall median, plus the names of territories or categories.
    with django_assert_num_queries(3 if group_by in NAMED else 2):
        report = resolution_report(scope=scope_for(world.superuser), group_by=group_by, filters=YEAR, now=NOW)

    expected = _by(cases, CASE_GROUPS[group_by])
    assert [row["key"]["id"] for row in report["rows"]] == _expected_order(group_by, expected)
    for row in report["rows"]:
        _assert_same(row, expected_resolution(expected[row["key"]["id"]]))
    _assert_same(report["totals"], expected_resolution(cases))
    assert report["totals"]["total"] == 92  # 90 in the year, plus its first and last moments


def _expected_order(group_by, groups) -> list:
    choices = {"level": Level, "source": Source, "triage": Triage, "kind": Kind}
    if group_by in choices:
        return [value for value in choices[group_by].values if value in groups]
    if group_by == "category":
        # By code, as the report orders them: the factory's codes wrap around at 100, so
        # that ids and codes need not sort alike once a run has made many categories.
        codes = dict(Category.objects.filter(pk__in=groups).values_list("pk", "code"))
        return sorted(groups, key=codes.__getitem__)
    # Territories are created in code order; months sort as text.
    return sorted(groups)


def test_group_keys_name_the_group(world, data):
    scope = scope_for(world.superuser)
    streets = resolution_report(scope=scope, group_by="street", filters=YEAR, now=NOW)["rows"]
    assert [row["key"] for row in streets] == [
        {"id": world.street_a.pk, "name": "圣泉街道"},
        {"id": world.street_b.pk, "name": "东城街道"},
    ]
    months = resolution_report(scope=scope, group_by="month", filters=YEAR, now=NOW)["rows"]
    assert months[0]["key"] == {"id": "2025-01", "name": "2025-01"}
    assert months[-1]["key"] == {"id": "2025-12", "name": "2025-12"}
    levels = resolution_report(scope=scope, group_by="level", filters=YEAR, now=NOW)["rows"]
    assert levels[0]["key"]["id"] == "grid" and levels[0]["key"]["name"] in {"grid", "网格"}


def test_the_period_counts_whole_local_days(world, data):
    scope = scope_for(world.superuser)
    whole = resolution_report(scope=scope, group_by="street", filters=ReportFilters(), now=NOW)
    assert whole["totals"]["total"] == len(data.cases) == 94
    one_day = ReportFilters(date_from=date(2025, 12, 31), date_to=date(2025, 12, 31))
    last_day = [c for c in data.cases if local_month(c.reported_at) == "2025-12" and c.reported_at.day >= 30]
    report = resolution_report(scope=scope, group_by="street", filters=one_day, now=NOW)
    expected = [c for c in last_day if f"{c.reported_at.astimezone(NOW.tzinfo):%Y-%m-%d}" == "2025-12-31"]
    assert report["totals"]["total"] == len(expected) >= 1


def test_filters_narrow_what_is_counted(world, data):
    scope = scope_for(world.superuser)
    category = data.categories[1]
    filters = ReportFilters(
        date_from=date(2025, 1, 1),
        date_to=date(2025, 12, 31),
        community=world.community_a.pk,
        category=category.pk,
        kind="incident",
    )
    report = resolution_report(scope=scope, group_by="grid", filters=filters, now=NOW)
    cases = [
        c
        for c in data.cases
        if in_year(c.reported_at)
        and c.community_id == world.community_a.pk
        and c.category_id == category.pk
        and c.kind == "incident"
    ]
    _assert_same(report["totals"], expected_resolution(cases))
    assert {row["key"]["id"] for row in report["rows"]} <= {world.grid_a1.pk, world.grid_a2.pk}


@pytest.mark.parametrize(
    ("user", "visible"),
    [
        ("admin_a", lambda c, w: c.street_id == w.street_a.pk),
        ("staff_a", lambda c, w: c.community_id == w.community_a.pk),
        ("viewer", lambda c, w: c.street_id == w.street_a.pk),
        ("admin_b", lambda c, w: c.street_id == w.street_b.pk),
    ],
)
def test_only_the_callers_territory_is_counted(world, data, user, visible):
    report = resolution_report(
        scope=scope_for(getattr(world, user)), group_by="community", filters=YEAR, now=NOW
    )
    cases = [c for c in data.cases if in_year(c.reported_at) and visible(c, world)]
    _assert_same(report["totals"], expected_resolution(cases))
    assert {row["key"]["id"] for row in report["rows"]} == {c.community_id for c in cases}


def test_nothing_to_divide_by_gives_null_rates(world, data):
    empty = ReportFilters(date_from=date(2030, 1, 1), date_to=date(2030, 12, 31))
    report = resolution_report(scope=scope_for(world.superuser), group_by="street", filters=empty, now=NOW)
    assert report["rows"] == []
    totals = report["totals"]
    assert totals["total"] == 0
    assert totals["closure_rate"] == {"value": None, "numerator": 0, "denominator": 0}
    assert totals["mean_hours_to_close"] is None and totals["median_hours_to_close"] is None
    mediation = mediation_report(scope=scope_for(world.superuser), group_by="street", filters=empty)
    assert mediation["totals"]["success_rate"] == {"value": None, "numerator": 0, "denominator": 0}


def test_a_group_with_nothing_closed_has_null_closed_based_rates(world, make_case):
    make_case("accepted")
    report = resolution_report(scope=scope_for(world.superuser), group_by="street", filters=ReportFilters())
    (row,) = report["rows"]
    assert (row["accepted"], row["closed"]) == (1, 0)
    assert row["closure_rate"] == {"value": 0.0, "numerator": 0, "denominator": 1}
    assert row["rework_rate"]["value"] is None and row["grid_level_rate"]["value"] is None
    assert row["satisfaction_rate"]["value"] is None and row["median_hours_to_close"] is None


def test_a_case_closed_through_the_workflow_counts_as_accepted_and_closed(world, make_case):
    make_case("closed")
    make_case("rejected")
    make_case("reported")
    totals = resolution_report(scope=scope_for(world.superuser), group_by="kind", filters=ReportFilters())[
        "totals"
    ]
    assert (totals["total"], totals["accepted"], totals["closed"], totals["closed_on_time"]) == (3, 1, 1, 1)
    assert totals["closure_rate"]["value"] == 1.0 and totals["on_time_rate"]["value"] == 1.0


def test_a_dispute_mediated_to_agreement_counts_as_closed_once_the_centre_verifies_it(world, make_mediation):
    # Given a dispute mediated to a written agreement: its case resolved by the mediation
    mediation = make_mediation("agreed", level="community")
    scope, everything = scope_for(world.admin_a), ReportFilters()
    (waiting,) = resolution_report(scope=scope, group_by="kind", filters=everything)["rows"]
    assert (waiting["key"]["id"], waiting["accepted"], waiting["closed"]) == ("dispute", 1, 0)
    # When the centre verifies the case
    case_services.case_verify(case_id=mediation.case_id, actor=world.admin_a, passed=True, note="核查通过")
    # Then the resolution report counts the dispute closed, on time, at community level
    (row,) = resolution_report(scope=scope, group_by="kind", filters=everything)["rows"]
    assert row["key"]["id"] == "dispute"
    assert (row["total"], row["accepted"], row["closed"], row["closed_on_time"]) == (1, 1, 1, 1)
    assert row["closure_rate"] == {"value": 1.0, "numerator": 1, "denominator": 1}
    # And the mediation report counts its mediation concluded with a written agreement
    (mediated,) = mediation_report(scope=scope, group_by="level", filters=everything)["rows"]
    assert mediated["key"]["id"] == "community"
    assert (mediated["registered"], mediated["concluded"], mediated["agreed"]) == (1, 1, 1)
    assert mediated["success_rate"] == {"value": 1.0, "numerator": 1, "denominator": 1}
    assert (mediated["agreements"], mediated["written_agreements"], mediated["confirmed"]) == (1, 1, 0)


# --- mediation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("group_by", list(MEDIATION_GROUPS))
def test_mediation_figures_match_a_count_by_hand(world, data, group_by, django_assert_num_queries):
    mediations = [x for x in data.mediations if in_year(x.registered_at)]
    # The grouped rows, plus the names of territories, rooms or mediators; no median to add.
    with django_assert_num_queries(2 if group_by in NAMED else 1):
        report = mediation_report(scope=scope_for(world.superuser), group_by=group_by, filters=YEAR)

    expected = _by(mediations, MEDIATION_GROUPS[group_by])
    assert {row["key"]["id"] for row in report["rows"]} == set(expected)
    for row in report["rows"]:
        _assert_same(row, expected_mediation(expected[row["key"]["id"]]))
    _assert_same(report["totals"], expected_mediation(mediations))
    if group_by in {"level", "dispute_type"}:
        order = list((MediationLevel if group_by == "level" else DisputeType).values)
        ids = [row["key"]["id"] for row in report["rows"]]
        assert ids == sorted(ids, key=order.index)


def test_mediations_without_a_room_form_their_own_group(world, data):
    rows = mediation_report(scope=scope_for(world.superuser), group_by="room", filters=YEAR)["rows"]
    no_room = [row for row in rows if row["key"]["id"] is None]
    assert len(no_room) == 1 and no_room[0]["key"]["name"] in {"no room", "未指定调解室"}


def test_a_mediator_counts_only_the_mediations_they_see(world, data):
    mediator = data.mediators[0]
    report = mediation_report(scope=scope_for(data.mediator_user), group_by="mediator", filters=YEAR)
    seen = [
        x
        for x in data.mediations
        if in_year(x.registered_at)
        and (x.lead_mediator_id == mediator.pk or x.room_id == mediator.home_room_id)
    ]
    assert seen, "the data should give the mediator something to see"
    _assert_same(report["totals"], expected_mediation(seen))


def test_the_data_covers_what_the_metrics_distinguish(data):
    """A guard on the fixture itself: each figure is non-trivial, so the comparisons mean something."""
    figures = expected_resolution([c for c in data.cases if in_year(c.reported_at)])
    for name in ["closed", "closed_on_time", "reworked", "overdue_open", "closed_at_grid", "escalated"]:
        assert 0 < figures[name] < figures["total"], name
    assert figures["closed_on_time"] < figures["closed"]
    assert 0 < figures["satisfied_feedback"] < figures["feedback_given"]
    mediation = expected_mediation(data.mediations)
    for name in ["concluded", "agreed", "written_agreements", "confirmed", "followed_up", "fulfilled"]:
        assert mediation[name] > 0, name
    assert mediation["written_agreements"] < mediation["agreements"]
    assert mediation["fulfilled"] < mediation["followed_up"] < mediation["agreed"]


@pytest.mark.parametrize("group_by", list(CASE_GROUPS))
def test_the_resolution_report_reads_only_columns_of_the_report_index(world, data, group_by):
    """On PostgreSQL the report is answered from `case_report_idx` alone: a metric, filter or
    grouping on a column the index does not carry would send it back to the table's rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.models import REPORT_COLUMNS, Case

    fields = [Case._meta.get_field(name) for name in ["reported_at", *REPORT_COLUMNS]]
    indexed = {field.column for field in fields}
    filters = ReportFilters(
        date_from=YEAR.date_from, date_to=YEAR.date_to, street=world.street_a.pk, kind="incident"
    )
    with CaptureQueriesContext(connection) as queries:
        resolution_report(scope=scope_for(world.admin_a), group_by=group_by, filters=filters, now=NOW)
    table = Case._meta.db_table
    read = {
        column
        for query in queries.captured_queries
        for column in re.findall(rf'"{table}"\."(\w+)"', query["sql"])
    }
    assert read, "the report reads the cases table"
    assert read <= indexed, f"not in the report index: {sorted(read - indexed)}"
