"""Real row locks, on PostgreSQL: two simultaneous actions on one case are serialised."""

import threading

import pytest
from django.db import connection

from cases import services
from cases.models import Case, CaseEvent
from config.errors import ActionNotAllowed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_resolves_one_wins_one_history_row(world, make_case):
    case = make_case("in_progress")
    worker = case.assignee_worker.user
    barrier = threading.Barrier(2)
    outcomes = []

    def resolve(result):
        try:
            barrier.wait()
            services.case_resolve(case_id=case.pk, actor=worker, result=result)
            outcomes.append("ok")
        except ActionNotAllowed:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=resolve, args=(f"结果{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["409", "ok"]
    assert CaseEvent.objects.filter(case=case, action="resolve").count() == 1
    final = Case.objects.get(pk=case.pk)
    assert final.status == "resolved" and final.version == case.version + 1


def test_concurrent_reports_get_distinct_numbers(world, category):
    barrier = threading.Barrier(4)
    numbers = []

    def report():
        try:
            barrier.wait()
            numbers.append(
                services.case_create(
                    actor=world.admin_a, grid=world.grid_a1, category=category, title="并发"
                ).number
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=report) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(numbers)) == 4
