"""The reports count a merged duplicate as merged: not accepted, not closed, not open."""

import pytest

from cases import services
from cases.models import Case
from reports import selectors
from reports.selectors import ReportFilters
from tests.reports.conftest import NOW, expected_resolution

pytestmark = pytest.mark.django_db

UNCHANGED = [
    "accepted",
    "closed",
    "closure_rate",
    "closed_on_time",
    "on_time_rate",
    "reworked",
    "rework_rate",
    "overdue_open",
    "mean_hours_to_close",
    "median_hours_to_close",
    "closed_at_grid",
    "grid_level_rate",
    "feedback_given",
    "satisfied_feedback",
    "satisfaction_rate",
]


def _totals(scope_user):
    from grids.scope import scope_for

    report = selectors.resolution_report(
        scope=scope_for(scope_user), group_by="street", filters=ReportFilters(), now=NOW
    )
    return report["totals"]


def test_a_merged_duplicate_leaves_the_figures_of_the_reports_seed_unchanged(world, data):
    """Given the reports' seed, a duplicate reported and merged changes no figure but the
    counts of cases (total) and merged ones."""
    before = _totals(world.superuser)
    assert before == expected_resolution(data.cases)
    assert before["merged"] == 0
    kept = next(c for c in data.cases if c.status == "assigned" and c.street_id == world.street_a.pk)
    duplicate = services.case_create(
        actor=world.admin_a, grid=kept.grid, category=kept.category, title="重复上报"
    )
    services.case_accept(case_id=duplicate.pk, actor=world.admin_a)
    services.case_merge(case_id=duplicate.pk, actor=world.admin_a, into=kept.pk, reason="同一事项")

    after = _totals(world.superuser)
    assert {name: after[name] for name in UNCHANGED} == {name: before[name] for name in UNCHANGED}
    assert after["total"] == before["total"] + 1
    assert after["merged"] == 1
    assert after["open_cases"] == before["open_cases"]
    cases = list(Case.objects.all())
    assert after == expected_resolution(cases)


def test_merged_is_a_column_of_the_report_and_its_rule_holds_per_group(api, world, data):
    kept = next(c for c in data.cases if c.status == "accepted" and c.grid_id == world.grid_a1.pk)
    duplicate = next(
        c
        for c in data.cases
        if c.status == "in_progress" and c.street_id == kept.street_id and c.pk != kept.pk
    )
    services.case_merge(case_id=duplicate.pk, actor=world.admin_a, into=kept.pk, reason="同一事项")
    body = api(world.admin_a).get("/api/v1/reports/resolution/", {"group_by": "grid"}).json()
    row = next(r for r in body["rows"] if r["key"]["id"] == duplicate.grid_id)
    cases = list(Case.objects.filter(grid_id=duplicate.grid_id))
    expected = expected_resolution(cases)
    assert row["merged"] == 1
    assert row["accepted"] == expected["accepted"] and row["closure_rate"] == expected["closure_rate"]
