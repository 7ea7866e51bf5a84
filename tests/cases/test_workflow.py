"""Every action in every status: the allowed ones move the case, the others are refused."""

import pytest
from django.utils import timezone

from cases import services, workflow
from cases.models import CaseEvent, Status
from config.errors import ActionNotAllowed
from grids.models import GridWorker
from grids.scope import scope_for
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

ALL_ACTIONS = sorted(workflow.ACTIONS)


def call(action, case, world):
    """Take `action` on `case` as the street admin, with valid input."""
    admin = world.admin_a
    worker = GridWorker.objects.get(user=world.worker_a)
    calls = {
        "accept": lambda: services.case_accept(case_id=case.pk, actor=admin),
        "reject": lambda: services.case_reject(case_id=case.pk, actor=admin, reason="不属实"),
        "assign": lambda: services.case_assign(case_id=case.pk, actor=admin, worker=worker),
        "start": lambda: services.case_start(case_id=case.pk, actor=admin),
        "resolve": lambda: services.case_resolve(case_id=case.pk, actor=admin, result="已处理"),
        "verify": lambda: services.case_verify(case_id=case.pk, actor=admin, passed=True),
        "escalate": lambda: services.case_escalate(case_id=case.pk, actor=admin, reason="需街道协调"),
        "extend": lambda: services.case_extend(
            case_id=case.pk, actor=admin, due_at=case.due_at + timezone.timedelta(days=3), reason="等待配件"
        ),
        "comment": lambda: services.case_comment(case_id=case.pk, actor=admin, note="已电话联系"),
        "feedback": lambda: services.case_feedback(case_id=case.pk, actor=admin, satisfaction="satisfied"),
        "update": lambda: services.case_update(case_id=case.pk, actor=admin, data={"title": "新标题"}),
        "merge": lambda: services.case_merge(
            case_id=case.pk,
            actor=admin,
            into=services.case_create(
                actor=admin, grid=case.grid, category=case.category, title="同一事项"
            ).pk,
            reason="重复上报",
        ),
        "attach": None,  # tested with a real file in test_attachments
    }
    return calls[action]()


CASES = [(status, action) for status in workflow.TRANSITIONS for action in ALL_ACTIONS if action != "attach"]


@pytest.mark.parametrize(("status", "action"), CASES)
def test_each_action_in_each_status(world, make_case, status, action):
    case = make_case(status)
    events_before = CaseEvent.objects.filter(case=case).count()
    allowed = action in workflow.TRANSITIONS[status]
    if allowed:
        updated = call(action, case, world)
        assert updated.status in workflow.TRANSITIONS[status][action]
        assert updated.version == case.version + 1
        event = CaseEvent.objects.filter(case=case).latest("pk")
        assert (event.action, event.actor, event.from_status, event.to_status) == (
            action,
            world.admin_a,
            status,
            updated.status,
        )
        assert CaseEvent.objects.filter(case=case).count() == events_before + 1
    else:
        with pytest.raises(ActionNotAllowed) as refused:
            call(action, case, world)
        # The refusal names what the admin may do instead, which never includes the refused action.
        assert refused.value.allowed_actions == workflow.allowed_actions(case, scope_for(world.admin_a))
        assert action not in refused.value.allowed_actions
        case_after = type(case).objects.get(pk=case.pk)
        assert (case_after.status, case_after.version) == (case.status, case.version)
        assert CaseEvent.objects.filter(case=case).count() == events_before


def test_the_table_covers_every_status_and_leads_only_to_known_statuses():
    assert set(workflow.TRANSITIONS) == set(Status.values)
    for moves in workflow.TRANSITIONS.values():
        for targets in moves.values():
            assert set(targets) <= set(Status.values)


def test_full_loop_records_every_stage_time_and_history(world, make_case):
    case = make_case("closed")
    assert case.status == Status.CLOSED
    for stage in ["reported_at", "accepted_at", "assigned_at", "started_at", "resolved_at", "closed_at"]:
        assert getattr(case, stage) is not None, stage
    assert list(case.events.values_list("action", flat=True)) == [
        "report",
        "accept",
        "assign",
        "start",
        "resolve",
        "verify",
    ]
    assert case.version == 6


def test_failed_verification_sends_the_case_back_as_rework(world, make_case):
    case = make_case("resolved")
    case = services.case_verify(case_id=case.pk, actor=world.admin_a, passed=False, note="现场仍有杂物")
    assert case.status == Status.ASSIGNED
    assert case.rework_count == 1
    assert case.resolved_at is None
    assert case.closed_at is None


def test_escalation_climbs_one_level_and_clears_the_assignee(world, make_case):
    case = make_case("in_progress")
    assert case.level == "grid"
    case = services.case_escalate(case_id=case.pk, actor=world.admin_a, reason="需社区协调")
    assert (case.status, case.level, case.assignee_worker, case.escalation_count) == (
        Status.ACCEPTED,
        "community",
        None,
        1,
    )
    for expected in ["street", "district"]:
        case = services.case_escalate(case_id=case.pk, actor=world.admin_a, reason="继续上报")
        assert case.level == expected
    with pytest.raises(ActionNotAllowed) as refused:
        services.case_escalate(case_id=case.pk, actor=world.admin_a, reason="再上报")
    assert "escalate" not in refused.value.allowed_actions


