"""The resolution report from its summary tables equals the report counted from the cases."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Q
from django.test import override_settings
from django.urls import reverse

from cases import services
from grids.scope import scope_for
from reports import rollup
from reports.models import ALL_DAY, CommunityRollup, StreetRollup
from reports.selectors import RESOLUTION_DIMENSIONS, ReportFilters, resolution_report
from tests.reports.conftest import NOW

pytestmark = pytest.mark.django_db

MEDIAN = "median_hours_to_close"
MEAN = "mean_hours_to_close"


@pytest.fixture(autouse=True)
def _from_rollup(settings, _exact_reports):
    settings.REPORTS_FROM_ROLLUP = True


def _raw(**kwargs) -> dict:
    with override_settings(REPORTS_FROM_ROLLUP=False):
        return resolution_report(now=NOW, **kwargs)


def _assert_same(from_rollup: dict, raw: dict) -> None:
    """Equal figures; medians within the bins' precision (5 %, or 6 minutes); means to their
    last decimal (the tables sum whole microseconds, the raw query floating-point hours, so a
    mean that falls on a half hundredth may be rounded either way)."""
    pairs = [(from_rollup["totals"], raw["totals"])]
    assert [row["key"] for row in from_rollup["rows"]] == [row["key"] for row in raw["rows"]]
    pairs += list(zip(from_rollup["rows"], raw["rows"], strict=True))
    for got, want in pairs:
        exact = {k: v for k, v in want.items() if k not in (MEDIAN, MEAN)}
        assert {k: v for k, v in got.items() if k not in (MEDIAN, MEAN)} == exact
        if want[MEDIAN] is None:
            assert got[MEDIAN] is None and got[MEAN] is None
        else:
            assert abs(got[MEDIAN] - want[MEDIAN]) <= max(0.05 * want[MEDIAN], 0.1) + 0.01
            assert abs(got[MEAN] - want[MEAN]) <= 0.0100001


def _filter_sets(world, data) -> list[ReportFilters]:
    year = {"date_from": date(2025, 1, 1), "date_to": date(2025, 12, 31)}
    spring = {"date_from": date(2025, 3, 5), "date_to": date(2025, 6, 17)}
    single = [
        {},
        year,
        spring,  # whole months between two ends read as days
        {"date_from": date(2025, 4, 1), "date_to": date(2025, 4, 30)},  # one whole month
        {"date_from": date(2025, 4, 10), "date_to": date(2025, 5, 20)},  # no whole month
        {"date_from": date(2025, 8, 15)},
        {"date_to": date(2025, 2, 14)},
        {"street": world.street_a.pk},
        {"community": world.community_a.pk},
        {"category": data.categories[0].pk},
        {"kind": "dispute"},
        {"grid": world.grid_a1.pk},
    ]
    combined = [
        {**spring, "street": world.street_a.pk, "kind": "incident"},
        {**year, "community": world.community_a2.pk, "category": data.categories[1].pk},
    ]
    return [ReportFilters(**f) for f in single + combined]


def test_rollup_and_raw_agree_for_every_grouping_filter_and_scope(world, data):
    """Given random cases of a year counted into the tables, every grouping under every filter
    and scope gives the raw report's figures (those the tables cannot answer read the cases)."""
    users = [world.superuser, world.viewer, world.admin_a, world.staff_a, world.worker_a]
    served = 0
    for user, group_by, filters in itertools.product(users, RESOLUTION_DIMENSIONS, _filter_sets(world, data)):
        scope = scope_for(user)
        if filters.community and scope.community_id and filters.community != scope.community_id:
            continue
        served += rollup.grain_for(scope, group_by, filters) is not None
        got = resolution_report(scope=scope, group_by=group_by, filters=filters, now=NOW)
        _assert_same(got, _raw(scope=scope, group_by=group_by, filters=filters))
    assert served > 100  # most of the combinations were answered from the tables


