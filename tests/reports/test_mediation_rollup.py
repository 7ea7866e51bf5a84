"""The mediation report from its summary table equals the report counted from the mediations."""

from __future__ import annotations

import itertools
from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from grids.scope import scope_for
from mediation import services
from reports import mediation_rollup, rollup
from reports.models import MediationRollup, MediationTally
from reports.selectors import MEDIATION_DIMENSIONS, ReportFilters, mediation_report
from tests.reports.test_rollup import _filter_sets

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _from_rollup(settings, _exact_reports):
    settings.REPORTS_FROM_ROLLUP = True


def _raw(**kwargs) -> dict:
    with override_settings(REPORTS_FROM_ROLLUP=False):
        return mediation_report(**kwargs)


def test_table_and_raw_agree_for_every_grouping_filter_and_scope(world, data):
    """Given a year of random mediations counted into the table, every grouping under every
    filter and scope gives exactly the raw report (those it cannot answer read the mediations)."""
    users = [world.superuser, world.viewer, world.admin_a, world.staff_a, world.worker_a, data.mediator_user]
    served = 0
    for user, group_by, filters in itertools.product(users, MEDIATION_DIMENSIONS, _filter_sets(world, data)):
        scope = scope_for(user)
        if filters.community and scope.community_id and filters.community != scope.community_id:
            continue
        served += mediation_rollup.serves(scope, group_by, filters)
        got = mediation_report(scope=scope, group_by=group_by, filters=filters)
        assert got == _raw(scope=scope, group_by=group_by, filters=filters), (user, group_by, filters)
    assert served > 100
    assert any(
        row["registered"]
        for row in mediation_report(
            scope=scope_for(world.viewer), group_by="street", filters=ReportFilters()
        )["rows"]
    )


def test_what_the_table_answers(world, data):
    viewer, staff = scope_for(world.viewer), scope_for(world.staff_a)
    worker, mediator = scope_for(world.worker_a), scope_for(data.mediator_user)
    assert mediation_rollup.serves(viewer, "street", ReportFilters())
    assert mediation_rollup.serves(staff, "month", ReportFilters(community=world.community_a.pk))
    assert not mediation_rollup.serves(viewer, "room", ReportFilters())  # no room in the table
    assert not mediation_rollup.serves(viewer, "street", ReportFilters(grid=world.grid_a1.pk))
    assert not mediation_rollup.serves(worker, "street", ReportFilters())  # a worker's grids
    assert not mediation_rollup.serves(mediator, "street", ReportFilters())  # a mediator's own
    with override_settings(REPORTS_FROM_ROLLUP=False):
        assert not mediation_rollup.serves(viewer, "street", ReportFilters())


def _follow_up(mediation, actor, performance, visited_on=None):
    services.mediation_follow_up(
        mediation_id=mediation.pk,
        actor=actor,
        visited_on=visited_on or timezone.localdate(),
        performance=performance,
    )


def test_every_step_keeps_the_table_equal_to_a_rebuild(world, roster, make_mediation):
    """Mediations taken through every step by the services (registering, starting, agreeing in
    writing and orally, failing, referring, withdrawing, escalating, the court's confirmation,
    follow-ups that change the latest performance) leave the table equal to the mediations
    counted again, and their tallies equal to the tallies a rebuild writes."""
    lead = roster.gold_a.user
    make_mediation("registered")
    make_mediation("mediating")
    make_mediation("withdrawn")
    make_mediation("agreed", form="oral")
    failed = make_mediation("failed")
    services.mediation_refer(mediation_id=failed.pk, actor=lead, to="court")
    escalated = make_mediation("mediating", level="grid")
    services.mediation_escalate(mediation_id=escalated.pk, actor=world.admin_a, reason="需要社区协调")
    written = make_mediation("agreed", form="written")
    services.mediation_confirm(
        mediation_id=written.pk,
        actor=lead,
        applied_on=timezone.localdate(),
        result="confirmed",
        court="江津区人民法院",
    )
    _follow_up(written, lead, "partly")
    _follow_up(written, lead, "fulfilled")  # the latest decides: fulfilled now
    other = make_mediation("agreed", form="written", grid=world.grid_a3, level="street")
    _follow_up(other, lead, "fulfilled")
    _follow_up(other, lead, "not")  # fulfilled no longer
    assert mediation_rollup.differences() == []
    stored = {row["mediation_id"]: row for row in MediationTally.objects.values()}
    totals = MediationRollup.objects.filter(span="month").values_list("registered", "fulfilled", "confirmed")
    assert sum(r for r, _f, _c in totals) == 8
    assert sum(f for _r, f, _c in totals) == 1 and sum(c for _r, _f, c in totals) == 1
    rollup.rebuild()
    assert {row["mediation_id"]: row for row in MediationTally.objects.values()} == stored
    assert mediation_rollup.differences() == []