def test_feedback_is_recorded_once(world, make_case):
    case = make_case("closed")
    services.case_feedback(case_id=case.pk, actor=world.admin_a, satisfaction="basically_satisfied")
    with pytest.raises(ActionNotAllowed):
        services.case_feedback(case_id=case.pk, actor=world.admin_a, satisfaction="dissatisfied")
    case.refresh_from_db()
    assert case.satisfaction == "basically_satisfied"


def test_extension_lifts_the_overdue_mark(world, make_case):
    case = make_case("assigned")
    type(case).objects.filter(pk=case.pk).update(is_overdue=True)
    new_due = timezone.now() + timezone.timedelta(days=5)
    case = services.case_extend(case_id=case.pk, actor=world.admin_a, due_at=new_due, reason="雨天延期")
    assert case.due_at == new_due and case.is_overdue is False
    assert case.events.latest("pk").changes["is_overdue"] == [True, False]


@pytest.mark.parametrize("status", ["reported", "resolved"])
def test_a_case_waiting_for_the_centre_may_be_extended(world, make_case, status):
    case = make_case(status)
    new_due = timezone.now() + timezone.timedelta(days=5)
    case = services.case_extend(case_id=case.pk, actor=world.admin_a, due_at=new_due, reason="等待现场核实")
    assert (case.status, case.due_at) == (status, new_due)
    assert "extend" in workflow.allowed_actions(case, scope_for(world.admin_a))


def test_a_longer_time_limit_lifts_the_overdue_mark(world, make_case):
    case = make_case("assigned")
    type(case).objects.filter(pk=case.pk).update(
        is_overdue=True, due_at=timezone.now() - timezone.timedelta(hours=1)
    )
    longer = CategoryFactory(time_limit_hours=24 * 30)
    case = services.case_update(case_id=case.pk, actor=world.admin_a, data={"category": longer})
    assert case.due_at == case.reported_at + timezone.timedelta(days=30)
    assert case.is_overdue is False
    assert case.events.latest("pk").changes["is_overdue"] == [True, False]
    assert not type(case).objects.overdue().filter(pk=case.pk).exists()


def test_a_time_limit_already_past_leaves_the_mark_to_the_sweep(world, make_case):
    case = make_case("assigned")
    type(case).objects.filter(pk=case.pk).update(reported_at=timezone.now() - timezone.timedelta(days=3))
    shorter = CategoryFactory(time_limit_hours=24)
    case = services.case_update(case_id=case.pk, actor=world.admin_a, data={"category": shorter})
    assert case.is_overdue is False and "is_overdue" not in case.events.latest("pk").changes
    assert type(case).objects.overdue().filter(pk=case.pk).exists()


def test_history_rows_cannot_be_changed_or_deleted(world, make_case):
    event = make_case().events.get()
    event.note = "改写"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


# The README's diagram and action table, written out by hand: a wrong edit of `TRANSITIONS`
# (a move added, dropped or led elsewhere) fails here even though the tests derived from the
# table would follow it.
README_MOVES = {
    ("reported", "accept"): ("accepted",),
    ("reported", "reject"): ("rejected",),
    ("reported", "extend"): ("reported",),
    ("reported", "update"): ("reported",),
    ("reported", "comment"): ("reported",),
    ("reported", "attach"): ("reported",),
    ("reported", "merge"): ("merged", "reported"),
    ("accepted", "assign"): ("assigned",),
    ("accepted", "escalate"): ("accepted",),
    ("accepted", "extend"): ("accepted",),
    ("accepted", "update"): ("accepted",),
    ("accepted", "comment"): ("accepted",),
    ("accepted", "attach"): ("accepted",),
    ("accepted", "merge"): ("merged", "accepted"),
    ("assigned", "assign"): ("assigned",),
    ("assigned", "start"): ("in_progress",),
    ("assigned", "escalate"): ("accepted",),
    ("assigned", "extend"): ("assigned",),
    ("assigned", "update"): ("assigned",),
    ("assigned", "comment"): ("assigned",),
    ("assigned", "attach"): ("assigned",),
    ("assigned", "merge"): ("merged", "assigned"),
    ("in_progress", "resolve"): ("resolved",),
    ("in_progress", "escalate"): ("accepted",),
    ("in_progress", "extend"): ("in_progress",),
    ("in_progress", "update"): ("in_progress",),
    ("in_progress", "comment"): ("in_progress",),
    ("in_progress", "attach"): ("in_progress",),
    ("in_progress", "merge"): ("merged", "in_progress"),
    ("resolved", "verify"): ("closed", "assigned"),
    ("resolved", "extend"): ("resolved",),
    ("resolved", "comment"): ("resolved",),
    ("resolved", "attach"): ("resolved",),
    ("resolved", "merge"): ("merged", "resolved"),
    ("closed", "feedback"): ("closed",),
    ("closed", "comment"): ("closed",),
    ("rejected", "comment"): ("rejected",),
    ("merged", "comment"): ("merged",),
}


def test_the_table_is_the_readmes_diagram():
    table = {
        (status, action): targets
        for status, moves in workflow.TRANSITIONS.items()
        for action, targets in moves.items()
    }
    assert table == README_MOVES