def test_the_coarsest_table_that_can_answer_is_chosen(world, data):
    viewer, staff, worker = scope_for(world.viewer), scope_for(world.staff_a), scope_for(world.worker_a)
    street, community, category, grid = rollup.GRAINS
    assert rollup.grain_for(viewer, "street", ReportFilters()) == street
    assert rollup.grain_for(viewer, "month", ReportFilters(street=world.street_a.pk)) == street
    assert rollup.grain_for(viewer, "street", ReportFilters(kind="dispute")) == category
    assert rollup.grain_for(staff, "street", ReportFilters()) == community
    assert rollup.grain_for(staff, "category", ReportFilters()) is None  # no community × category
    assert rollup.grain_for(viewer, "category", ReportFilters(community=world.community_a.pk)) is None
    assert rollup.grain_for(viewer, "grid", ReportFilters()) == grid
    assert rollup.grain_for(staff, "grid", ReportFilters()) == grid
    assert rollup.grain_for(viewer, "street", ReportFilters(grid=world.grid_a1.pk)) == grid
    assert rollup.grain_for(viewer, "grid", ReportFilters(kind="dispute")) is None  # no grid × kind
    assert rollup.grain_for(worker, "street", ReportFilters()) is None


def test_every_step_keeps_the_tables_equal_to_a_rebuild(world, data, make_case, category):
    """Given the tables rebuilt, cases created and taken through every step by the services
    (closing, reopening by a failed check, escalating, reclassifying, merging, feedback) leave
    the tables equal to the rows counted again from the cases."""
    closed = make_case("closed")
    make_case("resolved")
    make_case("rejected")
    make_case("merged")
    make_case("in_progress", grid=world.grid_b1)
    services.case_feedback(case_id=closed.pk, actor=world.admin_a, satisfaction="satisfied")
    failed = make_case("resolved")
    services.case_verify(case_id=failed.pk, actor=world.admin_a, passed=False, note="现场仍有杂物")
    escalated = make_case("accepted")
    services.case_escalate(case_id=escalated.pk, actor=world.admin_a, reason="需要街道协调")
    moved = make_case("assigned")
    services.case_update(case_id=moved.pk, actor=world.admin_a, data={"category": data.categories[2]})
    for grain in rollup.GRAINS:
        assert rollup.differences(grain) == []


def test_a_step_rolled_back_leaves_the_tables_unchanged(world, make_case):
    case = make_case("resolved")
    before = [rollup.stored_rows(grain) for grain in rollup.GRAINS]
    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_verify(case_id=case.pk, actor=world.admin_a, passed=True)
        assert [rollup.stored_rows(grain) for grain in rollup.GRAINS] != before
        raise RuntimeError
    assert [rollup.stored_rows(grain) for grain in rollup.GRAINS] == before


def test_rebuild_command_verifies_and_repairs(world, data, capsys):
    call_command("rebuild_report_rollup", "--verify")
    assert "no differences" in capsys.readouterr().out
    row = StreetRollup.objects.order_by("pk").first()
    StreetRollup.objects.filter(pk=row.pk).update(closed=row.closed + 1)
    CommunityRollup.objects.order_by("pk").first().delete()
    with pytest.raises(CommandError):
        call_command("rebuild_report_rollup", "--verify")
    # The failed verification rebuilt the tables: they agree again.
    call_command("rebuild_report_rollup", "--verify")


def test_the_api_reads_the_tables_in_a_fixed_number_of_queries(
    world, data, api, django_assert_max_num_queries
):
    client = api(world.viewer)
    params = {"group_by": "street", "from": "2025-01-01", "to": "2025-12-31"}
    with django_assert_max_num_queries(12):
        response = client.get(reverse("v1:report-resolution"), params)
    assert response.status_code == 200
    assert [row["key"]["name"] for row in response.json()["rows"]] == [world.street_a.name]


