from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.models import Case, CaseEvent, Supervision
from cases.overdue import cases_sweep_overdue

pytestmark = pytest.mark.django_db


def test_sweep_marks_overdue_cases_once_and_supervises_once_a_day(world, make_case):
    late = make_case("assigned")
    late_resolved = make_case("resolved")
    on_time = make_case("assigned")
    late_closed = make_case("closed")
    Case.objects.filter(pk__in=[late.pk, late_resolved.pk, late_closed.pk]).update(
        due_at=timezone.now() - timedelta(hours=5)
    )
    call_command("sweep_overdue")
    snapshot = (
        sorted(Case.objects.filter(is_overdue=True).values_list("pk", flat=True)),
        Supervision.objects.count(),
        CaseEvent.objects.count(),
        sorted(Case.objects.values_list("pk", "version")),
    )
    assert snapshot[0] == sorted([late.pk, late_resolved.pk])
    assert snapshot[1] == 2
    assert Supervision.objects.get(case=late).overdue_hours == 5
    assert CaseEvent.objects.filter(action="mark_overdue").count() == 2
    # Running it again the same day changes nothing more.
    result = cases_sweep_overdue()
    assert (result.marked, result.supervisions) == (0, 0)
    assert snapshot == (
        sorted(Case.objects.filter(is_overdue=True).values_list("pk", flat=True)),
        Supervision.objects.count(),
        CaseEvent.objects.count(),
        sorted(Case.objects.values_list("pk", "version")),
    )
    assert not Case.objects.get(pk=on_time.pk).is_overdue


def test_next_day_adds_one_supervision_per_overdue_case(world, make_case):
    late = make_case("in_progress")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=2))
    cases_sweep_overdue()
    result = cases_sweep_overdue(now=timezone.now() + timedelta(days=1))
    assert (result.marked, result.supervisions) == (0, 1)
    assert Supervision.objects.filter(case=late).count() == 2


def test_overdue_filter_and_marked_flag_in_the_api(world, api, make_case):
    from django.urls import reverse

    late = make_case("assigned")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    cases_sweep_overdue()
    body = api(world.admin_a).get(reverse("v1:case-detail", args=[late.pk])).json()
    assert body["overdue"] is True and body["is_overdue"] is True and body["supervision_count"] == 1