def test_a_step_rolled_back_leaves_the_table_unchanged(roster, make_mediation):
    mediation = make_mediation("agreed")
    before = mediation_rollup.stored_rows()
    with pytest.raises(RuntimeError), transaction.atomic():
        _follow_up(mediation, roster.gold_a.user, "fulfilled")
        assert mediation_rollup.stored_rows() != before
        raise RuntimeError
    assert mediation_rollup.stored_rows() == before
    assert mediation_rollup.differences() == []


def test_a_step_that_changes_no_figure_writes_nothing(roster, make_mediation, django_assert_num_queries):
    """A mediation counted already costs two reads (its tally, its figures), and nothing else."""
    mediation = make_mediation("mediating")
    with django_assert_num_queries(2):
        mediation_rollup.recount([mediation.pk])
    MediationTally.objects.all().delete()  # as if it had never been counted
    MediationRollup.objects.all().delete()
    with django_assert_num_queries(4):  # counted anew: the rows' upsert and the tally's
        mediation_rollup.recount([mediation.pk])
    assert mediation_rollup.differences() == []


def test_rebuild_command_verifies_and_repairs_the_mediation_table(world, data, capsys):
    call_command("rebuild_report_rollup", "--verify")
    out = capsys.readouterr().out
    assert "reports_mediationrollup: no differences" in out
    assert "mediation report by street: equal to the raw report" in out
    row = MediationRollup.objects.filter(agreed__gt=0).order_by("pk").first()
    MediationRollup.objects.filter(pk=row.pk).update(agreed=row.agreed - 1)
    with pytest.raises(CommandError, match="reports_mediationrollup"):
        call_command("rebuild_report_rollup", "--verify")
    call_command("rebuild_report_rollup", "--verify")  # the failed run rebuilt it
    tally = MediationTally.objects.filter(agreed=1).order_by("pk").first()
    MediationTally.objects.filter(pk=tally.pk).update(agreed=0)  # the table is right, its tally not
    with pytest.raises(CommandError, match="reports_mediationrollup"):
        call_command("rebuild_report_rollup", "--verify")
    assert f"('tally', {tally.pk})" in capsys.readouterr().out
    call_command("rebuild_report_rollup", "--verify")


def test_the_api_reads_the_table_in_a_fixed_number_of_queries(
    world, data, api, django_assert_max_num_queries
):
    client = api(world.viewer)
    expected = _raw(scope=scope_for(world.viewer), group_by="street", filters=ReportFilters())
    with django_assert_max_num_queries(9):
        response = client.get(reverse("v1:report-mediation"), {"group_by": "street"})
    assert response.status_code == 200
    body = response.json()
    assert body["totals"]["registered"] == expected["totals"]["registered"] > 0
    assert body["totals"]["fulfilled_rate"] == expected["totals"]["fulfilled_rate"]


def test_the_migration_counts_the_mediations_a_database_held_before_the_table(world, data):
    """A database migrated from before the mediation table and the whole-history rows gets both:
    the whole-history rows summed from its month rows, equal to those a rebuild writes."""
    counted = (
        mediation_rollup.stored_rows(),
        list(MediationTally.objects.order_by("pk").values()),
        [rollup.stored_rows(grain) for grain in rollup.GRAINS],
    )
    assert counted[0] and any(key[0] == rollup.WHOLE for key in counted[2][-1])
    MediationRollup.objects.all().delete()
    MediationTally.objects.all().delete()
    for grain in rollup.GRAINS:
        grain.model.objects.filter(span=rollup.WHOLE).delete()
    import_module("reports.migrations.0004_mediation_rollup_and_whole_history").count_existing_rows(
        apps, None
    )
    assert (
        mediation_rollup.stored_rows(),
        list(MediationTally.objects.order_by("pk").values()),
        [rollup.stored_rows(grain) for grain in rollup.GRAINS],
    ) == counted
