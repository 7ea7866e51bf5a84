"""The history tables are partitioned by month on PostgreSQL, and the models do not notice."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from cases.models import CaseEvent, Supervision
from cases.overdue import cases_sweep_overdue
from cases.tasks import ensure_history_partitions
from core import partitions

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TABLES = ["cases_caseevent", "cases_supervision", "mediation_mediationevent"]


def _partitions(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


def _partition_of(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT tableoid::regclass::text FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def test_the_history_tables_are_partitioned_by_month_from_this_one_on():
    for table in TABLES:
        month = partitions.month_start(timezone.localdate())
        assert partitions.is_partitioned(table)
        names = _partitions(table)
        assert f"{table}_default" in names
        for _ in range(partitions.MONTHS_AHEAD + 1):
            assert partitions.partition_name(table, month) in names
            month = partitions.next_month(month)


def test_steps_and_supervisions_land_in_this_months_partition(make_case, world):
    """Given a case taken through steps and left overdue, its history rows and its supervision
    are written, read back by the models and stored in the current month's partitions."""
    case = make_case("assigned")
    events = list(CaseEvent.objects.filter(case=case).order_by("at", "pk"))
    assert [e.action for e in events] == ["report", "accept", "assign"]
    month = partitions.month_start(timezone.localdate())
    assert _partition_of("cases_caseevent", events[0].pk) == partitions.partition_name(
        "cases_caseevent", month
    )

    now = case.due_at + timezone.timedelta(hours=3)
    cases_sweep_overdue(now=now)
    cases_sweep_overdue(now=now)  # the (case, day) constraint holds on the partitioned table
    supervision = Supervision.objects.get(case=case)
    day = timezone.localdate(now)
    expected = partitions.partition_name("cases_supervision", partitions.month_start(day))
    assert _partition_of("cases_supervision", supervision.pk) in {expected, "cases_supervision_default"}


def test_the_task_creates_the_coming_months_once(settings):
    settings.HISTORY_PARTITIONS_AHEAD = 2
    later = date(2031, 5, 17)
    created = partitions.partitions_ensure(months_ahead=2, today=later)
    assert sorted(created) == sorted(
        partitions.partition_name(table, month)
        for table in TABLES
        for month in (date(2031, 5, 1), date(2031, 6, 1), date(2031, 7, 1))
    )
    assert partitions.partitions_ensure(months_ahead=2, today=later) == []
    assert ensure_history_partitions() == []  # this month and the next two exist already


def test_bench_history_times_both_tables_and_drops_them():
    out = io.StringIO()
    call_command("bench_history", cases=300, months=3, inserts=20, reads=20, stdout=out)
    printed = out.getvalue()
    for line in ("insert one step (rows/s)", "a case's history (ms)", "Scratch tables dropped."):
        assert line in printed
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'bench_history'")
        assert cursor.fetchone() is None


def test_the_command_creates_what_is_missing():
    out = io.StringIO()
    call_command("ensure_history_partitions", stdout=out)
    assert out.getvalue() == "0 partitions created.\n"  # the migration made them