def test_interpolated_medians_are_within_five_percent():
    rng = random.Random(3)
    for size in (1, 2, 3, 10, 101, 1000):
        hours = [rng.lognormvariate(3, 1.2) for _ in range(size)]
        histogram: dict[str, int] = {}
        for h in hours:
            b = str(rollup.close_bin(round(h * rollup.HOUR_USEC)))
            histogram[b] = histogram.get(b, 0) + 1
        ordered = sorted(hours)
        exact = (ordered[(size - 1) // 2] + ordered[size // 2]) / 2
        assert abs(rollup.median_hours(histogram) - exact) <= 0.05 * exact
    assert rollup.median_hours({}) is None
    assert rollup.close_bin(0) == 0
    assert rollup.close_bin(timedelta(hours=0.1) // timedelta(microseconds=1)) == 1


def test_the_migration_counts_the_cases_a_database_held_before_the_tables(world, data):
    """A database migrated from before the tables answers its reports from full tables."""
    from importlib import import_module

    from django.apps import apps

    counted = [rollup.stored_rows(grain) for grain in rollup.GRAINS]
    assert any(counted)
    for grain in rollup.GRAINS:
        grain.model.objects.all().delete()  # as the tables stood when they were created
    import_module("reports.migrations.0002_count_existing_cases").count_existing_cases(apps, None)
    assert rollup.stored_rows(rollup.GRAINS[-1]) == {}  # the grid table comes with its own
    import_module("reports.migrations.0003_grid_rollup").count_existing_cases(apps, None)
    assert [rollup.stored_rows(grain) for grain in rollup.GRAINS] == counted


def test_a_change_moving_a_close_time_between_bins_updates_both_bins(world):
    """A closed case whose time to close changes moves one count from its old bin to its new
    one, in the same row: the upsert touches two bins at once (on both databases)."""
    from django.db import connection

    grain = next(g for g in rollup.GRAINS if g.model is StreetRollup)
    key = (rollup.DAY, date(2025, 1, 6), world.street_a.pk)
    zero = (0,) * len(rollup.COUNTS)
    for histogram in ({3: 1, 9: 2}, {3: -1, 7: 1, 9: -1}):
        sql, params = rollup._upsert_sql(grain, key, zero, 0, histogram)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    stored = StreetRollup.objects.get(span=rollup.DAY, day=date(2025, 1, 6), street=world.street_a)
    assert {b: n for b, n in stored.close_hours.items() if n} == {"7": 1, "9": 1}


def test_the_whole_history_is_read_from_one_row_per_group(world, data):
    """No period: the whole-history rows, one per group, unless the rows are grouped by month."""
    assert rollup.period_rows(None, None) == Q(span=rollup.WHOLE)
    assert rollup.period_rows(None, None, by_month=True) == Q(span=rollup.MONTH) | Q(pk__in=[])
    grain = rollup.GRAINS[0]
    stored = rollup.stored_rows(grain)
    whole = {key[2:]: row for key, row in stored.items() if key[0] == rollup.WHOLE}
    assert whole and all(key[1] == ALL_DAY for key in stored if key[0] == rollup.WHOLE)
    for street_key, row in whole.items():
        months = [r for key, r in stored.items() if key[0] == rollup.MONTH and key[2:] == street_key]
        assert row["total"] == sum(r["total"] for r in months)


@pytest.mark.parametrize("group_by", ["street", "community", "grid", "category", "kind", "month"])
def test_the_live_count_beside_the_tables_reads_only_columns_of_its_index(world, data, group_by):
    """The open cases not yet due are counted from `case_open_due_idx` alone on PostgreSQL: a
    grouping or filter on a column the index does not carry would read the cases' rows."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.models import Case

    index = next(i for i in Case._meta.indexes if i.name == "case_open_due_idx")
    indexed = {Case._meta.get_field(name).column for name in (*index.fields, *index.include)}
    filters = ReportFilters(street=world.street_a.pk)
    scope = scope_for(world.viewer)
    assert rollup.grain_for(scope, group_by, filters) is not None
    with CaptureQueriesContext(connection) as queries:
        resolution_report(scope=scope, group_by=group_by, filters=filters, now=NOW)
    table = Case._meta.db_table
    read = {
        column
        for query in queries.captured_queries
        for column in re.findall(rf'"{table}"\."(\w+)"', query["sql"])
    }
    assert read, "the live count reads the cases"
    assert read <= indexed, f"not in the open cases' index: {sorted(read - indexed)}"
